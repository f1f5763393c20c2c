package wizard

import (
	"context"

	events "ferry/artifacts/progress"
	"ferry/workflow/session"

	"ferry/targets/catalog"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
)

// Engine is everything the wizard asks of the workflow; *session.Session
// has it. The wizard does no I/O of its own: it calls these from commands,
// never from Update or View.
type Engine interface {
	Catalog() *catalog.Catalog
	// Plan resolves a selection, reporting each item as it finishes.
	Plan(ctx context.Context, sel selection.Selection, progress events.Sink) (*plan.Plan, error)
	// Prepare downloads the plan and writes the bundle.
	Prepare(ctx context.Context, p *plan.Plan, o prepare.Options, progress events.Sink) (*prepare.Result, error)
	// Space reads the free space and file system at a path.
	Space(path string) (prepare.Space, error)
	// Media lists mounted removable media (under /media, /run/media, /mnt).
	Media() []session.Medium
	// Folders completes a path prefix to existing folders.
	Folders(prefix string) []string
	// Have and HaveFiles read and complete what says the site holds.
	haveEngine
}

// The session is the wizard's engine as it is.
var _ Engine = (*session.Session)(nil)
