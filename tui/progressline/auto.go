package progressline

import (
	"io"

	"github.com/charmbracelet/x/term"
)

// Auto is the mode that picks for w: a live line on a terminal, log lines
// otherwise.
const Auto = "auto"

// ForTerminal renders to w in mode, resolving Auto: on a terminal a live
// line as wide as the terminal is (80 when it does not say), elsewhere log
// lines.
func ForTerminal(w io.Writer, mode string, verbose func(format string, args ...any)) *Renderer {
	width := func() int { return 80 }
	if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(f.Fd()) {
		if mode == Auto {
			mode = Line
		}
		width = func() int {
			if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
				return w
			}
			return 80
		}
	} else if mode == Auto {
		mode = Plain
	}
	return New(w, mode, width, verbose, 0)
}
