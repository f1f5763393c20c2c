package farside

import (
	"context"

	events "ferry/artifacts/progress"
	"ferry/workflow/session"

	"ferry/artifacts/bundle"
	"ferry/artifacts/push"
	"ferry/targets/mirrorconfig"
	"ferry/workflow/importer"
	"ferry/workflow/loadnode"
)

// Engine is what the far side asks of the workflow; every call runs in a
// command, under a context that going back or quitting cancels.
type Engine interface {
	// Find looks for bundles on mounted media and in the working folder.
	Find(ctx context.Context) []session.Found
	// CheckFile says whether a file the technician named (a CA file) can
	// be read.
	CheckFile(path string) error
	Open(path string) (*bundle.Bundle, error)
	// Verify checks every part and item, reporting to progress.
	Verify(ctx context.Context, b *bundle.Bundle, progress events.Sink) error
	Preflight(ctx context.Context, d session.Destination) ([]push.Check, error)
	// Import loads the bundle into d, reporting images and Maven files to
	// progress.
	Import(ctx context.Context, b *bundle.Bundle, d session.Destination, progress events.Sink) (*importer.Report, error)
	Configure(ctx context.Context, b *bundle.Bundle, d session.Destination, platforms []string, dir string) ([]*mirrorconfig.Result, error)
	// Serve serves the bundle as a read-only registry on listen until stop
	// is called, reporting every manifest served to progress.
	Serve(ctx context.Context, b *bundle.Bundle, listen string, progress events.Sink) (addr string, stop func(), err error)
	// LoadNode puts the bundle's images into this machine's image store
	// (load-node), reporting each image to o.Progress; Root says whether
	// this process may.
	LoadNode(ctx context.Context, b *bundle.Bundle, o loadnode.Options) (*loadnode.Result, error)
	Root() bool
}
