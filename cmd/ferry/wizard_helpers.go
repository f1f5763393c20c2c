package main

import (
	"errors"
	"os"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

func lipglossHasDarkBackground(f *os.File) bool { return lipgloss.HasDarkBackground(os.Stdin, f) }

func errorsIsKilled(err error) bool {
	return errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted)
}
