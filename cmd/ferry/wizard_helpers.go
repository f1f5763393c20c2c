package main

import (
	"errors"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"ferry/themes"
)

func lipglossHasDarkBackground(f *os.File) bool { return lipgloss.HasDarkBackground(os.Stdin, f) }

func errorsIsKilled(err error) bool {
	return errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted)
}

// tuiTheme is the one place the terminal app's theme is chosen: mono
// without colour, else the named theme, for the terminal's background.
func (a *app) tuiTheme(name string) (themes.Theme, error) {
	if a.plain() {
		return themes.MonoTheme(), nil
	}
	isDark := true
	if f, ok := a.stdout.(*os.File); ok && isTerminal(f) {
		isDark = lipglossHasDarkBackground(f)
	}
	th, err := themes.ByName(name, isDark)
	if err != nil {
		return th, usageError{err}
	}
	return th, nil
}

// programOptions are the terminal app's output, input (none when in is
// nil) and colour profile.
func (a *app) programOptions(in io.Reader) []tea.ProgramOption {
	opts := []tea.ProgramOption{tea.WithOutput(a.stdout)}
	if in != nil {
		opts = append(opts, tea.WithInput(in))
	}
	if a.plain() {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	return opts
}
