package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/afero"

	"ferry/artifacts/bundle"
	"ferry/artifacts/inventory"
	"ferry/artifacts/progress"
	"ferry/workflow/plan"
)

// Have reads what the site holds from every file given (--have):
// inventories, earlier bundles or their manifests, import reports.
func (s *Session) Have(ctx context.Context, paths []string) (*inventory.Have, error) {
	h := &inventory.Have{Blobs: map[string]bool{}}
	for _, p := range paths {
		one, err := inventory.Read(ctx, s.FS, p)
		if err != nil {
			return nil, err
		}
		h.Add(one)
	}
	return h, nil
}

// MeasureAgainst reads what the site holds from paths and measures the
// plan against it: its bundle becomes a delta leaving that out.
func (s *Session) MeasureAgainst(ctx context.Context, p *plan.Plan, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	h, err := s.Have(ctx, paths)
	if err != nil {
		return err
	}
	p.MeasureAgainst(h)
	return nil
}

// InventoryScope is what an inventory asks about: the images of a plan
// file, or of a bundle.
type InventoryScope struct {
	// Plan is a plan JSON file (ferry plan --output json); Bundle a
	// bundle. One of them.
	Plan, Bundle string
}

// Inventory asks the registry of d which manifests and blobs of the
// scope's images it holds, one HEAD each, in the repositories an import
// into d loads them into. Nothing is downloaded and no credential goes
// into the inventory.
func (s *Session) Inventory(ctx context.Context, d Destination, scope InventoryScope, sink progress.Sink) (*inventory.Inventory, error) {
	if d.Registry == "" {
		return nil, fmt.Errorf("no registry to take the inventory of")
	}
	var planJSON []byte
	var from []bundle.BaseBundle
	switch {
	case scope.Bundle != "":
		b, err := s.Open(scope.Bundle)
		if err != nil {
			return nil, err
		}
		m, err := b.ReadManifest(ctx)
		if err != nil {
			return nil, err
		}
		planJSON = m.Plan
		from = []bundle.BaseBundle{{Name: b.Index.Name, ShortCode: b.Index.ShortCode, ManifestDigest: b.Index.ManifestDigest}}
	case scope.Plan != "":
		data, err := readFile(s, scope.Plan)
		if err != nil {
			return nil, err
		}
		planJSON = data
	default:
		return nil, fmt.Errorf("say which images to ask about: a plan file or a bundle")
	}
	images, err := inventory.Images(planJSON)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", scope.Plan+scope.Bundle, err)
	}
	im, err := s.Importer(d)
	if err != nil {
		return nil, err
	}
	im.Images.Progress = sink
	inv, err := im.Images.Inventory(ctx, images)
	if err != nil {
		return nil, err
	}
	inv.Bundles = from
	inv.Taken = time.Now().UTC().Format(time.RFC3339)
	return inv, nil
}

// readFile reads a small file through the session's file system.
func readFile(s *Session, path string) ([]byte, error) {
	st, err := s.FS.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if st.Size() > inventory.MaxFileSize {
		return nil, fmt.Errorf("%s is too large to be a plan", path)
	}
	data, err := afero.ReadFile(s.FS, path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return data, nil
}

// checkBases refuses to serve a delta bundle without every blob it leaves
// out in the bundles given with it.
func checkBases(m *bundle.Manifest, reg interface{ Holds(string) bool }, with int) error {
	if m.Base == nil {
		return nil
	}
	missing := 0
	first := ""
	for _, d := range m.Base.Omitted {
		if !reg.Holds(d) {
			if missing == 0 {
				first = d
			}
			missing++
		}
	}
	if missing == 0 {
		return nil
	}
	if with == 0 {
		return fmt.Errorf("%w: this delta bundle leaves out %d blobs: serve it together with %s", ErrBaseNotGiven, len(m.Base.Omitted), m.Base.Loads())
	}
	return fmt.Errorf("%w: %d of the %d blobs this delta bundle leaves out (%s first) are in none of the bundles given with it: serve it together with %s", ErrBaseNotGiven, missing, len(m.Base.Omitted), first, m.Base.Loads())
}

// ErrBaseNotGiven marks a delta bundle served without its base.
var ErrBaseNotGiven = errors.New("the delta bundle's base is not given")

// SaveInventory writes inv to path as JSON, the file the connected side
// takes as what the site holds.
func (s *Session) SaveInventory(inv *inventory.Inventory, path string) error {
	data, err := inv.Marshal()
	if err != nil {
		return err
	}
	if err := afero.WriteFile(s.FS, path, data, 0o644); err != nil {
		return fmt.Errorf("cannot write the inventory %s: %w", path, err)
	}
	return nil
}
