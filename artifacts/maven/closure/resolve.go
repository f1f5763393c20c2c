package closure

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"deps.dev/util/semver"
	"golang.org/x/sync/errgroup"

	"ferry/artifacts/fault"
	"ferry/artifacts/maven"
)

// Fetcher reads small repository files (POMs, maven-metadata.xml);
// package maven's Resolver is one.
type Fetcher interface {
	Fetch(ctx context.Context, c maven.Coordinate, path string) ([]byte, string, error)
}

// Scopes a build needs, and the ones a list of libraries needs.
var (
	BuildScopes   = []string{"compile", "provided", "runtime", "test"}
	LibraryScopes = []string{"compile", "runtime"}
)

// DefaultMavenVersion is the Maven whose default plugin versions are
// carried unless Resolver.MavenVersion says otherwise.
const DefaultMavenVersion = "3.9"

// Resolver works out closures. Its zero value, with a Fetcher, resolves
// the compile and runtime closure of root coordinates with no plugins.
type Resolver struct {
	Fetcher Fetcher
	// Scopes of the roots' direct dependencies to carry; deeper ones follow
	// Maven's scope rules. Nil means LibraryScopes for coordinates and
	// BuildScopes for a project.
	Scopes []string
	// MavenVersion picks whose default plugin versions and plugin rules
	// apply ("3.8", "3.9", "3.8.7", …); "" means DefaultMavenVersion.
	MavenVersion string
	// JDK activates profiles by <jdk> ("17" unless set).
	JDK string
	// Phases are the lifecycle phases the far side runs ("clean",
	// "package", "install", …); their plugins are carried with their
	// closures. Nil means none for coordinates, and clean and install for a
	// project.
	Phases []string
	// Concurrency bounds how many POMs are read at once (default 8).
	Concurrency int

	// cache keeps what was read for every call, so several closures
	// resolved one after another, or at once, read each POM once.
	cacheOnce sync.Once
	cache     *cache
}

type cache struct {
	poms, models, versions onceMap
}

func (r *Resolver) caches() *cache {
	r.cacheOnce.Do(func() { r.cache = &cache{} })
	return r.cache
}

func (r *Resolver) jdk() string {
	if r.JDK != "" {
		return r.JDK
	}
	return "17"
}

// Artifact is one artifact a closure carries.
type Artifact struct {
	// Coordinate names it; its Packaging is the type that names its main
	// file (jar, pom, war, …), and "pom" for parents and BOMs, which are
	// carried as POMs alone.
	Coordinate maven.Coordinate
	// Scope is the scope it is needed in, "" for POMs and plugins.
	Scope string
	// Why says why it is there: "listed", "dependency of g:a:v", "parent
	// of g:a:v", "BOM imported by g:a:v", "plugin for the compile phase",
	// "dependency of plugin g:a:v", …
	Why string
}

// Result is a closure.
type Result struct {
	// Artifacts are sorted by coordinate.
	Artifacts []Artifact
	// POMs counts the POMs the closure carries, one per project version
	// it names.
	POMs int
}

// session holds one resolution's caches.
type session struct {
	r            *Resolver
	mavenVersion string
	*cache

	out   map[string]int // by coordinate string → index in arts
	arts  []Artifact
	pomOf map[string]string // gav → why, for POM-only entries
}

func newSession(r *Resolver) *session {
	mv := r.MavenVersion
	if mv == "" {
		mv = DefaultMavenVersion
	}
	return &session{r: r, mavenVersion: mv, cache: r.caches(), out: map[string]int{}, pomOf: map[string]string{}}
}

