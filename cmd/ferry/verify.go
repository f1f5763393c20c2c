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
	c := command("verify", func(cmd *cobra.Command, args []string) error {
		// The signature is checked first; the verify below checks
		// every part against the signed index.
		_, b, err := trust.open(a, cmd, args[0], progress, false)
		if err != nil {
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
	})
	c.Flags().BoolVar(&quick, "quick", false, "check parts only (size and sha256), not the items inside")
	progress.register(c)
	trust.register(c)
	return c
}
