package closure

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The three lifecycles' phases, in order: running a phase runs every
// phase before it in its lifecycle.
var lifecycles = [][]string{
	{"pre-clean", "clean", "post-clean"},
	{"validate", "initialize", "generate-sources", "process-sources", "generate-resources", "process-resources",
		"compile", "process-classes", "generate-test-sources", "process-test-sources", "generate-test-resources",
		"process-test-resources", "test-compile", "process-test-classes", "test", "prepare-package", "package",
		"pre-integration-test", "integration-test", "post-integration-test", "verify", "install", "deploy"},
	{"pre-site", "site", "post-site", "site-deploy"},
}

// IsPhase says whether name is a lifecycle phase Maven knows.
func IsPhase(name string) bool {
	for _, l := range lifecycles {
		if slices.Contains(l, name) {
			return true
		}
	}
	return false
}

// binding is a default plugin of one phase.
type binding struct{ phase, artifactID string }

// defaultBindings are Maven's default lifecycle bindings per packaging,
// as META-INF/plexus/default-bindings.xml in maven-core lists them
// (3.8.7) and the clean and site lifecycles' own.
var defaultBindings = map[string][]binding{
	"pom": {{"install", "maven-install-plugin"}, {"deploy", "maven-deploy-plugin"}},
	"jar": {{"process-resources", "maven-resources-plugin"}, {"compile", "maven-compiler-plugin"},
		{"process-test-resources", "maven-resources-plugin"}, {"test-compile", "maven-compiler-plugin"},
		{"test", "maven-surefire-plugin"}, {"package", "maven-jar-plugin"},
		{"install", "maven-install-plugin"}, {"deploy", "maven-deploy-plugin"}},
	"maven-plugin": {{"process-resources", "maven-resources-plugin"}, {"compile", "maven-compiler-plugin"},
		{"process-classes", "maven-plugin-plugin"}, {"process-test-resources", "maven-resources-plugin"},
		{"test-compile", "maven-compiler-plugin"}, {"test", "maven-surefire-plugin"},
		{"package", "maven-jar-plugin"}, {"package", "maven-plugin-plugin"},
		{"install", "maven-install-plugin"}, {"deploy", "maven-deploy-plugin"}},
	"war": {{"process-resources", "maven-resources-plugin"}, {"compile", "maven-compiler-plugin"},
		{"process-test-resources", "maven-resources-plugin"}, {"test-compile", "maven-compiler-plugin"},
		{"test", "maven-surefire-plugin"}, {"package", "maven-war-plugin"},
		{"install", "maven-install-plugin"}, {"deploy", "maven-deploy-plugin"}},
	"ear": {{"generate-resources", "maven-ear-plugin"}, {"process-resources", "maven-resources-plugin"},
		{"package", "maven-ear-plugin"}, {"install", "maven-install-plugin"}, {"deploy", "maven-deploy-plugin"}},
	"ejb": {{"process-resources", "maven-resources-plugin"}, {"compile", "maven-compiler-plugin"},
		{"process-test-resources", "maven-resources-plugin"}, {"test-compile", "maven-compiler-plugin"},
		{"test", "maven-surefire-plugin"}, {"package", "maven-ejb-plugin"},
		{"install", "maven-install-plugin"}, {"deploy", "maven-deploy-plugin"}},
	"clean": {{"clean", "maven-clean-plugin"}},
	"site":  {{"site", "maven-site-plugin"}, {"site-deploy", "maven-site-plugin"}},
}

// defaultVersions are the plugin versions those bindings use, per Maven
// line: 3.8 from maven-core 3.8.7's default-bindings.xml, 3.9 from Maven
// 3.9.6's.
var defaultVersions = map[string]map[string]string{
	"3.8": {"maven-clean-plugin": "2.5", "maven-resources-plugin": "2.6", "maven-compiler-plugin": "3.1",
		"maven-surefire-plugin": "2.12.4", "maven-jar-plugin": "2.4", "maven-install-plugin": "2.4",
		"maven-deploy-plugin": "2.7", "maven-site-plugin": "3.3", "maven-plugin-plugin": "3.2",
		"maven-war-plugin": "2.2", "maven-ear-plugin": "2.8", "maven-ejb-plugin": "2.3"},
	"3.9": {"maven-clean-plugin": "3.2.0", "maven-resources-plugin": "3.3.1", "maven-compiler-plugin": "3.11.0",
		"maven-surefire-plugin": "3.2.2", "maven-jar-plugin": "3.3.0", "maven-install-plugin": "3.1.1",
		"maven-deploy-plugin": "3.1.1", "maven-site-plugin": "3.12.1", "maven-plugin-plugin": "3.9.0",
		"maven-war-plugin": "3.4.0", "maven-ear-plugin": "3.3.0", "maven-ejb-plugin": "3.2.1"},
}

