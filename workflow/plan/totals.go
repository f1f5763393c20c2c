package plan

import (
	"slices"
	"strings"
)

// computeTotals fills Shared on each image and the plan's Totals.
func (p *Plan) computeTotals() {
	// How many images use each blob, and each blob's size.
	users := map[string]int{}
	size := map[string]int64{}
	for _, im := range p.Images {
		for _, b := range im.Blobs {
			users[b.Digest]++
			size[b.Digest] = b.Size
		}
	}
	t := Totals{}
	for i := range p.Images {
		im := &p.Images[i]
		im.Shared = 0
		for _, b := range im.Blobs {
			if users[b.Digest] > 1 {
				im.Shared += b.Size
			}
		}
		t.Images.Listed += im.Size
	}
	t.Images.Count = len(p.Images)
	for _, s := range size {
		t.Images.Unique += s
	}

	// Maven files are unique by repository path.
	mavenFiles := map[string]int64{}
	for _, m := range p.Maven {
		t.Maven.Listed += m.Size
		for _, f := range m.Files {
			mavenFiles[f.Path] = f.Size
		}
	}
	t.Maven.Count = len(p.Maven)
	for _, s := range mavenFiles {
		t.Maven.Unique += s
	}

	// Plain files are unique by content.
	plain := map[string]int64{}
	for _, f := range p.Files {
		t.Files.Listed += f.Size
		plain[f.SHA256] = f.Size
	}
	t.Files.Count = len(p.Files)
	for _, s := range plain {
		t.Files.Unique += s
	}

	t.Listed = t.Images.Listed + t.Maven.Listed + t.Files.Listed
	t.Unique = t.Images.Unique + t.Maven.Unique + t.Files.Unique
	t.Modules = p.moduleTotals()
	t.Archs = p.archTotals()
	p.Totals = t
}

// moduleTotals sums per module: Listed as items are listed, Unique counting
// each blob or file of the module once.
func (p *Plan) moduleTotals() []ModuleTotal {
	type acc struct {
		listed int64
		seen   map[string]int64
	}
	by := map[string]*acc{}
	get := func(m string) *acc {
		a, ok := by[m]
		if !ok {
			a = &acc{seen: map[string]int64{}}
			by[m] = a
		}
		return a
	}
	for _, im := range p.Images {
		for _, m := range im.Modules {
			a := get(m)
			a.listed += im.Size
			for _, b := range im.Blobs {
				a.seen["blob:"+b.Digest] = b.Size
			}
		}
	}
	for _, mv := range p.Maven {
		for _, m := range mv.Modules {
			a := get(m)
			a.listed += mv.Size
			for _, f := range mv.Files {
				a.seen["maven:"+f.Path] = f.Size
			}
		}
	}
	for _, f := range p.Files {
		for _, m := range f.Modules {
			a := get(m)
			a.listed += f.Size
			a.seen["file:"+f.SHA256] = f.Size
		}
	}
	// Catalog order first, then the engineer's own lists ("").
	order := make([]string, 0, len(by))
	for _, m := range p.Selection.Modules {
		if _, ok := by[m.Name]; ok {
			order = append(order, m.Name)
		}
	}
	if _, ok := by[""]; ok {
		order = append(order, "")
	}
	out := make([]ModuleTotal, 0, len(order))
	for _, m := range order {
		a := by[m]
		var u int64
		for _, s := range a.seen {
			u += s
		}
		out = append(out, ModuleTotal{Module: m, Listed: a.listed, Unique: u})
	}
	return out
}

// archTotals sums the unique bytes of each chosen architecture's blobs.
func (p *Plan) archTotals() []ArchTotal {
	seen := map[string]map[string]int64{}
	for _, a := range p.Selection.Archs {
		seen[a] = map[string]int64{}
	}
	for _, im := range p.Images {
		for _, b := range im.Blobs {
			for _, pl := range b.Platforms {
				parts := strings.Split(pl, "/")
				if len(parts) < 2 {
					continue
				}
				if m, ok := seen[parts[1]]; ok {
					m[b.Digest] = b.Size
				}
			}
		}
	}
	out := make([]ArchTotal, 0, len(seen))
	for a, m := range seen {
		var n int64
		for _, s := range m {
			n += s
		}
		out = append(out, ArchTotal{Arch: a, Size: n})
	}
	slices.SortFunc(out, func(x, y ArchTotal) int { return strings.Compare(x.Arch, y.Arch) })
	return out
}
