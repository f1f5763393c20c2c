package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"ferry/tui/progressline"
)

// progressModes are the values of --progress.
const progressModes = "auto, plain, json or none"

// progressFlag adds --progress to a command.
func progressFlag(c *cobra.Command, mode *string) {
	c.Flags().StringVar(mode, "progress", "auto", "auto (a live line on a terminal, log lines otherwise), plain, json or none")
}

// checkProgress refuses a --progress value that is not a mode.
func checkProgress(mode string) error {
	if !progressline.Valid(mode) {
		return usageError{fmt.Errorf("--progress must be %s, not %q", progressModes, mode)}
	}
	return nil
}

// newProgressRenderer renders progress on stderr in the --progress mode.
func newProgressRenderer(a *app, mode string) *progressline.Renderer {
	return progressline.ForTerminal(a.stderr, mode, a.logf)
}
