package closure_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/fault"
	"ferry/artifacts/maven"
	"ferry/artifacts/maven/closure"
)

// repo is an in-memory Maven repository: path → content.
type repo map[string]string

func (r repo) Fetch(_ context.Context, c maven.Coordinate, path string) ([]byte, string, error) {
	if data, ok := r[path]; ok {
		return []byte(data), "mem", nil
	}
	return nil, "", fault.New(maven.ErrNotFound, "%s was not found in any Maven repository (tried mem): check the coordinates", c)
}

// dirRepo serves a folder in repository layout.
type dirRepo string

func (d dirRepo) Fetch(_ context.Context, c maven.Coordinate, path string) ([]byte, string, error) {
	data, err := os.ReadFile(filepath.Join(string(d), filepath.FromSlash(path)))
	if err != nil {
		return nil, "", fault.New(maven.ErrNotFound, "%s was not found in any Maven repository (tried %s): check the coordinates", c, d)
	}
	return data, string(d), nil
}

// put adds a POM for g:a:v with the given inner XML.
func (r repo) put(gav, inner string) {
	p := strings.Split(gav, ":")
	path := strings.ReplaceAll(p[0], ".", "/") + "/" + p[1] + "/" + p[2] + "/" + p[1] + "-" + p[2] + ".pom"
	r[path] = fmt.Sprintf("<project><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>%s</project>", p[0], p[1], p[2], inner)
}

func dep(gav string, extra ...string) string {
	p := strings.Split(gav, ":")
	return fmt.Sprintf("<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>%s</dependency>", p[0], p[1], p[2], strings.Join(extra, ""))
}

func deps(ds ...string) string { return "<dependencies>" + strings.Join(ds, "") + "</dependencies>" }

func coord(t *testing.T, s string) maven.Coordinate {
	t.Helper()
	c, err := maven.ParseCoordinate(s)
	require.NoError(t, err)
	return c
}

// whys maps each artifact's coordinate to why it is carried.
func whys(res *closure.Result) map[string]string {
	out := map[string]string{}
	for _, a := range res.Artifacts {
		out[a.Coordinate.String()] = a.Why
	}
	return out
}

func closeOver(t *testing.T, r *closure.Resolver, roots ...string) map[string]string {
	t.Helper()
	var cs []maven.Coordinate
	for _, s := range roots {
		cs = append(cs, coord(t, s))
	}
	res, err := r.Coordinates(context.Background(), cs)
	require.NoError(t, err)
	return whys(res)
}

func TestNearestWinsAndFirstDeclared(t *testing.T) {
	r := repo{}
	r.put("g:app:1", deps(dep("g:a:1"), dep("g:b:1")))
	r.put("g:a:1", deps(dep("g:c:2")))
	r.put("g:b:1", deps(dep("g:c:3"), dep("g:d:1")))
	r.put("g:d:1", deps(dep("g:c:4")))
	r.put("g:c:2", "")
	r.put("g:c:3", "")
	r.put("g:c:4", "")
	got := closeOver(t, &closure.Resolver{Fetcher: r}, "g:app:1")
	assert.Equal(t, map[string]string{
		"g:app:1": "listed", "g:a:1": "dependency of g:app:1", "g:b:1": "dependency of g:app:1",
		"g:c:2": "dependency of g:a:1", "g:d:1": "dependency of g:b:1",
	}, got, "c:2 is as near as c:3 and declared first; c:4 is further away")
}

