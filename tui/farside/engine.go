package farside

import (
	"context"

	"ferry/artifacts/bundle"
	"ferry/artifacts/push"
	"ferry/targets/mirrorconfig"
	"ferry/workflow/importer"
)

// Destination is where the bundle goes, as the technician typed it.
type Destination struct {
	Registry           string // host[:port][/prefix]
	Username, Password string
	CAFile             string
	Insecure           bool
	// MavenURL is the site's Maven repository; MavenDir a folder to copy
	// the Maven files into instead.
	MavenURL      string
	MavenDir      string
	MavenUser     string
	MavenPassword string
}

// Found is a bundle found on mounted media.
type Found struct {
	Path  string
	Index bundle.Index
	// Present counts the parts that are there with the right size.
	Present int
}

// Engine is what the far side asks of the workflow; every call runs in a
// command, under a context that going back or quitting cancels.
type Engine interface {
	Find(ctx context.Context) []Found
	Open(path string) (*bundle.Bundle, error)
	Verify(ctx context.Context, b *bundle.Bundle, progress func(read int64)) error
	Preflight(ctx context.Context, d Destination) ([]push.Check, error)
	Import(ctx context.Context, b *bundle.Bundle, d Destination, progress func(push.Event)) (*importer.Report, error)
	Configure(ctx context.Context, b *bundle.Bundle, d Destination, platforms []string, dir string) ([]*mirrorconfig.Result, error)
	// Serve serves the bundle as a read-only registry on listen until stop
	// is called; pulls counts the manifests served so far.
	Serve(ctx context.Context, b *bundle.Bundle, listen string) (addr string, pulls func() int64, stop func(), err error)
}
