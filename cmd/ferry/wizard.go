package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"ferry/tui/accessible"
	tuiapp "ferry/tui/app"
	"ferry/tui/components/textfit"
	"ferry/tui/farside"
	"ferry/tui/wizard"
)

// runWizard opens the wizard, or the accessible prompts, or explains that
// a terminal is needed.
func runWizard(a *app, cmd *cobra.Command, src *sourceFlags, themeName string, accessibleFlag bool, cacheDir string, repos, have []string, signKey string) error {
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
	exe, _ := os.Executable()
	wd, _ := os.Getwd()
	opts := wizard.Options{MachineArch: runtime.GOARCH, Animate: true, DefaultOutput: filepath.Join(wd, "bundle"), Binary: exe,
		CommandFlags: commandFlags(a.catalogs, src, repos), Have: have, SignKey: signKey}
	far, farOpts := farside.ForSession(s, farside.Options{})
	r, err := a.term().Start(cmd.Context(), tuiapp.Start{ThemeName: themeName, Accessible: accessibleFlag,
		Options:       tuiapp.Options{Side: tuiapp.Prepare, PrepareEngine: s, Prepare: opts, ImportEngine: far, Import: farOpts},
		Prompts:       accessible.Options{MachineArch: runtime.GOARCH, Binary: exe, SignKey: signKey, KeyPassword: a.getenv(keyPasswordEnv)},
		ImportPrompts: accessible.ImportOptions{ConfigDir: farOpts.ConfigDir}}, cmd.InOrStdin())
	if errors.Is(err, tuiapp.ErrNoTerminal) {
		return usageError{fmt.Errorf("the wizard needs a terminal: use `ferry prepare` (see `ferry prepare --help`), or --accessible for plain prompts")}
	} else if err != nil {
		return err
	}
	return a.summarize(r)
}

// commandFlags are the flags of this run that the plain command needs too,
// so the command the wizard shows reproduces the run.
func commandFlags(catalogs []string, src *sourceFlags, repos []string) []string {
	var out []string
	add := func(flag string, vals []string) {
		for _, v := range vals {
			out = append(out, flag+" "+textfit.Quote(v))
		}
	}
	add("--catalog", catalogs)
	if src.pullSecret != "" {
		add("--pull-secret", []string{src.pullSecret})
	}
	add("--ca-file", src.caFiles)
	add("--insecure-source", src.insecure)
	add("--source-mirror", src.mirrors)
	add("--maven-repo", repos)
	return out
}
