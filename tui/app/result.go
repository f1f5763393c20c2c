package app

import (
	"context"
	"errors"

	"ferry/tui/farside"
	"ferry/tui/wizard"
)

// Outcome says how the app ended.
type Outcome string

// The ways the app ends.
const (
	// Done: the side's last step was reached (for the demo, the far
	// side's).
	Done Outcome = "done"
	// Cancelled: the user quit before the end, a running download or
	// check included.
	Cancelled Outcome = "cancelled"
	// Failed: the user quit while the screen showed a failure.
	Failed Outcome = "failed"
)

// Result is how the app ended: the side and step it was on, the outcome,
// the failure if there was one, and what each side had done. The command
// prints a summary from it once the full screen is gone; nothing in it
// needs the engine.
type Result struct {
	Side    Side
	Step    string
	Outcome Outcome
	Err     error
	// Demo says the app played the demo.
	Demo bool
	// Prepare is the connected side's, nil when the app never was on it.
	Prepare *wizard.Outcome
	// Import is the far side's, nil when the app never went there.
	Import *farside.Outcome
}

// Result is how the app stands; read it after the program ended.
func (m *Model) Result() Result {
	r := Result{Side: m.side, Demo: m.opts.Demo}
	if m.seeding || m.seedErr != nil {
		r.Step = "Preparing a ready-made bundle"
	} else {
		r.Step = m.Step()
	}
	if m.prep != nil {
		o := m.prep.Outcome()
		r.Prepare = &o
	}
	if m.far != nil {
		o := m.far.Outcome()
		r.Import = &o
	}
	switch {
	case m.seedErr != nil:
		r.Err = m.seedErr
	case m.side == Import:
		r.Err = r.Import.Err
	default:
		r.Err = r.Prepare.Err
	}
	done := false
	switch {
	case m.side == Import:
		done = r.Import.Done || (r.Import.Serving != "" && r.Err == nil)
	case !m.opts.Demo:
		done = r.Prepare.Result != nil
	}
	switch {
	case done:
		r.Outcome, r.Err = Done, nil
	case r.Err != nil && !errors.Is(r.Err, context.Canceled):
		r.Outcome = Failed
	default:
		r.Outcome = Cancelled
	}
	return r
}