// Coordinates resolves the closure of root coordinates: each root, its
// transitive dependencies in r.Scopes (compile and runtime by default),
// every parent, BOM and relocation POM read, and the plugins of r.Phases.
func (r *Resolver) Coordinates(ctx context.Context, roots []maven.Coordinate) (*Result, error) {
	s := newSession(r)
	scopes := r.Scopes
	if scopes == nil {
		scopes = LibraryScopes
	}
	var first []node
	for _, c := range roots {
		t := c.Packaging
		first = append(first, node{id: gav{c.GroupID, c.ArtifactID, c.Version}, typ: t, classifier: c.Classifier, scope: "compile", why: "listed"})
	}
	if err := s.walk(ctx, first, scopes, nil); err != nil {
		return nil, err
	}
	if len(r.Phases) > 0 {
		if err := s.addPlugins(ctx, nil, "jar", r.Phases); err != nil {
			return nil, err
		}
	}
	return s.result(), nil
}

// Project resolves what building the project in pomFile needs: its
// dependencies in r.Scopes (every scope a build uses by default), their
// closures, the parents and BOMs it inherits from the repository, and the
// plugins of r.Phases (clean and install by default) with theirs. A
// parent found beside the project by relativePath is the project's own
// and is not carried.
func (r *Resolver) Project(ctx context.Context, pomFile string) (*Result, error) {
	data, err := os.ReadFile(pomFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the project %s: %w", pomFile, errors.Unwrap(err))
	}
	p, err := parsePOM(data)
	if err != nil {
		return nil, fmt.Errorf("the project %s %v: give the path of a pom.xml", pomFile, err)
	}
	s := newSession(r)
	id := gav{p.GroupID, p.ArtifactID, p.Version}
	if p.Parent != nil {
		if id.g == "" {
			id.g = p.Parent.GroupID
		}
		if id.v == "" {
			id.v = p.Parent.Version
		}
	}
	abs, err := filepath.Abs(filepath.Dir(pomFile))
	if err != nil {
		return nil, err
	}
	m, err := s.effective(ctx, p, id, abs)
	if err != nil {
		return nil, err
	}
	s.addLineage(m)
	scopes := r.Scopes
	if scopes == nil {
		scopes = BuildScopes
	}
	var first []node
	for _, d := range m.deps {
		n, ok, err := s.child(ctx, node{id: m.id, scope: "compile"}, d, 0)
		if err != nil {
			return nil, err
		}
		if ok {
			first = append(first, n)
		}
	}
	if err := s.walk(ctx, first, scopes, m.managed); err != nil {
		return nil, err
	}
	phases := r.Phases
	if phases == nil {
		phases = []string{"clean", "install"}
	}
	if err := s.addPlugins(ctx, m, m.packaging, phases); err != nil {
		return nil, err
	}
	return s.result(), nil
}

// node is one dependency on its way through the graph.
type node struct {
	id         gav
	typ        string // "" means jar
	classifier string
	scope      string
	excl       []exclusion
	why        string
}

func (n node) conflictKey() string {
	t := n.typ
	if t == "" {
		t = "jar"
	}
	return n.id.g + ":" + n.id.a + ":" + extensionOf(t) + ":" + classifierOf(t, n.classifier)
}

// walk resolves breadth first from the given direct dependencies: the
// nearest version of each artifact wins, and the first declared among
// equally near ones, as in Maven. managed is the root's
// dependencyManagement, which governs every transitive dependency.
func (s *session) walk(ctx context.Context, level []node, scopes []string, managed map[string]dep) error {
	chosen := map[string]bool{}
	for depth := 1; len(level) > 0; depth++ {
		s.prefetch(ctx, level, chosen)
		var next []node
		for _, n := range level {
			if depth == 1 && !slices.Contains(scopes, n.scope) {
				continue
			}
			if chosen[n.conflictKey()] {
				continue
			}
			chosen[n.conflictKey()] = true
			m, err := s.resolveNode(ctx, &n)
			if err != nil {
				return err
			}
			if m == nil {
				continue // a POM-only type, or one Maven does not look into
			}
			for _, d := range m.deps {
				c, ok, err := s.child(ctx, n, d, depth)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				if md, ok := managed[dep{dependency: dependency{GroupID: c.id.g, ArtifactID: c.id.a, Type: c.typ, Classifier: c.classifier}}.key()]; ok && md.err == nil {
					if md.Version != "" {
						c.id.v = md.Version
					}
					if md.Scope != "" && md.Scope != "import" {
						c.scope = md.Scope
					}
					c.excl = append(c.excl, md.Exclusions...)
				}
				next = append(next, c)
			}
		}
		level = next
	}
	return nil
}

