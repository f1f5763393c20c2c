package closure

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"ferry/artifacts/fault"
	"ferry/artifacts/maven"
)

// gav names one project version.
type gav struct{ g, a, v string }

func (k gav) String() string { return k.g + ":" + k.a + ":" + k.v }

func (k gav) pomPath() string {
	return strings.ReplaceAll(k.g, ".", "/") + "/" + k.a + "/" + k.v + "/" + k.a + "-" + k.v + ".pom"
}

func (k gav) coordinate(packaging string) maven.Coordinate {
	return maven.Coordinate{GroupID: k.g, ArtifactID: k.a, Version: k.v, Packaging: packaging}
}

// check refuses names that could not be part of a repository path.
func (k gav) check() error {
	_, err := maven.ParseCoordinate(k.String())
	return err
}

// dep is a dependency of an effective model, interpolated; err says why
// it could not be, and counts only if the dependency is used.
type dep struct {
	dependency
	err error
}

func (d dep) key() string {
	t := d.Type
	if t == "" {
		t = "jar"
	}
	return d.GroupID + ":" + d.ArtifactID + ":" + t + ":" + d.Classifier
}

// model is a POM with its active profiles applied, its parents merged,
// its properties interpolated and its BOMs imported: the parts of Maven's
// effective model that decide what a build needs.
type model struct {
	id         gav
	packaging  string
	deps       []dep
	managed    map[string]dep // by dep.key
	plugins    []plugin
	pluginMgmt map[string]plugin // by groupId:artifactId
	extensions []extension
	relocation *gav
	// lineage is every POM read from the repository to build the model:
	// itself, its parents, its BOMs and theirs.
	lineage []lineageEntry
}

type lineageEntry struct {
	id  gav
	why string
}

// errNoPOM marks a POM no repository has.
var errNoPOM = errors.New("no POM")

