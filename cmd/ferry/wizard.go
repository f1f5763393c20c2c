package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"ferry/tui/accessible"
	tuiapp "ferry/tui/app"
	"ferry/tui/components/textfit"
	"ferry/tui/farside"
	"ferry/tui/wizard"
	"ferry/workflow/session"
)

// wizardFlags are ferry's own, without a command: the wizard's.
type wizardFlags struct {
	src                sourceFlags
	themeName, signKey string
	accessible         bool
	have               []string
}

func (w *wizardFlags) register(root *cobra.Command) {
	w.src.register(root)
	themeFlag(root, &w.themeName, "wizard colours")
	f := root.Flags()
	f.BoolVar(&w.accessible, "accessible", false, "ask the wizard's questions as plain numbered prompts (also ACCESSIBLE=1 or TERM=dumb)")
	f.StringVar(&w.src.CacheDir, "cache", session.DefaultCache(), "download cache for the wizard's bundles")
	f.StringArrayVar(&w.src.MavenRepositories, "maven-repo", nil, "Maven repository to resolve from: a URL or a local folder, repeatable (default: Maven Central)")
	haveFlag(root, &w.have)
	f.StringVar(&w.signKey, "sign-key", "", "private key the wizard offers to sign the bundle with (PREFIX.key from ferry keygen); its path never goes into the bundle")
}

// run opens the wizard, or the accessible prompts, or explains that a
// terminal is needed.
func (w *wizardFlags) run(a *app, cmd *cobra.Command) error {
	s, err := a.sourceSession(&w.src)
	if err != nil {
		return err
	}
	exe, _ := os.Executable()
	wd, _ := os.Getwd()
	opts := wizard.Options{MachineArch: runtime.GOARCH, Animate: true, DefaultOutput: filepath.Join(wd, "bundle"), Binary: exe,
		CommandFlags: commandFlags(cmd), Have: w.have, SignKey: w.signKey}
	far, farOpts := farside.ForSession(s, farside.Options{})
	r, err := a.term().Start(cmd.Context(), tuiapp.Start{ThemeName: w.themeName, Accessible: w.accessible,
		Options:       tuiapp.Options{Side: tuiapp.Prepare, PrepareEngine: s, Prepare: opts, ImportEngine: far, Import: farOpts},
		Prompts:       accessible.Options{MachineArch: runtime.GOARCH, Binary: exe, SignKey: w.signKey, KeyPassword: a.getenv(keyPasswordEnv)},
		ImportPrompts: accessible.ImportOptions{ConfigDir: farOpts.ConfigDir}}, cmd.InOrStdin())
	if errors.Is(err, tuiapp.ErrNoTerminal) {
		return usageError{fmt.Errorf("the wizard needs a terminal: use `ferry prepare` (see `ferry prepare --help`), or --accessible for plain prompts")}
	} else if err != nil {
		return err
	}
	return a.summarize(r)
}

// commandFlags are the flags given to this run that the plain command
// needs too (where items come from), shell-quoted, so the command the
// wizard shows reproduces the run.
func commandFlags(cmd *cobra.Command) []string {
	var out []string
	for _, name := range []string{"catalog", "pull-secret", "ca-file", "insecure-source", "source-mirror", "maven-repo"} {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		vals := []string{f.Value.String()}
		if many, ok := f.Value.(pflag.SliceValue); ok {
			vals = many.GetSlice()
		}
		for _, v := range vals {
			out = append(out, "--"+name+" "+textfit.Quote(v))
		}
	}
	return out
}
