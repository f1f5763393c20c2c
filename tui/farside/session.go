package farside

import (
	"context"
	"os"
	"path/filepath"
	"slices"

	"ferry/artifacts/bundle"
	events "ferry/artifacts/progress"
	"ferry/targets/mirrorconfig"
	"ferry/workflow/importer"
	"ferry/workflow/session"
)

// SessionEngine is a session as the far side asks for it: the session's
// own Open, Verify and Preflight, and the calls below that fit the steps.
type SessionEngine struct{ *session.Session }

var _ Engine = SessionEngine{}

// Find looks on the mounted media and in the working folder, where the
// guide says to run ferry import (the stick's own folder).
func (e SessionEngine) Find(ctx context.Context) []session.Found {
	s := *e.Session
	if s.WorkDir != "" {
		s.MediaRoots = append(slices.Clip(s.MediaRoots), s.WorkDir)
	}
	return s.FindBundles(ctx)
}

// Open refuses a bundle whose signature is not accepted (SignedBy), so
// every far-side face checks it where the bundle is chosen.
func (e SessionEngine) Open(path string) (*bundle.Bundle, error) {
	b, err := e.Session.Open(path)
	if err != nil {
		return nil, err
	}
	if _, err := e.SignedBy(b); err != nil {
		return nil, err
	}
	return b, nil
}

// CheckFile says whether a file named on the screen can be read.
func (e SessionEngine) CheckFile(path string) error {
	f, err := e.FS.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// Import loads the bundle and keeps its report beside it (or in the
// working folder when the medium is read-only).
func (e SessionEngine) Import(ctx context.Context, b *bundle.Bundle, d session.Destination, progress events.Sink) (*importer.Report, error) {
	rep, err := e.Session.Import(ctx, b, d, progress)
	if rep != nil {
		_, _ = e.SaveReport(b, rep)
	}
	return rep, err
}

// Configure writes the chosen platforms' mirror configuration for the
// bundle's images under dir.
func (e SessionEngine) Configure(ctx context.Context, b *bundle.Bundle, d session.Destination, platforms []string, dir string) ([]*mirrorconfig.Result, error) {
	c, err := e.BundleImages(ctx, b)
	if err != nil {
		return nil, err
	}
	return e.Session.Configure(c, d, platforms, dir, mirrorconfig.Options{})
}

// Serve serves the bundle on listen and returns the address the nodes
// pull from and how to stop.
func (e SessionEngine) Serve(ctx context.Context, b *bundle.Bundle, listen string, progress events.Sink) (string, func(), error) {
	v, err := e.Session.Serve(ctx, b, session.ServeOptions{Listen: listen, Progress: progress})
	if err != nil {
		return "", nil, err
	}
	return v.PublicAddr(), v.Stop, nil
}

// ForSession is the site's side wired to s: bundles are looked for on
// mounted media, and the mirror configuration is written under the working
// folder unless o says where.
func ForSession(s *session.Session, o Options) (Engine, Options) {
	if o.ConfigDir == "" {
		wd, _ := os.Getwd()
		o.ConfigDir = filepath.Join(wd, "mirror-config")
	}
	return SessionEngine{Session: s}, o
}
