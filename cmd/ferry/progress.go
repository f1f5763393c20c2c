package main

import (
	"fmt"

	"github.com/charmbracelet/x/term"
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
	switch mode {
	case "auto", "plain", "json", "none":
		return nil
	}
	return usageError{fmt.Errorf("--progress must be %s, not %q", progressModes, mode)}
}

// newProgressRenderer renders progress on stderr in the --progress mode:
// auto is a live line on a terminal, as wide as it is, and log lines
// otherwise.
func newProgressRenderer(a *app, mode string) *progressline.Renderer {
	width := func() int { return 80 }
	if f, ok := a.stderr.(interface{ Fd() uintptr }); ok && term.IsTerminal(f.Fd()) {
		if mode == "auto" {
			mode = progressline.Line
		}
		width = func() int {
			if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
				return w
			}
			return 80
		}
	} else if mode == "auto" {
		mode = progressline.Plain
	}
	return progressline.New(a.stderr, mode, width, a.logf, 0)
}
