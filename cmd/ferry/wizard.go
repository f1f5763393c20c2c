package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"ferry/tui/accessible"
	tuiapp "ferry/tui/app"
	"ferry/tui/farside"
	"ferry/tui/summary"
	"ferry/tui/wizard"
)

// runWizard opens the wizard, or the accessible prompts, or explains that
// a terminal is needed.
func runWizard(a *app, cmd *cobra.Command, src *sourceFlags, themeName string, accessibleFlag bool, cacheDir string, repos, have []string) error {
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
		CommandFlags: commandFlags(a.catalogs, src, repos), Have: have}
	in, out := cmd.InOrStdin(), a.stdout
	inTTY := isTerminal(in)
	outTTY := isTerminal(out)
	if a.accessible(accessibleFlag) {
		far, farOpts := farsideSide(s, farside.Options{})
		return accessible.RunEither(cmd.Context(), s, far, in, out, accessible.Options{MachineArch: runtime.GOARCH, Binary: exe},
			accessible.ImportOptions{ConfigDir: farOpts.ConfigDir})
	}
	if !inTTY || !outTTY {
		return usageError{fmt.Errorf("the wizard needs a terminal: use `ferry prepare` (see `ferry prepare --help`), or --accessible for plain prompts")}
	}
	th, err := a.tuiTheme(themeName)
	if err != nil {
		return err
	}
	far, farOpts := farsideSide(s, farside.Options{})
	ao := tuiapp.Options{Theme: th, Side: tuiapp.Prepare, PrepareEngine: s, Prepare: opts, ImportEngine: far, Import: farOpts}
	r, err := tuiapp.Run(cmd.Context(), ao, a.programOptions(in)...)
	if err != nil && !errorsIsKilled(err) {
		return fmt.Errorf("the wizard stopped: %w", err)
	}
	return a.summarize(r)
}

// accessible says whether to ask plain numbered prompts instead of the
// full screen: asked for (--accessible, ACCESSIBLE), a dumb terminal, or a
// terminal that shows no colour (whatever NO_COLOR says: that is a choice,
// not a limit).
func (a *app) accessible(flag bool) bool {
	if flag || a.getenv("ACCESSIBLE") != "" || a.getenv("TERM") == "dumb" {
		return true
	}
	if !isTerminal(a.stdout) {
		return false
	}
	var env []string
	for _, kv := range a.env {
		if !strings.HasPrefix(kv, "NO_COLOR=") {
			env = append(env, kv)
		}
	}
	return colorprofile.Detect(a.stdout, env) <= colorprofile.Ascii
}

func isTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}

// commandFlags are the flags of this run that the plain command needs too,
// so the command the wizard shows reproduces the run.
func commandFlags(catalogs []string, src *sourceFlags, repos []string) []string {
	var out []string
	add := func(flag string, vals []string) {
		for _, v := range vals {
			out = append(out, flag+" "+summary.Quote(v))
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
