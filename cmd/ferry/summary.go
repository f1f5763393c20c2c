package main

import (
	"context"
	"errors"
	"io"

	"ferry/themes"
	tuiapp "ferry/tui/app"
	"ferry/tui/farside"
	"ferry/tui/summary"
	"ferry/workflow/session"
)

// stopped is what a wizard the user left before its end returns: the
// summary is already printed, and ferry exits 130.
var stopped = reportedError{context.Canceled}

// runFarside opens the app on the site's side.
func runFarside(a *app, ctx context.Context, s *session.Session, o farside.Options, in io.Reader) error {
	th, err := a.tuiTheme(themes.Default)
	if err != nil {
		return err
	}
	eng, o := farside.ForSession(s, o)
	r, err := a.term().Launch(ctx, tuiapp.Options{Theme: th, Side: tuiapp.Import, ImportEngine: eng, Import: o}, in)
	if err != nil {
		return err
	}
	return a.summarize(r)
}

// summarize prints what stays in the scrollback once the full screen is
// gone, and returns what ferry exits with: nil when the side was done,
// stopped when the user left before the end, the failure (printed as one
// sentence by run) otherwise.
func (a *app) summarize(r tuiapp.Result) error {
	summary.Wizard(a.out(), r)
	switch r.Outcome {
	case tuiapp.Done:
		return nil
	case tuiapp.Failed:
		return r.Err
	}
	return stopped
}

// isStopped says whether err is the user leaving a wizard before its end.
func isStopped(err error) bool {
	var r reportedError
	return errors.As(err, &r) && errors.Is(r.error, context.Canceled)
}
