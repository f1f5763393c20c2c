package plan

import (
	"sort"

	"ferry/artifacts/bundle"
	"ferry/artifacts/image"
	"ferry/artifacts/inventory"
)

// Have is what the plan was measured against: what the site already
// holds (ferry plan/prepare --have), and so what a delta bundle leaves
// out. Manifests and indexes always travel; only configs and layers are
// left out.
type Have struct {
	// Bundles and Registries are what said the site holds it: earlier
	// bundles (or their import reports) and inventoried registries.
	Bundles    []bundle.BaseBundle `json:"bundles,omitempty"`
	Registries []string            `json:"registries,omitempty"`
	// Omitted are the digests of the plan's configs and layers the site
	// holds, sorted; OmittedBytes their size.
	Omitted      []string `json:"omitted"`
	OmittedBytes int64    `json:"omittedBytes"`
	// Full is what the whole bundle would carry (Totals.Unique), Delta
	// what the delta bundle carries.
	Full  int64 `json:"full"`
	Delta int64 `json:"delta"`
}

// MeasureAgainst records what the site holds and what, of the plan, a
// delta bundle then carries; the media are fitted to the delta. A site
// that holds none of the plan's blobs leaves the plan as it was: its
// bundle is a full one.
func (p *Plan) MeasureAgainst(h *inventory.Have) {
	size := map[string]int64{}
	for _, im := range p.Images {
		for _, b := range im.Blobs {
			if b.Kind != image.KindIndex && b.Kind != image.KindManifest && h.Blobs[b.Digest] {
				size[b.Digest] = b.Size
			}
		}
	}
	if len(size) == 0 {
		p.Have = nil
		return
	}
	hv := &Have{Bundles: h.Bundles, Registries: h.Registries, Full: p.Totals.Unique}
	for d, n := range size {
		hv.Omitted = append(hv.Omitted, d)
		hv.OmittedBytes += n
	}
	sort.Strings(hv.Omitted)
	hv.Delta = hv.Full - hv.OmittedBytes
	p.Have = hv
	p.Media = FitMedia(hv.Delta)
}

// Omits says whether a delta bundle of the plan leaves out blob digest.
func (p *Plan) Omits(digest string) bool {
	if p.Have == nil {
		return false
	}
	i := sort.SearchStrings(p.Have.Omitted, digest)
	return i < len(p.Have.Omitted) && p.Have.Omitted[i] == digest
}

// Carried is what the bundle carries: the delta when the plan was
// measured against what the site holds, else Totals.Unique.
func (p *Plan) Carried() int64 {
	if p.Have != nil {
		return p.Have.Delta
	}
	return p.Totals.Unique
}
