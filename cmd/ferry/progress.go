package main

import (
	"github.com/spf13/cobra"

	"ferry/tui/progressline"
)

// progressFlag is --progress: how long work is shown on stderr.
type progressFlag struct{ mode string }

func (p *progressFlag) register(c *cobra.Command) {
	parsedVar(c.Flags(), &p.mode, "progress", "", progressline.Auto, "auto (a live line on a terminal, log lines otherwise), plain, json or none",
		oneOf(progressline.Auto, progressline.Plain, progressline.JSON, progressline.None))
}

// renderer renders progress on stderr in the mode asked for.
func (p *progressFlag) renderer(a *app) *progressline.Renderer {
	return progressline.ForTerminal(a.stderr, p.mode, a.logf)
}