func TestScopesOptionalAndExclusions(t *testing.T) {
	r := repo{}
	r.put("g:app:1", deps(
		dep("g:a:1", "<exclusions><exclusion><groupId>g</groupId><artifactId>x</artifactId></exclusion></exclusions>"),
		dep("g:t:1", "<scope>test</scope>"),
		dep("g:o:1", "<optional>true</optional>"),
		dep("g:w:1", "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>"),
	))
	r.put("g:a:1", deps(dep("g:x:1"), dep("g:y:1"), dep("g:p:1", "<scope>provided</scope>"), dep("g:q:1", "<optional>true</optional>"), dep("g:r:1", "<scope>runtime</scope>")))
	r.put("g:y:1", deps(dep("g:x:1")))
	r.put("g:w:1", deps(dep("g:z:1")))
	for _, s := range []string{"g:x:1", "g:p:1", "g:q:1", "g:r:1", "g:t:1", "g:o:1", "g:z:1"} {
		r.put(s, "")
	}
	got := closeOver(t, &closure.Resolver{Fetcher: r}, "g:app:1")
	assert.ElementsMatch(t, []string{"g:app:1", "g:a:1", "g:y:1", "g:r:1", "g:w:1"}, keys(got),
		"x excluded on every path below a, z by a wildcard; test, provided and optional dependencies of a listed artifact are not carried")

	// A project's own test and optional dependencies are, when asked for.
	pom := filepath.Join(t.TempDir(), "pom.xml")
	require.NoError(t, os.WriteFile(pom, []byte(r["g/app/1/app-1.pom"]), 0o644))
	res, err := (&closure.Resolver{Fetcher: r, Phases: []string{}}).Project(context.Background(), pom)
	require.NoError(t, err)
	got = whys(res)
	assert.Contains(t, got, "g:t:1", "test scope for a build")
	assert.Contains(t, got, "g:o:1", "the project's own optional dependency")
	for _, a := range res.Artifacts {
		switch a.Coordinate.ArtifactID {
		case "r":
			assert.Equal(t, "runtime", a.Scope)
		case "t":
			assert.Equal(t, "test", a.Scope)
		}
	}
	res, err = (&closure.Resolver{Fetcher: r, Phases: []string{}, Scopes: closure.LibraryScopes}).Project(context.Background(), pom)
	require.NoError(t, err)
	assert.NotContains(t, whys(res), "g:t:1", "scopes chosen")
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestParentsPropertiesAndManagement(t *testing.T) {
	r := repo{}
	r.put("g:parent:1", `<packaging>pom</packaging><properties><lib.version>2</lib.version></properties>
		<dependencyManagement>`+deps(dep("g:lib:${lib.version}"), dep("g:deep:9"))+`</dependencyManagement>`)
	r.put("g:app:1", `<parent><groupId>g</groupId><artifactId>parent</artifactId><version>1</version></parent>`+
		deps(`<dependency><groupId>g</groupId><artifactId>lib</artifactId></dependency>`, dep("g:self:${project.version}")))
	r.put("g:lib:2", deps(dep("g:deep:1")))
	r.put("g:deep:1", "")
	r.put("g:self:1", "")
	got := closeOver(t, &closure.Resolver{Fetcher: r}, "g:app:1")
	assert.Equal(t, "dependency of g:app:1", got["g:lib:2"], "version from the parent's management, through a property")
	assert.Equal(t, "dependency of g:app:1", got["g:self:1"], "${project.version}")
	assert.Equal(t, "parent of g:app:1", got["g:parent:1:pom"], "the parent POM is carried")
	assert.Contains(t, got, "g:deep:1", "an intermediate POM's management governs only its own dependencies")
}

func TestRootManagementGovernsTransitives(t *testing.T) {
	dir := t.TempDir()
	pom := filepath.Join(dir, "pom.xml")
	require.NoError(t, os.WriteFile(pom, []byte(`<project><groupId>p</groupId><artifactId>proj</artifactId><version>1</version>
		<dependencyManagement>`+deps(dep("g:deep:9"))+`</dependencyManagement>`+deps(dep("g:lib:2"))+`</project>`), 0o644))
	r := repo{}
	r.put("g:lib:2", deps(dep("g:deep:1")))
	r.put("g:deep:9", "")
	res, err := (&closure.Resolver{Fetcher: r, Phases: []string{}}).Project(context.Background(), pom)
	require.NoError(t, err)
	got := whys(res)
	assert.Contains(t, got, "g:deep:9", "the project's management overrides a transitive version")
	assert.NotContains(t, got, "g:deep:1")
	assert.Equal(t, "direct dependency", got["g:lib:2"])
}

func TestBOMImport(t *testing.T) {
	r := repo{}
	r.put("g:bom-parent:1", `<packaging>pom</packaging><dependencyManagement>`+deps(dep("g:y:5"))+`</dependencyManagement>`)
	r.put("g:bom:1", `<packaging>pom</packaging><parent><groupId>g</groupId><artifactId>bom-parent</artifactId><version>1</version></parent>
		<dependencyManagement>`+deps(dep("g:x:3"))+`</dependencyManagement>`)
	r.put("g:app:1", `<dependencyManagement>`+deps(dep("g:bom:1", "<type>pom</type><scope>import</scope>"))+`</dependencyManagement>`+
		deps(`<dependency><groupId>g</groupId><artifactId>x</artifactId></dependency>`, `<dependency><groupId>g</groupId><artifactId>y</artifactId></dependency>`))
	r.put("g:x:3", "")
	r.put("g:y:5", "")
	got := closeOver(t, &closure.Resolver{Fetcher: r}, "g:app:1")
	assert.Contains(t, got, "g:x:3")
	assert.Contains(t, got, "g:y:5", "the BOM's own parent's management is imported too")
	assert.Equal(t, "BOM imported by g:app:1", got["g:bom:1:pom"])
	assert.Equal(t, "parent of g:bom:1", got["g:bom-parent:1:pom"])
}

func TestBOMThatImportsItselfIsAnError(t *testing.T) {
	r := repo{}
	r.put("g:bom:1", `<dependencyManagement>`+deps(dep("g:bom:1", "<type>pom</type><scope>import</scope>"))+`</dependencyManagement>`)
	r.put("g:app:1", `<dependencyManagement>`+deps(dep("g:bom:1", "<type>pom</type><scope>import</scope>"))+`</dependencyManagement>`)
	_, err := (&closure.Resolver{Fetcher: r}).Coordinates(context.Background(), []maven.Coordinate{coord(t, "g:app:1")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "imports itself")
}

func TestPropertyThatCannotBeInterpolatedNamesThePOM(t *testing.T) {
	r := repo{}
	r.put("g:app:1", deps(dep("g:a:1")))
	r.put("g:a:1", deps(dep("g:b:${b.version}")))
	_, err := (&closure.Resolver{Fetcher: r}).Coordinates(context.Background(), []maven.Coordinate{coord(t, "g:app:1")})
	require.Error(t, err)
	assert.Equal(t, "the POM of g:a:1 uses ${b.version} in its dependency g:b, and neither it nor its parents define that property: Maven cannot build with it either; name the artifact with an explicit version instead", err.Error())

	// An unusable dependency that Maven would not follow is no error.
	r.put("g:a:1", deps(dep("g:b:${b.version}", "<scope>test</scope>")))
	_, err = (&closure.Resolver{Fetcher: r}).Coordinates(context.Background(), []maven.Coordinate{coord(t, "g:app:1")})
	require.NoError(t, err)
}

func TestMissingDependencyIsOneSentence(t *testing.T) {
	r := repo{}
	r.put("g:app:1", deps(dep("g:gone:1")))
	_, err := (&closure.Resolver{Fetcher: r}).Coordinates(context.Background(), []maven.Coordinate{coord(t, "g:app:1")})
	require.ErrorIs(t, err, maven.ErrNotFound)
	assert.Equal(t, "g:gone:1, dependency of g:app:1, is not in any Maven repository: check the repositories given with the Maven repository setting", err.Error())
	assert.True(t, fault.Names(err, fault.MavenRepo))
}

func TestVersionRangePicksTheHighestListed(t *testing.T) {
	r := repo{}
	r.put("g:app:1", deps(dep("g:lib:[1.0,2.0)")))
	r["g/lib/maven-metadata.xml"] = `<metadata><versioning><versions><version>0.9</version><version>1.2</version><version>1.10</version><version>2.0</version></versions></versioning></metadata>`
	r.put("g:lib:1.10", "")
	got := closeOver(t, &closure.Resolver{Fetcher: r}, "g:app:1")
	assert.Contains(t, got, "g:lib:1.10", "1.10 is above 1.2 in Maven's order, and 2.0 is outside")
}

func TestProfiles(t *testing.T) {
	r := repo{}
	r.put("g:app:1", `<profiles>
		<profile><id>old-jdk</id><activation><jdk>1.8</jdk></activation>`+deps(dep("g:old:1"))+`</profile>
		<profile><id>new-jdk</id><activation><jdk>[11,)</jdk></activation>`+deps(dep("g:new:1"))+`</profile>
		<profile><id>fallback</id><activation><activeByDefault>true</activeByDefault></activation>`+deps(dep("g:fallback:1"))+`</profile>
		<profile><id>not-skipped</id><activation><property><name>!skip</name></property></activation><properties><v>7</v></properties>`+deps(dep("g:prop:${v}"))+`</profile>
	</profiles>`)
	r.put("g:new:1", "")
	r.put("g:prop:7", "")
	got := closeOver(t, &closure.Resolver{Fetcher: r, JDK: "17"}, "g:app:1")
	assert.ElementsMatch(t, []string{"g:app:1", "g:new:1", "g:prop:7"}, keys(got), "activeByDefault only counts when no other profile is active")
}

// Real Debian POMs: a plugin version that Debian relocates, and a BOM
// imported through a parent.
func TestRealPOMsRelocationAndBOM(t *testing.T) {
	r := &closure.Resolver{Fetcher: dirRepo("testdata/repo"), MavenVersion: "3.8"}
	got := closeOver(t, r, "org.apache.maven.plugins:maven-compiler-plugin:3.1")
	assert.Equal(t, "relocated to org.apache.maven.plugins:maven-compiler-plugin:3.10.1", got["org.apache.maven.plugins:maven-compiler-plugin:3.1:pom"])
	assert.Equal(t, "listed", got["org.apache.maven.plugins:maven-compiler-plugin:3.10.1"])
	assert.Equal(t, "parent of org.apache.maven.plugins:maven-compiler-plugin:3.10.1", got["org.apache.maven.plugins:maven-plugins:debian:pom"])
	assert.Contains(t, got, "org.apache:apache:debian:pom", "the whole parent chain")

	got = closeOver(t, r, "org.codehaus.plexus:plexus-compiler-api:2.x")
	assert.Equal(t, "BOM imported by org.codehaus.plexus:plexus-compiler-api:2.x", got["org.junit:junit-bom:debian:pom"])
}

func TestPluginsOfThePhases(t *testing.T) {
	r := repo{}
	dir := t.TempDir()
	pom := filepath.Join(dir, "pom.xml")
	require.NoError(t, os.WriteFile(pom, []byte(`<project><groupId>p</groupId><artifactId>proj</artifactId><version>1</version>
		<build><pluginManagement><plugins><plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin></plugins></pluginManagement>
		<plugins><plugin><groupId>org.example</groupId><artifactId>gen-maven-plugin</artifactId><version>1.0</version>
			<dependencies>`+dep("g:gen-extra:1")+`</dependencies></plugin></plugins></build></project>`), 0o644))
	for _, s := range []string{"maven-clean-plugin:3.2.0", "maven-resources-plugin:3.3.1", "maven-compiler-plugin:3.13.0", "maven-surefire-plugin:3.2.2", "maven-jar-plugin:3.3.0", "maven-install-plugin:3.1.1"} {
		r.put("org.apache.maven.plugins:"+s, "<packaging>maven-plugin</packaging>")
	}
	r.put("org.example:gen-maven-plugin:1.0", "<packaging>maven-plugin</packaging>"+deps(dep("g:gen-lib:1")))
	r.put("g:gen-lib:1", "")
	r.put("g:gen-extra:1", "")
	res, err := (&closure.Resolver{Fetcher: r, Phases: []string{"clean", "package"}}).Project(context.Background(), pom)
	require.NoError(t, err)
	got := whys(res)
	assert.Equal(t, map[string]string{
		"org.apache.maven.plugins:maven-clean-plugin:3.2.0:jar":     "plugin for the clean phase",
		"org.apache.maven.plugins:maven-resources-plugin:3.3.1:jar": "plugin for the process-resources phase",
		"org.apache.maven.plugins:maven-compiler-plugin:3.13.0:jar": "plugin for the compile phase",
		"org.apache.maven.plugins:maven-surefire-plugin:3.2.2:jar":  "plugin for the test phase",
		"org.apache.maven.plugins:maven-jar-plugin:3.3.0:jar":       "plugin for the package phase",
		"org.example:gen-maven-plugin:1.0:jar":                      "plugin declared by p:proj:1",
		"g:gen-lib:1":                                               "dependency of plugin org.example:gen-maven-plugin:1.0 via org.example:gen-maven-plugin:1.0",
		"g:gen-extra:1":                                             "dependency of plugin org.example:gen-maven-plugin:1.0",
	}, got, "Maven 3.9's defaults, the managed compiler version, no install plugin for package, no plexus-utils 1.1 on 3.9")

	_, err = (&closure.Resolver{Fetcher: r, Phases: []string{"compiel"}}).Project(context.Background(), pom)
	assert.EqualError(t, err, `"compiel" is not a Maven lifecycle phase: give phases such as clean, package or install`)
	_, err = (&closure.Resolver{Fetcher: r, MavenVersion: "4.0"}).Project(context.Background(), pom)
	assert.ErrorContains(t, err, "give 3.8 or 3.9")
}

func TestBadProjectFile(t *testing.T) {
	pom := filepath.Join(t.TempDir(), "pom.xml")
	require.NoError(t, os.WriteFile(pom, []byte(`<settings/>`), 0o644))
	_, err := (&closure.Resolver{Fetcher: repo{}}).Project(context.Background(), pom)
	assert.EqualError(t, err, "the project "+pom+" is not a POM (its root element is <settings>, not <project>): give the path of a pom.xml")
}

func FuzzPOM(f *testing.F) {
	f.Add(`<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version>` + deps(dep("g:b:${x}")) + `<properties><x>${x}</x></properties></project>`)
	f.Add(`<project><parent><groupId>g</groupId><artifactId>a</artifactId><version>1</version></parent></project>`)
	f.Fuzz(func(t *testing.T, pom string) {
		r := repo{"g/a/1/a-1.pom": pom}
		_, _ = (&closure.Resolver{Fetcher: r}).Coordinates(context.Background(), []maven.Coordinate{{GroupID: "g", ArtifactID: "a", Version: "1"}})
	})
}
