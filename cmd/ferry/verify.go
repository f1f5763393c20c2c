package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"ferry/artifacts/bundle"
	"ferry/artifacts/size"
)

func newVerifyCmd(a *app) *cobra.Command {
	var quick bool
	var progress string
	c := &cobra.Command{
		Use:   "verify BUNDLE",
		Short: "Check a bundle: every part, and (unless --quick) every item in it",
		Long: `verify checks a bundle given as its folder, its .ferry.json index, or any of
its parts: every part's size and sha256, and unless --quick also the manifest,
every image blob against its digest, every Maven file against its checksums,
every plain file and SHA256SUMS. It exits non-zero naming the first damaged
part or item and what to do. A delta bundle is checked on its own: the blobs
it leaves out for its base are not missing.`,
		Example: `  ferry verify /media/usb
  ferry verify --quick /media/usb/sonataflow-10.1.0.ferry.json
  ferry verify --progress json /media/usb`,
		Args: exactArgs(1, "name the bundle to verify: its folder, its .ferry.json index or one of its parts"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkProgress(progress); err != nil {
				return err
			}
			b, err := bundle.Open(args[0])
			if err != nil {
				return err
			}
			idx := b.Index
			a.logf("verifying %s (%d parts, %s)…", idx.Name, len(idx.Parts), size.Format(idx.Size))
			r := newProgressRenderer(a, progress)
			rep, err := b.Verify(cmd.Context(), quick, r.sink())
			r.finish()
			if err != nil {
				return err
			}
			th := a.theme()
			what := "every part and every item"
			if quick {
				what = "every part (sizes and checksums)"
			}
			w := a.out()
			fmt.Fprintf(w, "%s %s — %s checked.\n", th.OK.Render("OK"), idx.Name, what)
			fmt.Fprintf(w, "  code %s · %d part(s) · %s", th.Accent.Render(idx.ShortCode), rep.Parts, size.Format(idx.Size))
			if !quick {
				fmt.Fprintf(w, " · %d images, %d blobs, %d Maven files, %d files", rep.Images, rep.Blobs, rep.Maven, rep.Files)
				if rep.Omitted > 0 {
					fmt.Fprintf(w, " · a delta: %d blobs left out for its base", rep.Omitted)
				}
			}
			fmt.Fprintln(w)
			return nil
		},
	}
	c.Flags().BoolVar(&quick, "quick", false, "check parts only (size and sha256), not the items inside")
	progressFlag(c, &progress)
	return c
}
