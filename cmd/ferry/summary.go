package main

import (
	"context"
	"errors"

	tuiapp "ferry/tui/app"
	"ferry/tui/summary"
)

// stopped is what a wizard the user left before its end returns: the
// summary is already printed, and ferry exits 130.
var stopped = reportedError{context.Canceled}

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
