// Package frame lays out a wizard screen the same way on both sides of the
// gap: a header (what this is, a banner such as the demo's, "step n of m"),
// a rail listing the steps (done ones ticked, the current one marked), the
// step's content, and the key help at the bottom. Below the minimum size it
// says so politely instead.
package frame

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"ferry/themes"
)

// Minimum window size.
const (
	MinWidth  = 80
	MinHeight = 24
)

// RailWidth is the width of the steps rail.
const RailWidth = 20

// RailBreak is the narrowest window that shows the rail; below it the
// header names the step instead and the content takes the whole width.
const RailBreak = 100

// Frame is one wizard's layout.
type Frame struct {
	Theme themes.Theme
	// Title follows "ferry · " in the header.
	Title string
	// Banner, when set, is shown in the header (the demo's).
	Banner string
	// Steps are the rail's step titles.
	Steps []string
}

// ContentSize is the room for a step's content, between header and footer
// (right of the rail when there is one).
func ContentSize(width, height int) (int, int) {
	if width < RailBreak {
		return max(20, width-1), max(5, height-5)
	}
	return max(20, width-RailWidth-3), max(5, height-5)
}

// TooSmall says whether a window is below the minimum, where the app
// shows only how to get a usable screen.
func TooSmall(width, height int) bool { return width < MinWidth || height < MinHeight }

// TooSmallMessage is what a window below the minimum shows; with prompts
// it offers the plain questions and answers (--accessible), which the
// demo has not.
func TooSmallMessage(width, height int, prompts bool) string {
	larger := "Make it larger."
	if prompts {
		larger = "Make it larger, or run ferry with --accessible\nfor plain questions and answers."
	}
	return fmt.Sprintf("ferry needs a window of at least %d×%d;\nthis one is %d×%d.\n\n%s\n\nq or ctrl+c quits.", MinWidth, MinHeight, width, height, larger)
}

// Render draws a whole screen: current is the step index, done says which
// steps are finished, railExtra goes under the steps (the selection so
// far), body is the step's content and footer the key help.
func (f Frame) Render(width, height, current int, done func(int) bool, railExtra, body, footer string) string {
	if width == 0 {
		return ""
	}
	if TooSmall(width, height) {
		msg := TooSmallMessage(width, height, f.Banner == "") // a Banner is the demo's
		if footer != "" {
			msg += "\n\n" + footer
		}
		return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, msg)
	}
	th := f.Theme
	w, h := ContentSize(width, height)
	// A footer of more lines (a question) takes them from the content.
	h = max(1, h-(lipgloss.Height(footer)-1))
	header := th.Title.Render("ferry") + th.Subtle.Render(" · "+f.Title)
	if f.Banner != "" {
		header += "   " + th.Warn.Render(f.Banner)
	}
	where := fmt.Sprintf("step %d of %d", current+1, len(f.Steps))
	if width < RailBreak && current < len(f.Steps) {
		where += ": " + f.Steps[current]
	}
	pos := th.Subtle.Render(where)
	header = ansi.Truncate(header, max(1, width-lipgloss.Width(pos)-1), "…")
	header += strings.Repeat(" ", max(1, width-lipgloss.Width(header)-lipgloss.Width(pos))) + pos
	if width < RailBreak {
		content := lipgloss.NewStyle().Width(w).Height(h).MaxHeight(h).Render(body)
		return lipgloss.JoinVertical(lipgloss.Left, header, "", content, "", footer)
	}
	var rail strings.Builder
	for i, t := range f.Steps {
		switch {
		case i == current:
			rail.WriteString(th.Accent.Render("▸ " + t))
		case done(i):
			rail.WriteString(th.OK.Render("✓ ") + t)
		default:
			rail.WriteString(th.Subtle.Render("  " + t))
		}
		rail.WriteString("\n")
	}
	rail.WriteString(railExtra)
	content := lipgloss.NewStyle().Width(w).Height(h).MaxHeight(h).Render(body)
	railBox := lipgloss.NewStyle().Width(RailWidth).Height(h).Render(rail.String())
	sep := strings.TrimRight(strings.Repeat(th.Border.Render("│")+"\n", h), "\n")
	main := lipgloss.JoinHorizontal(lipgloss.Top, railBox, sep, " ", content)
	return lipgloss.JoinVertical(lipgloss.Left, header, "", main, "", footer)
}

// Position is where the user is in a side's steps: the current step's
// index, which steps are done, and what goes under the rail.
type Position struct {
	Current   int
	Done      func(int) bool
	RailExtra string
}