// MavenLine reads "3.8.7" or "3.9" as the Maven line whose defaults
// apply ("3.8" or "3.9"), or says which lines are known.
func MavenLine(v string) (string, error) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		line := parts[0] + "." + parts[1]
		if _, ok := defaultVersions[line]; ok {
			return line, nil
		}
	}
	return "", fmt.Errorf("%q is not a Maven version ferry knows the default plugins of: give 3.8 or 3.9 (or a full version such as 3.9.6)", v)
}

// wantedPlugin is one plugin a build runs, with why.
type wantedPlugin struct {
	plugin
	why string
}

// addPlugins carries the plugins the phases run for a project (nil for a
// list of coordinates, which builds as a jar project with no POM of its
// own), each with its closure.
func (s *session) addPlugins(ctx context.Context, m *model, packaging string, phases []string) error {
	line, err := MavenLine(s.mavenVersion)
	if err != nil {
		return err
	}
	ran := map[string]bool{}
	for _, ph := range phases {
		found := false
		for _, l := range lifecycles {
			if i := slices.Index(l, ph); i >= 0 {
				found = true
				for _, p := range l[:i+1] {
					ran[p] = true
				}
			}
		}
		if !found {
			return fmt.Errorf("%q is not a Maven lifecycle phase: give phases such as clean, package or install", ph)
		}
	}
	var wanted []wantedPlugin
	seen := map[string]bool{}
	want := func(p plugin, why string) {
		k := pluginKey(p)
		if seen[k] {
			return
		}
		seen[k] = true
		if p.GroupID == "" {
			p.GroupID = "org.apache.maven.plugins"
		}
		wanted = append(wanted, wantedPlugin{p, why})
	}
	bindings, ok := defaultBindings[packaging]
	if !ok {
		bindings = defaultBindings["jar"]
	}
	for _, lc := range []string{"clean", "site"} {
		bindings = append(bindings, defaultBindings[lc]...)
	}
	for _, b := range bindings {
		if ran[b.phase] {
			want(plugin{ArtifactID: b.artifactID}, "plugin for the "+b.phase+" phase")
		}
	}
	if m != nil {
		// Plugins the project declares run in the phases their executions
		// name; they are carried whatever the phases.
		for _, p := range m.plugins {
			want(p, "plugin declared by "+m.id.String())
		}
		for _, e := range m.extensions {
			want(plugin{GroupID: e.GroupID, ArtifactID: e.ArtifactID, Version: e.Version}, "build extension of "+m.id.String())
		}
	}
	for i := range wanted {
		w := &wanted[i]
		if m != nil {
			if mp, ok := m.pluginMgmt[pluginKey(w.plugin)]; ok {
				if w.Version == "" {
					w.Version = mp.Version
				}
				w.Dependencies = append(w.Dependencies, mp.Dependencies...)
			}
			for _, p := range m.plugins {
				if pluginKey(p) == pluginKey(w.plugin) && w.Version == "" {
					w.Version = p.Version
				}
			}
		}
		if w.Version == "" {
			w.Version = defaultVersions[line][w.ArtifactID]
		}
		if w.Version == "" {
			v, err := s.latestRelease(ctx, gav{w.GroupID, w.ArtifactID, ""})
			if err != nil {
				return err
			}
			w.Version = v
		}
		if err := s.pluginClosure(ctx, *w, line, m); err != nil {
			return err
		}
	}
	return nil
}

