package app

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"ferry/themes"
)

// Terminal is what a face prints to and how: standard output, the
// environment, and whether colour was turned off. The plain commands print
// through it and the app runs on it, so both choose colour, width and
// theme the same way.
type Terminal struct {
	Out     io.Writer
	Env     []string
	NoColor bool
}

// Getenv is the value of key in the terminal's environment.
func (t Terminal) Getenv(key string) string {
	for _, kv := range t.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// Plain says whether colour is off: asked for, or NO_COLOR with any
// non-empty value (no-color.org).
func (t Terminal) Plain() bool { return t.NoColor || t.Getenv("NO_COLOR") != "" }

// Writer is Out downsampling colour to what the terminal takes, and none
// at all when Plain.
func (t Terminal) Writer() *colorprofile.Writer {
	w := colorprofile.NewWriter(t.Out, t.Env)
	if t.Plain() && w.Profile > colorprofile.Ascii {
		w.Profile = colorprofile.Ascii
	}
	return w
}

// Width is Out's width on a terminal, 0 otherwise (tables then take the
// width they need).
func (t Terminal) Width() int {
	f, ok := t.Out.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return 0
	}
	w, _, err := term.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return w
}

// PrintTheme is the theme of printed output.
func (t Terminal) PrintTheme() themes.Theme {
	if t.Plain() {
		return themes.MonoTheme()
	}
	return themes.DefaultTheme(true)
}

// Theme is the one place the app's theme is chosen: mono without colour,
// else the named theme, for the terminal's background. An unknown name is
// themes.ByName's error.
func (t Terminal) Theme(name string) (themes.Theme, error) {
	if t.Plain() {
		return themes.MonoTheme(), nil
	}
	isDark := true
	if f, ok := t.Out.(*os.File); ok && IsTerminal(f) {
		isDark = lipgloss.HasDarkBackground(os.Stdin, f)
	}
	return themes.ByName(name, isDark)
}

// Accessible says whether to ask plain numbered prompts instead of the
// full screen: asked for (asked, ACCESSIBLE), a dumb terminal, or a
// terminal that shows no colour (whatever NO_COLOR says: that is a choice,
// not a limit).
func (t Terminal) Accessible(asked bool) bool {
	if asked || t.Getenv("ACCESSIBLE") != "" || t.Getenv("TERM") == "dumb" {
		return true
	}
	if !IsTerminal(t.Out) {
		return false
	}
	var env []string
	for _, kv := range t.Env {
		if !strings.HasPrefix(kv, "NO_COLOR=") {
			env = append(env, kv)
		}
	}
	return colorprofile.Detect(t.Out, env) <= colorprofile.Ascii
}

// ProgramOptions are the app's output, input (none when in is nil) and
// colour profile.
func (t Terminal) ProgramOptions(in io.Reader) []tea.ProgramOption {
	opts := []tea.ProgramOption{tea.WithOutput(t.Out)}
	if in != nil {
		opts = append(opts, tea.WithInput(in))
	}
	if t.Plain() {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	return opts
}

// Launch runs the app on the terminal, reading keys from in, until the
// user quits. A program ended by a signal or killed is not a failure: the
// Result says where it stopped.
func (t Terminal) Launch(ctx context.Context, o Options, in io.Reader) (Result, error) {
	r, err := Run(ctx, o, t.ProgramOptions(in)...)
	if err != nil && !Killed(err) {
		return r, err
	}
	return r, nil
}

// Play runs the app with no terminal at all, at a fixed size: for a
// walkthrough that plays by itself.
func (t Terminal) Play(ctx context.Context, o Options) (Result, error) {
	opts := append(t.ProgramOptions(nil), tea.WithInput(nil), tea.WithWindowSize(100, 30), tea.WithoutSignalHandler())
	r, err := Run(ctx, o, opts...)
	if err != nil && !Killed(err) {
		return r, err
	}
	return r, nil
}

// ErrNoTerminal is the app asked for where there is no terminal to show
// it on, and not to play by itself.
var ErrNoTerminal = errors.New("no terminal")

// Walk runs the app on the terminal when in and Out are one (Launch);
// elsewhere, with auto, it plays by itself (Play), and without it is
// ErrNoTerminal.
func (t Terminal) Walk(ctx context.Context, o Options, in io.Reader, auto bool) (Result, error) {
	if IsTerminal(in) && IsTerminal(t.Out) {
		return t.Launch(ctx, o, in)
	}
	if !auto {
		return Result{}, ErrNoTerminal
	}
	return t.Play(ctx, o)
}

// IsTerminal says whether v (a reader or writer) is a terminal.
func IsTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}

// Killed says whether err is the program ended from outside (a signal, or
// killed) rather than failing.
func Killed(err error) bool {
	return errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted)
}
