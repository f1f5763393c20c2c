package main

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"ferry/themes"
	tuiapp "ferry/tui/app"
	"ferry/tui/farside"
	"ferry/workflow/session"
)

// farsideSide is the site's side wired to a session: bundles are looked
// for on mounted media, and the mirror configuration is written under the
// working directory unless o says where.
func farsideSide(s *session.Session, o farside.Options) (farside.Engine, farside.Options) {
	if o.ConfigDir == "" {
		wd, _ := os.Getwd()
		o.ConfigDir = filepath.Join(wd, "mirror-config")
	}
	return farside.SessionEngine{Session: s}, o
}

// runFarside opens the app on the site's side.
func runFarside(a *app, ctx context.Context, s *session.Session, o farside.Options, in io.Reader) error {
	th, err := a.tuiTheme(themes.Default)
	if err != nil {
		return err
	}
	eng, o := farsideSide(s, o)
	r, err := tuiapp.Run(ctx, tuiapp.Options{Theme: th, Side: tuiapp.Import, ImportEngine: eng, Import: o}, a.programOptions(in)...)
	if err != nil && !errorsIsKilled(err) {
		return err
	}
	return a.summarize(r)
}
