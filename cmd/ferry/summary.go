package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"ferry/tui/accessible"
	tuiapp "ferry/tui/app"
	"ferry/tui/farside"
	"ferry/tui/summary"
	"ferry/workflow/session"
)

// stopped is what a wizard the user left before its end returns: the
// summary is already printed, and ferry exits 130.
var stopped = reportedError{context.Canceled}

// askImport is import without a bundle: the far side's app, or its plain
// prompts, ask for it, and for where it goes from what the flags name
// (site).
func (a *app) askImport(cmd *cobra.Command, sess *session.Session, site session.Destination, asked bool) error {
	d, err := a.logins(site, nil, false, false)
	if err != nil {
		return err
	}
	// What the flags and the environment say fills the fields; the app
	// asks for the rest on its own screen.
	far, fo := farside.ForSession(sess, farside.Options{Destination: d})
	r, err := a.term().Start(cmd.Context(), tuiapp.Start{Accessible: asked, Options: tuiapp.Options{Side: tuiapp.Import, ImportEngine: far, Import: fo},
		ImportPrompts: accessible.ImportOptions{Destination: d, ConfigDir: fo.ConfigDir}}, cmd.InOrStdin())
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
