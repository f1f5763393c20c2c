package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"ferry/themes"
	"ferry/tui/accessible"
	"ferry/tui/farside"
	"ferry/tui/wizard"
)

// runWizard opens the wizard, or the accessible prompts, or explains that
// a terminal is needed.
func runWizard(a *app, cmd *cobra.Command, src *sourceFlags, themeName string, accessibleFlag bool, cacheDir string, repos []string) error {
	cat, err := a.loadCatalog()
	if err != nil {
		return err
	}
	src.cacheDir = cacheDir
	o, err := src.options(repos)
	if err != nil {
		return err
	}
	s, err := a.session(o, cat)
	if err != nil {
		return err
	}
	eng := wizardEngine{s}
	exe, _ := os.Executable()
	wd, _ := os.Getwd()
	opts := wizard.Options{MachineArch: runtime.GOARCH, Animate: true, DefaultOutput: filepath.Join(wd, "bundle"), Binary: exe}
	in, out := cmd.InOrStdin(), a.stdout
	inTTY := isTerminal(in)
	outTTY := isTerminal(out)
	if accessibleFlag || a.getenv("ACCESSIBLE") != "" || a.getenv("TERM") == "dumb" {
		return accessible.Run(cmd.Context(), eng, in, out, accessible.Options{MachineArch: runtime.GOARCH, Binary: exe})
	}
	if !inTTY || !outTTY {
		return usageError{fmt.Errorf("the wizard needs a terminal: use `ferry prepare` (see `ferry prepare --help`), or --accessible for plain prompts")}
	}
	th := a.theme()
	if !a.plain() {
		isDark := true
		if f, ok := out.(*os.File); ok {
			isDark = lipglossHasDarkBackground(f)
		}
		if th, err = themes.ByName(themeName, isDark); err != nil {
			return usageError{err}
		}
	}
	m := wizard.New(eng, th, opts)
	popts := []tea.ProgramOption{tea.WithContext(cmd.Context()), tea.WithOutput(out), tea.WithInput(in)}
	if a.plain() {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err = tea.NewProgram(m, popts...).Run()
	if err != nil && !errorsIsKilled(err) {
		return fmt.Errorf("the wizard stopped: %w", err)
	}
	if m.Choice() == "import" {
		return runFarside(a, cmd.Context(), s, th, farside.Options{}, in)
	}
	return nil
}

func isTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}