// raw fetches and parses one POM, once per session.
func (s *session) raw(ctx context.Context, id gav) (*pom, error) {
	v, err := s.poms.do(ctx, id.String(), func() (any, error) {
		if err := id.check(); err != nil {
			return nil, err
		}
		data, _, err := s.r.Fetcher.Fetch(ctx, id.coordinate(""), id.pomPath())
		if errors.Is(err, maven.ErrNotFound) {
			return nil, fault.Wrap(errNoPOM, err)
		}
		if err != nil {
			return nil, err
		}
		p, err := parsePOM(data)
		if err != nil {
			return nil, fmt.Errorf("the POM of %s %v: check the repository", id, err)
		}
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*pom), nil
}

// model builds the effective model of a project in the repository, once
// per session.
func (s *session) model(ctx context.Context, id gav) (*model, error) {
	stack, _ := ctx.Value(importingKey{}).([]string)
	for _, k := range stack {
		if k == id.String() {
			return nil, fmt.Errorf("the BOM %s imports itself through %s: check the repository", id, strings.Join(stack, " → "))
		}
	}
	ctx = context.WithValue(ctx, importingKey{}, append(stack[:len(stack):len(stack)], id.String()))
	v, err := s.models.do(ctx, id.String(), func() (any, error) {
		p, err := s.raw(ctx, id)
		if err != nil {
			return nil, err
		}
		return s.effective(ctx, p, id, "")
	})
	if err != nil {
		return nil, err
	}
	return v.(*model), nil
}

// importingKey holds, in a context, the models being built, so a BOM that
// imports itself is an error rather than a wait for itself.
type importingKey struct{}

// maxParents bounds a parent chain; real ones are a handful long.
const maxParents = 50

// effective merges p's lineage into one model. dir is the folder of a
// local project's pom.xml, where a parent may be found by relativePath;
// "" for POMs from a repository, whose parents come from the repository.
func (s *session) effective(ctx context.Context, p *pom, id gav, dir string) (*model, error) {
	m := &model{id: id}
	chain := []*pom{p}
	var lineage []lineageEntry
	if dir == "" {
		lineage = append(lineage, lineageEntry{id, ""})
	}
	seen := map[string]bool{id.String(): true}
	child := id
	for cur := p; cur.Parent != nil && cur.Parent.ArtifactID != ""; {
		pid := gav{cur.Parent.GroupID, cur.Parent.ArtifactID, cur.Parent.Version}
		if seen[pid.String()] {
			return nil, fmt.Errorf("the POM of %s has itself as an ancestor through %s: check the repository", id, pid)
		}
		seen[pid.String()] = true
		if len(chain) > maxParents {
			return nil, fmt.Errorf("the POM of %s has more than %d parents: check the repository", id, maxParents)
		}
		var par *pom
		if dir != "" {
			par, dir = localParent(dir, cur.Parent, pid)
		}
		if par == nil {
			var err error
			par, err = s.raw(ctx, pid)
			if errors.Is(err, errNoPOM) {
				return nil, fault.New(maven.ErrNotFound, "the parent %s of %s is not in any Maven repository: check the repositories given with %s", pid, child, fault.Use(fault.MavenRepo))
			}
			if err != nil {
				return nil, err
			}
			lineage = append(lineage, lineageEntry{pid, "parent of " + child.String()})
		}
		chain = append(chain, par)
		child = pid
		cur = par
	}

	// Inheritance: walk from the eldest ancestor down, children winning.
	props := map[string]string{}
	var deps []dependency
	var managed []dependency
	plugins := map[string]plugin{}
	var pluginOrder []string
	pluginMgmt := map[string]plugin{}
	var extensions []extension
	for i := len(chain) - 1; i >= 0; i-- {
		c := s.activated(chain[i])
		if c.GroupID != "" {
			m.id.g = c.GroupID
		}
		if c.Version != "" {
			m.id.v = c.Version
		}
		for _, pr := range c.Properties {
			props[pr.name] = pr.value
		}
		// A child's dependency replaces an inherited one with the same key.
		deps = mergeDeps(deps, c.Dependencies)
		// Management: the child's entries come first, so they win.
		managed = append(append([]dependency(nil), c.DependencyManagement.Dependencies...), managed...)
		for _, pl := range c.Build.Plugins {
			k := pluginKey(pl)
			if old, ok := plugins[k]; ok {
				if pl.Version == "" {
					pl.Version = old.Version
				}
				pl.Dependencies = append(pl.Dependencies, old.Dependencies...)
			} else {
				pluginOrder = append(pluginOrder, k)
			}
			plugins[k] = pl
		}
		for _, pl := range c.Build.PluginManagement.Plugins {
			k := pluginKey(pl)
			if old, ok := pluginMgmt[k]; ok {
				if pl.Version == "" {
					pl.Version = old.Version
				}
				pl.Dependencies = append(pl.Dependencies, old.Dependencies...)
			}
			pluginMgmt[k] = pl
		}
		extensions = append(extensions, c.Build.Extensions...)
	}
	m.id.a = p.ArtifactID
	m.packaging = p.Packaging
	if m.packaging == "" {
		m.packaging = "jar"
	}
	if m.id.g == "" || m.id.a == "" || m.id.v == "" {
		return nil, fmt.Errorf("the POM of %s does not say its own groupId, artifactId and version, nor inherits them: check the repository", id)
	}
	ip := s.interpolator(m, p, props, dir)

	var err error
	if m.packaging, err = ip.expand(m.packaging, "its packaging"); err != nil {
		return nil, err
	}
	if r := p.DistributionManagement.Relocation; r != nil {
		to := gav{r.GroupID, r.ArtifactID, r.Version}
		for _, f := range []*string{&to.g, &to.a, &to.v} {
			if *f, err = ip.expand(*f, "its relocation"); err != nil {
				return nil, err
			}
		}
		if to.g == "" {
			to.g = m.id.g
		}
		if to.a == "" {
			to.a = m.id.a
		}
		if to.v == "" {
			to.v = m.id.v
		}
		if to != m.id {
			m.relocation = &to
		}
	}

	// Management, with BOM imports expanded in place: the first entry for
	// a key wins, as in Maven.
	m.managed = map[string]dep{}
	for _, d := range managed {
		d := ip.dep(d)
		if d.Scope == "import" && d.err == nil && (d.Type == "pom") {
			bom := gav{d.GroupID, d.ArtifactID, d.Version}
			bm, err := s.model(ctx, bom)
			if errors.Is(err, errNoPOM) {
				return nil, fault.New(maven.ErrNotFound, "the BOM %s that %s imports is not in any Maven repository: check the repositories given with %s", bom, m.id, fault.Use(fault.MavenRepo))
			}
			if err != nil {
				return nil, err
			}
			for _, l := range bm.lineage {
				why := l.why
				if l.id == bom {
					why = "BOM imported by " + m.id.String()
				}
				lineage = append(lineage, lineageEntry{l.id, why})
			}
			for _, k := range sortedKeys(bm.managed) {
				if _, ok := m.managed[k]; !ok {
					m.managed[k] = bm.managed[k]
				}
			}
			continue
		}
		if _, ok := m.managed[d.key()]; !ok {
			m.managed[d.key()] = d
		}
	}
	for _, d := range deps {
		dd := ip.dep(d)
		if md, ok := m.managed[dd.key()]; ok {
			if dd.Version == "" {
				dd.Version = md.Version
				if dd.err == nil {
					dd.err = md.err
				}
			}
			if dd.Scope == "" {
				dd.Scope = md.Scope
			}
			if len(dd.Exclusions) == 0 {
				dd.Exclusions = md.Exclusions
			}
		}
		m.deps = append(m.deps, dd)
	}
	m.pluginMgmt = map[string]plugin{}
	for k, pl := range pluginMgmt {
		pl, err := ip.plugin(pl)
		if err != nil {
			return nil, err
		}
		m.pluginMgmt[k] = pl
	}
	for _, k := range pluginOrder {
		pl, err := ip.plugin(plugins[k])
		if err != nil {
			return nil, err
		}
		m.plugins = append(m.plugins, pl)
	}
	for _, e := range extensions {
		for _, f := range []*string{&e.GroupID, &e.ArtifactID, &e.Version} {
			if *f, err = ip.expand(*f, "its build extension "+e.ArtifactID); err != nil {
				return nil, err
			}
		}
		m.extensions = append(m.extensions, e)
	}
	m.lineage = lineage
	return m, nil
}

// mergeDeps adds a child's dependencies to the inherited ones, the
// child's replacing an inherited one with the same key.
func mergeDeps(inherited, own []dependency) []dependency {
	keys := map[string]int{}
	out := append([]dependency(nil), inherited...)
	for i, d := range out {
		keys[dep{dependency: d}.key()] = i
	}
	for _, d := range own {
		if i, ok := keys[dep{dependency: d}.key()]; ok {
			out[i] = d
			continue
		}
		keys[dep{dependency: d}.key()] = len(out)
		out = append(out, d)
	}
	return out
}

func pluginKey(p plugin) string {
	g := p.GroupID
	if g == "" {
		g = "org.apache.maven.plugins"
	}
	return g + ":" + p.ArtifactID
}

// localParent reads the parent of a local project from relativePath
// (default ../pom.xml) when the POM there is that parent; it returns the
// folder that POM is in, for its own parent.
func localParent(dir string, ref *parentRef, want gav) (*pom, string) {
	rel := ref.RelativePath
	if rel == "" {
		rel = "../pom.xml"
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if !strings.HasSuffix(p, ".xml") {
		p = filepath.Join(p, "pom.xml")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, ""
	}
	par, err := parsePOM(data)
	if err != nil {
		return nil, ""
	}
	g, v := par.GroupID, par.Version
	if par.Parent != nil {
		if g == "" {
			g = par.Parent.GroupID
		}
		if v == "" {
			v = par.Parent.Version
		}
	}
	if (gav{g, par.ArtifactID, v}) != want {
		return nil, ""
	}
	return par, filepath.Dir(p)
}
