// Package shortcode draws a bundle's short code the way both sides show
// it: large, spaced letters in a double box, so the engineer can read it
// aloud and the technician can compare it at a glance.
package shortcode

import (
	"strings"

	"charm.land/lipgloss/v2"

	"ferry/themes"
)

// Box draws code spaced out in a double-bordered box.
func Box(th themes.Theme, code string) string {
	spaced := strings.Join(strings.Split(code, ""), " ")
	return lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(th.Accent.GetForeground()).
		Padding(1, 4).Bold(true).Render(th.Accent.Render(spaced))
}
