// Package themes holds ferry's lipgloss styles: default (dark or light,
// chosen from the terminal's background), high-contrast, and mono (for
// NO_COLOR and dumb terminals). A theme is chosen once and passed down;
// screens and printed tables take every colour from it.
package themes
