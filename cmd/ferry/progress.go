package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"ferry/tui/progressline"
)

// progressFlag is --progress: how long work is shown on stderr.
type progressFlag struct{ mode string }

func (p *progressFlag) register(c *cobra.Command) {
	c.Flags().StringVar(&p.mode, "progress", "auto", "auto (a live line on a terminal, log lines otherwise), plain, json or none")
}

// check refuses a value that is not a mode.
func (p *progressFlag) check() error {
	if !progressline.Valid(p.mode) {
		return usageError{fmt.Errorf("--progress must be auto, plain, json or none, not %q", p.mode)}
	}
	return nil
}

// renderer renders progress on stderr in the mode asked for.
func (p *progressFlag) renderer(a *app) *progressline.Renderer {
	return progressline.ForTerminal(a.stderr, p.mode, a.logf)
}
