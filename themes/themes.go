package themes

import (
	"fmt"
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
)

// Names of the themes, as --theme takes them.
const (
	Default      = "default"
	HighContrast = "high-contrast"
	Mono         = "mono"
)

// Names lists the themes --theme accepts.
var Names = []string{Default, HighContrast, Mono}

// Theme is the set of styles ferry draws with.
type Theme struct {
	Name string
	// Title heads a screen or a printed section.
	Title lipgloss.Style
	// Subtle is secondary text: hints, units, counts.
	Subtle lipgloss.Style
	// Accent marks what is selected or important.
	Accent lipgloss.Style
	// OK, Warn and Error colour results.
	OK    lipgloss.Style
	Warn  lipgloss.Style
	Error lipgloss.Style
	// Header is a table's header row; Cell a plain table cell; Border the
	// table's lines.
	Header lipgloss.Style
	Cell   lipgloss.Style
	Border lipgloss.Style
	// Total is a totals row.
	Total lipgloss.Style
}

// ByName returns the named theme; isDark picks the default theme's variant.
func ByName(name string, isDark bool) (Theme, error) {
	switch strings.ToLower(name) {
	case Default, "":
		return DefaultTheme(isDark), nil
	case HighContrast:
		return HighContrastTheme(), nil
	case Mono:
		return MonoTheme(), nil
	}
	return Theme{}, fmt.Errorf("there is no theme %q: choose one of %s", name, strings.Join(Names, ", "))
}

// DefaultTheme is ferry's own palette, for dark or light backgrounds.
func DefaultTheme(isDark bool) Theme {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#A89BFF"))
	subtle := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8C8C8C"))
	return build(Default, accent, subtle,
		ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#56D364")),
		ld(lipgloss.Color("#9A6700"), lipgloss.Color("#E3B341")),
		ld(lipgloss.Color("#CF222E"), lipgloss.Color("#FF7B72")),
		ld(lipgloss.Color("#D0D0D0"), lipgloss.Color("#444444")))
}

// HighContrastTheme uses only the basic, brightest ANSI colours.
func HighContrastTheme() Theme {
	t := build(HighContrast, lipgloss.BrightCyan, lipgloss.BrightWhite,
		lipgloss.BrightGreen, lipgloss.BrightYellow, lipgloss.BrightRed, lipgloss.BrightWhite)
	t.Subtle = t.Subtle.Bold(false)
	t.Cell = t.Cell.Foreground(lipgloss.BrightWhite)
	return t
}

// MonoTheme draws with no colour at all: bold and underline only.
func MonoTheme() Theme {
	return Theme{
		Name:   Mono,
		Title:  lipgloss.NewStyle().Bold(true),
		Subtle: lipgloss.NewStyle(),
		Accent: lipgloss.NewStyle().Bold(true),
		OK:     lipgloss.NewStyle(),
		Warn:   lipgloss.NewStyle().Bold(true),
		Error:  lipgloss.NewStyle().Bold(true),
		Header: lipgloss.NewStyle().Bold(true).Padding(0, 1),
		Cell:   lipgloss.NewStyle().Padding(0, 1),
		Border: lipgloss.NewStyle(),
		Total:  lipgloss.NewStyle().Bold(true).Padding(0, 1),
	}
}

func build(name string, accent, subtle, ok, warn, bad, border color.Color) Theme {
	return Theme{
		Name:   name,
		Title:  lipgloss.NewStyle().Bold(true).Foreground(accent),
		Subtle: lipgloss.NewStyle().Foreground(subtle),
		Accent: lipgloss.NewStyle().Foreground(accent).Bold(true),
		OK:     lipgloss.NewStyle().Foreground(ok),
		Warn:   lipgloss.NewStyle().Foreground(warn),
		Error:  lipgloss.NewStyle().Foreground(bad).Bold(true),
		Header: lipgloss.NewStyle().Bold(true).Foreground(accent).Padding(0, 1),
		Cell:   lipgloss.NewStyle().Padding(0, 1),
		Border: lipgloss.NewStyle().Foreground(border),
		Total:  lipgloss.NewStyle().Bold(true).Padding(0, 1),
	}
}
