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

	"ferry/themes"
)

// Minimum window size.
const (
	MinWidth  = 80
	MinHeight = 24
)

// RailWidth is the width of the steps rail.
const RailWidth = 20

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

// ContentSize is the room right of the rail, between header and footer.
func ContentSize(width, height int) (int, int) {
	return max(20, width-RailWidth-3), max(5, height-5)
}

// Render draws a whole screen: current is the step index, done says which
// steps are finished, railExtra goes under the steps (the selection so
// far), body is the step's content and footer the key help.
func (f Frame) Render(width, height, current int, done func(int) bool, railExtra, body, footer string) string {
	if width == 0 {
		return ""
	}
	if width < MinWidth || height < MinHeight {
		return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center,
			fmt.Sprintf("ferry needs a window of at least %d×%d;\nthis one is %d×%d.\nPlease make it larger.", MinWidth, MinHeight, width, height))
	}
	th := f.Theme
	w, h := ContentSize(width, height)
	header := th.Title.Render("ferry") + th.Subtle.Render(" · "+f.Title)
	if f.Banner != "" {
		header += "   " + th.Warn.Render(f.Banner)
	}
	pos := th.Subtle.Render(fmt.Sprintf("step %d of %d", current+1, len(f.Steps)))
	header += strings.Repeat(" ", max(1, width-lipgloss.Width(header)-lipgloss.Width(pos))) + pos
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
