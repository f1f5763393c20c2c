package main

import (
	"context"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"ferry/themes"
	"ferry/tui/farside"
	"ferry/workflow/session"
)

// runFarside opens the far-side wizard.
func runFarside(a *app, ctx context.Context, s *session.Session, th themes.Theme, o farside.Options, in any) error {
	if o.ConfigDir == "" {
		wd, _ := os.Getwd()
		o.ConfigDir = filepath.Join(wd, "mirror-config")
	}
	m := farside.New(farEngine{s}, th, o)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(a.stdout)}
	if r, ok := in.(interface{ Read([]byte) (int, error) }); ok {
		popts = append(popts, tea.WithInput(r))
	}
	if a.plain() {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(m, popts...).Run()
	if err != nil && !errorsIsKilled(err) {
		return err
	}
	return nil
}
