package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/afero"
	"github.com/spf13/cobra"

	"ferry/targets/catalog"
	"ferry/themes"
	tuiapp "ferry/tui/app"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitStopped = 130
)

// app is what every command shares: where output goes, the environment, and
// the global flags.
type app struct {
	stdout, stderr io.Writer
	// stdin is where a password is asked, when it is a terminal.
	stdin io.Reader
	env   []string
	// fs is the file system for what ferry reads and writes besides a
	// bundle's data.
	fs afero.Fs

	catalogs []string
	noColor  bool
	verbose  bool
}

// usageError marks bad flags or arguments; it exits 2.
type usageError struct{ error }

// Unwrap lets the error's sentence be worded with the command's flags.
func (u usageError) Unwrap() error { return u.error }

// term is the terminal ferry prints to, as the app and the plain commands
// share it.
func (a *app) term() tuiapp.Terminal {
	return tuiapp.Terminal{Out: a.stdout, Env: a.env, NoColor: a.noColor}
}

func (a *app) getenv(key string) string { return a.term().Getenv(key) }

// out is stdout with colour as the terminal takes it (none under
// --no-color or NO_COLOR); theme is the theme for printed output.
func (a *app) out() *colorprofile.Writer { return a.term().Writer() }
func (a *app) theme() themes.Theme       { return a.term().PrintTheme() }

// themeFlag adds --theme, one of themes.Names.
func themeFlag(c *cobra.Command, name *string, usage string) {
	parsedVar(c.Flags(), name, "theme", "", themes.Default, usage+": "+strings.Join(themes.Names, ", "), func(s string) (string, error) {
		return oneOf(themes.Names...)(strings.ToLower(s))
	})
}

// logf prints a progress line to stderr when --verbose is on.
func (a *app) logf(format string, args ...any) {
	if a.verbose {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
}

func (a *app) loadCatalog() (*catalog.Catalog, error) {
	return catalog.Load(a.catalogs...)
}

func newRoot(a *app) *cobra.Command {
	var w wizardFlags
	root := command("ferry", func(cmd *cobra.Command, _ []string) error { return w.run(a, cmd) })
	root.SilenceUsage, root.SilenceErrors, root.Version = true, true, version
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{flagMistake(err)} })
	pf := root.PersistentFlags()
	pf.StringArrayVar(&a.catalogs, "catalog", nil, "extra catalog file or folder; its targets override built-in ones by name (repeatable)")
	pf.BoolVar(&a.noColor, "no-color", false, "print without colour (also when NO_COLOR is set)")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "print progress lines to stderr")
	w.register(root)
	root.AddCommand(newCatalogCmd(a), newPlanCmd(a), newPrepareCmd(a), newVerifyCmd(a), newImportCmd(a), newConfigureCmd(a), newServeCmd(a), newInventoryCmd(a), newLoadNodeCmd(a), newDemoCmd(a), newKeygenCmd(a), newSignCmd(a), newVersionCmd(a))
	return root
}

// run executes ferry with args and returns the exit code. Errors are printed
// as one sentence on stderr, worded with the flags of the command that ran.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) int {
	return runIO(ctx, args, os.Stdin, stdout, stderr, env)
}

// runIO is run with a chosen standard input.
func runIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env []string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, env: env, fs: afero.NewOsFs()}
	root := newRoot(a)
	root.SetIn(stdin)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	return exitCode(cmd, err, stderr)
}

// exitCode prints err as one sentence on stderr, worded for cmd, unless it
// was already reported, and says what ferry exits with.
func exitCode(cmd *cobra.Command, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if isStopped(err) {
		return exitStopped // the summary said where it stopped
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "ferry: stopped.")
		return exitStopped
	}
	var reported reportedError
	if !errors.As(err, &reported) {
		// The sentence names the settings in the terms of the command that
		// ran: its flags, never another command's.
		fmt.Fprintf(stderr, "ferry: %s\n", say(cmd, err))
	}
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") || strings.Contains(err.Error(), "accepts ") {
		return exitUsage
	}
	return exitFailed
}

// reportedError is a failure whose details were already printed.
type reportedError struct{ error }

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ferry's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(a.stdout, "ferry %s\n", version)
			return nil
		},
	}
}
