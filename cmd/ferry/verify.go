package main

import (
	"github.com/spf13/cobra"

	"ferry/artifacts/size"
	"ferry/tui/summary"
)

func newVerifyCmd(a *app) *cobra.Command {
	var quick bool
	var progress progressFlag
	var trust trustFlag
	c := &cobra.Command{
		Use:   "verify BUNDLE",
		Short: "Check a bundle: every part, and (unless --quick) every item in it",
		Long: `verify checks a bundle given as its folder, its .ferry.json index, or any of
its parts: every part's size and sha256, and unless --quick also the manifest,
every image blob against its digest, every Maven file against its checksums,
every plain file and SHA256SUMS. It exits non-zero naming the first damaged
part or item and what to do. With --key it first checks the bundle is signed
by that public key (ferry keygen, ferry sign), and refuses it otherwise. A
delta bundle is checked on its own: the blobs it leaves out for its base are
not missing.`,
		Example: `  ferry verify /media/usb
  ferry verify --quick /media/usb/sonataflow-10.1.0.ferry.json
  ferry verify --progress json /media/usb
  ferry verify --key site-a.pub /media/usb`,
		Args: exactArgs(1, "name the bundle to verify: its folder, its .ferry.json index or one of its parts"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := progress.check(); err != nil {
				return err
			}
			if err := trust.load(); err != nil {
				return err
			}
			// The signature is checked first; the verify below checks
			// every part against the signed index.
			sess, b, err := a.openBundle(args[0])
			if err != nil {
				return err
			}
			if err := trust.check(a, cmd, sess, b, progress, false); err != nil {
				return err
			}
			idx := b.Index
			a.logf("verifying %s (%d parts, %s)…", idx.Name, len(idx.Parts), size.Format(idx.Size))
			r := progress.renderer(a)
			rep, err := b.Verify(cmd.Context(), quick, r.Sink())
			r.Finish()
			if err != nil {
				return err
			}
			summary.Verified(a.out(), a.theme(), idx, rep, quick)
			return nil
		},
	}
	c.Flags().BoolVar(&quick, "quick", false, "check parts only (size and sha256), not the items inside")
	progress.register(c)
	trust.register(c)
	return c
}
