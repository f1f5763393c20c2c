package app

import (
	"context"
	"io"

	"ferry/tui/accessible"
)

// Start is a side started on a terminal: the app's options (its Theme is
// chosen here, from ThemeName), whether plain prompts were asked for, and
// what the prompts of each side take.
type Start struct {
	Options
	// ThemeName is the theme asked for (themes.Names).
	ThemeName string
	// Accessible is --accessible: plain numbered prompts, whatever the
	// terminal.
	Accessible bool
	// Prompts and ImportPrompts tune the plain prompts of each side.
	Prompts       accessible.Options
	ImportPrompts accessible.ImportOptions
}

// Start runs the side s starts on: as plain prompts where Accessible says
// so (they print their own ending; the Result is then Done, or the error
// says why they stopped), the full-screen app where in and Out are a
// terminal (Launch), and ErrNoTerminal elsewhere.
func (t Terminal) Start(ctx context.Context, s Start, in io.Reader) (Result, error) {
	if t.Accessible(s.Accessible) {
		var err error
		if s.Side == Import {
			err = accessible.RunImport(ctx, s.ImportEngine, in, t.Out, s.ImportPrompts)
		} else {
			err = accessible.RunEither(ctx, s.PrepareEngine, s.ImportEngine, in, t.Out, s.Prompts, s.ImportPrompts)
		}
		return Result{Side: s.Side, Outcome: Done}, err
	}
	if !IsTerminal(in) || !IsTerminal(t.Out) {
		return Result{}, ErrNoTerminal
	}
	th, err := t.Theme(s.ThemeName)
	if err != nil {
		return Result{}, err
	}
	s.Theme = th
	return t.Launch(ctx, s.Options, in)
}