// resolveNode settles n's version, follows relocations, records it, and
// returns the model whose dependencies it brings (nil when none are
// followed).
func (s *session) resolveNode(ctx context.Context, n *node) (*model, error) {
	if isRange(n.id.v) {
		v, err := s.pickVersion(ctx, n.id, n.why)
		if err != nil {
			return nil, err
		}
		n.id.v = v
	}
	var m *model
	for hops := 0; ; hops++ {
		var err error
		m, err = s.model(ctx, n.id)
		if errors.Is(err, errNoPOM) && n.why != "listed" {
			return nil, fault.New(maven.ErrNotFound, "%s, %s, is not in any Maven repository: check the repositories given with %s", n.id, n.why, fault.Use(fault.MavenRepo))
		}
		if err != nil {
			return nil, err
		}
		if m.relocation == nil {
			break
		}
		if hops > 10 {
			return nil, fmt.Errorf("%s relocates more than 10 times: check the repository", n.id)
		}
		s.addLineage(m)
		s.pomOf[n.id.String()] = "relocated to " + m.relocation.String()
		n.id = *m.relocation
	}
	s.addLineage(m)
	c := n.id.coordinate(packagingOf(n.typ))
	if c.Classifier = classifierOf(n.typ, n.classifier); c.Classifier != "" && c.Packaging == "" {
		c.Packaging = "jar"
	}
	s.add(Artifact{Coordinate: c, Scope: n.scope, Why: n.why})
	switch n.typ {
	case "war", "ear", "rar":
		return nil, nil // Maven does not look into these
	}
	return m, nil
}

// child turns a dependency of parent (at depth, 0 for the project) into
// the node it brings, if Maven follows it.
func (s *session) child(ctx context.Context, parent node, d dep, depth int) (node, bool, error) {
	scope := d.Scope
	if scope == "" {
		scope = "compile"
	}
	optional := d.Optional == "true"
	if depth >= 1 {
		if scope != "compile" && scope != "runtime" || optional {
			return node{}, false, nil
		}
		switch parent.scope {
		case "runtime":
			scope = "runtime"
		case "test", "provided":
			scope = parent.scope
		}
	}
	if scope == "system" || scope == "import" {
		return node{}, false, nil
	}
	for _, e := range parent.excl {
		if (e.GroupID == "*" || e.GroupID == d.GroupID) && (e.ArtifactID == "*" || e.ArtifactID == d.ArtifactID) {
			return node{}, false, nil
		}
	}
	if d.err != nil {
		return node{}, false, d.err
	}
	why := "dependency of " + parent.id.String()
	if depth == 0 {
		why = "direct dependency"
	}
	if d.Version == "" {
		return node{}, false, fmt.Errorf("the POM of %s gives no version for its dependency %s:%s, and no dependencyManagement does: Maven cannot build with it either; name the artifact with an explicit version instead", parent.id, d.GroupID, d.ArtifactID)
	}
	n := node{id: gav{d.GroupID, d.ArtifactID, d.Version}, typ: d.Type, classifier: d.Classifier, scope: scope, why: why}
	n.excl = append(append([]exclusion(nil), parent.excl...), d.Exclusions...)
	return n, true, nil
}