// pluginClosure carries a plugin, its runtime closure and the
// dependencies the project adds to it, resolved on their own as Maven
// builds each plugin's class path apart.
func (s *session) pluginClosure(ctx context.Context, w wantedPlugin, line string, m *model) error {
	id := gav{w.GroupID, w.ArtifactID, w.Version}
	first := []node{{id: id, typ: "maven-plugin", scope: "runtime", why: w.why}}
	for _, d := range w.Dependencies {
		if d.Version == "" {
			return fmt.Errorf("the project gives no version for %s:%s, a dependency of its plugin %s: add one", d.GroupID, d.ArtifactID, w.ArtifactID)
		}
		first = append(first, node{id: gav{d.GroupID, d.ArtifactID, d.Version}, typ: d.Type, classifier: d.Classifier, scope: "runtime", excl: d.Exclusions, why: "dependency of plugin " + id.String()})
	}
	added, err := s.walkPluginPath(ctx, first)
	if err != nil {
		return err
	}
	for _, a := range added {
		if a.Why == w.why && a.Coordinate.ArtifactID == w.ArtifactID {
			id.v = a.Coordinate.Version // after any relocation
		}
	}
	for i := range added {
		if why := added[i].Why; strings.HasPrefix(why, "dependency of ") && !strings.HasPrefix(why, "dependency of plugin") {
			added[i].Why = strings.Replace(why, "dependency of ", "dependency of plugin "+id.String()+" via ", 1)
		}
	}
	if line == "3.8" && !s.closureHas(added, "org.codehaus.plexus", "plexus-utils") {
		// Maven before 3.9 adds plexus-utils 1.1 to every plugin that
		// does not bring its own (dependency:go-offline misses it).
		injected := node{id: gav{"org.codehaus.plexus", "plexus-utils", "1.1"}, scope: "runtime", why: "added by Maven " + line + " to plugin " + id.String()}
		if _, err := s.walkPluginPath(ctx, []node{injected}); err != nil {
			return err
		}
	}
	if w.ArtifactID == "maven-surefire-plugin" && m != nil {
		// Surefire asks for its provider at the version of the
		// surefire-booter on its class path, which is its own unless a
		// repository rewrote versions.
		v := id.v
		for _, a := range added {
			if a.Coordinate.GroupID == "org.apache.maven.surefire" && a.Coordinate.ArtifactID == "surefire-booter" {
				v = a.Coordinate.Version
			}
		}
		return s.surefireProviders(ctx, v)
	}
	return nil
}

// walkPluginPath resolves what a plugin's class path holds from first, as
// runtime dependencies, and returns the artifacts it added; they carry no
// scope, since no project build uses them.
func (s *session) walkPluginPath(ctx context.Context, first []node) ([]Artifact, error) {
	before := len(s.arts)
	if err := s.walk(ctx, first, []string{"runtime"}, nil); err != nil {
		return nil, err
	}
	for i := before; i < len(s.arts); i++ {
		s.arts[i].Scope = ""
	}
	return s.arts[before:], nil
}

func (s *session) closureHas(arts []Artifact, g, a string) bool {
	for _, x := range arts {
		if x.Coordinate.GroupID == g && x.Coordinate.ArtifactID == a {
			return true
		}
	}
	return false
}

// surefireProviders carries the test provider surefire picks at run time
// from the project's test dependencies, which no POM names.
func (s *session) surefireProviders(ctx context.Context, version string) error {
	var providers []string
	has := func(g, a string) bool { return s.closureHas(s.arts, g, a) }
	switch {
	case has("org.junit.platform", "junit-platform-engine") || has("org.junit.jupiter", "junit-jupiter-api"):
		providers = append(providers, "surefire-junit-platform")
	case has("junit", "junit"):
		providers = append(providers, "surefire-junit4")
	}
	if has("org.testng", "testng") {
		providers = append(providers, "surefire-testng")
	}
	for _, p := range providers {
		n := node{id: gav{"org.apache.maven.surefire", p, version}, scope: "runtime", why: "test provider surefire " + version + " loads for the project's tests"}
		if _, err := s.walkPluginPath(ctx, []node{n}); err != nil {
			return err
		}
	}
	return nil
}

// latestRelease is the release version the repository's metadata names,
// which Maven uses for a plugin declared without a version.
func (s *session) latestRelease(ctx context.Context, id gav) (string, error) {
	md, err := s.metadata(ctx, id)
	if err != nil {
		return "", fmt.Errorf("the plugin %s:%s has no version in the project, and the repository's list of its versions cannot be read: give it a version in the POM (%w)", id.g, id.a, err)
	}
	if md.release == "" {
		return "", fmt.Errorf("the plugin %s:%s has no version in the project, and its maven-metadata.xml names no release: give it a version in the POM", id.g, id.a)
	}
	return md.release, nil
}