// prefetch reads the POMs of a level in parallel, so the walk, which is
// sequential to stay deterministic, finds them cached.
func (s *session) prefetch(ctx context.Context, level []node, chosen map[string]bool) {
	conc := s.r.Concurrency
	if conc <= 0 {
		conc = 8
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	// Only the nodes the walk will choose: a nearer or earlier version
	// of the same artifact wins, and the losers' POMs are never needed.
	first := map[string]bool{}
	for _, n := range level {
		k := n.conflictKey()
		if isRange(n.id.v) || chosen[k] || first[k] {
			continue
		}
		first[k] = true
		g.Go(func() error {
			_, _ = s.model(gctx, n.id) // errors come back, cached, in the walk
			return nil
		})
	}
	_ = g.Wait()
}

func (s *session) add(a Artifact) {
	k := a.Coordinate.String()
	if _, ok := s.out[k]; ok {
		return
	}
	s.out[k] = len(s.arts)
	s.arts = append(s.arts, a)
}

// addLineage records the parents and BOMs a model was built from, to
// carry as POMs.
func (s *session) addLineage(m *model) {
	for _, l := range m.lineage {
		if l.why == "" {
			continue
		}
		if _, ok := s.pomOf[l.id.String()]; !ok {
			s.pomOf[l.id.String()] = l.why
		}
	}
}

// result lists the artifacts, with the POMs read that no artifact carries
// already, sorted by coordinate.
func (s *session) result() *Result {
	carried := map[string]bool{}
	for _, a := range s.arts {
		carried[gav{a.Coordinate.GroupID, a.Coordinate.ArtifactID, a.Coordinate.Version}.String()] = true
	}
	arts := append([]Artifact(nil), s.arts...)
	for _, k := range sortedKeys(s.pomOf) {
		if carried[k] {
			continue
		}
		parts := strings.Split(k, ":")
		arts = append(arts, Artifact{Coordinate: maven.Coordinate{GroupID: parts[0], ArtifactID: parts[1], Version: parts[2], Packaging: "pom"}, Why: s.pomOf[k]})
	}
	slices.SortFunc(arts, func(a, b Artifact) int { return strings.Compare(a.Coordinate.String(), b.Coordinate.String()) })
	poms := map[string]bool{}
	for _, a := range arts {
		poms[gav{a.Coordinate.GroupID, a.Coordinate.ArtifactID, a.Coordinate.Version}.String()] = true
	}
	return &Result{Artifacts: arts, POMs: len(poms)}
}

// Types: the main file's extension and classifier for a dependency type,
// as Maven's artifact handlers define them.
func extensionOf(t string) string {
	switch t {
	case "", "jar", "test-jar", "maven-plugin", "ejb", "ejb-client", "java-source", "javadoc", "bundle":
		return "jar"
	}
	return t
}

func classifierOf(t, classifier string) string {
	if classifier != "" {
		return classifier
	}
	switch t {
	case "test-jar":
		return "tests"
	case "ejb-client":
		return "client"
	case "java-source":
		return "sources"
	case "javadoc":
		return "javadoc"
	}
	return ""
}

// packagingOf is what package maven's Coordinate.Packaging must say for
// the main file to get the type's extension.
func packagingOf(t string) string {
	switch e := extensionOf(t); e {
	case "jar":
		if t == "" {
			return ""
		}
		return "jar"
	default:
		return e
	}
}

func isRange(v string) bool { return strings.HasPrefix(v, "[") || strings.HasPrefix(v, "(") }

// pickVersion chooses the highest version in a range that the
// repository's maven-metadata.xml lists, as Maven does.
func (s *session) pickVersion(ctx context.Context, id gav, why string) (string, error) {
	md, err := s.metadata(ctx, id)
	if err != nil {
		return "", fmt.Errorf("%s:%s, %s, asks for the version range %s, and the repository's list of versions cannot be read: %w", id.g, id.a, why, id.v, err)
	}
	versions := md.versions
	con, err := semver.Maven.ParseConstraint(id.v)
	if err != nil {
		return "", fmt.Errorf("%s:%s, %s, asks for the version range %s, which is not a Maven version range: check its POM", id.g, id.a, why, id.v)
	}
	best := ""
	var bestV *semver.Version
	for _, cand := range versions {
		pv, err := semver.Maven.Parse(cand)
		if err != nil || !con.MatchVersion(pv) {
			continue
		}
		if bestV == nil || pv.Compare(bestV) > 0 {
			best, bestV = cand, pv
		}
	}
	if best == "" {
		return "", fmt.Errorf("%s:%s, %s, asks for the version range %s, and the repository has no version in it (it lists %s)", id.g, id.a, why, id.v, strings.Join(versions, ", "))
	}
	return best, nil
}
