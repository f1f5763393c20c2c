package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const demoCatalog = "../../testdata/catalogs/demo.yaml"

func TestBuiltinCatalogIsValid(t *testing.T) {
	c, err := Builtin()
	require.NoError(t, err)
	var names []string
	for _, tg := range c.Targets() {
		names = append(names, tg.Name)
		assert.Equal(t, BuiltinSource, tg.Source)
	}
	assert.Equal(t, []string{"custom", "eks-anywhere", "openshift", "sonataflow"}, names)
	eksa, err := c.Target("eks-anywhere")
	require.NoError(t, err)
	esel, err := eksa.Select(Choice{Archs: []string{"amd64"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"kubernetes-1-28", "vsphere"}, esel.Modules)
	require.Len(t, esel.Needs[1].Bundles, 1, "the provider's entries follow the Kubernetes versions carried")
	assert.Equal(t, "https://anywhere-assets.eks.amazonaws.com/releases/bundles/57/manifest.yaml", esel.Needs[1].Bundles[0].URL)
	assert.Equal(t, "1.28", esel.Needs[1].Bundles[0].KubeVersion)
	ocp, err := c.Target("openshift")
	require.NoError(t, err)
	osel, err := ocp.Select(Choice{Archs: []string{"arm64", "amd64"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64", "quay.io/openshift-release-dev/ocp-release:4.17.0-aarch64"}, osel.Needs[0].Releases)

	sf, err := c.Target("sonataflow")
	require.NoError(t, err)
	assert.Equal(t, "10.1.0", sf.Latest())
	sel, err := sf.Select(Choice{Archs: []string{"amd64"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"operator", "builder", "devmode", "data-index-postgresql", "jobs-service-postgresql", "db-migrator"}, sel.Modules)
	assert.Equal(t, "needed by data-index-postgresql", sel.Why["db-migrator"])
	assert.Contains(t, sel.Needs[0].Images, "docker.io/apache/incubator-kie-sonataflow-operator:10.1.0")
	assert.Contains(t, sel.Needs[1].Images, "gcr.io/kaniko-project/executor:v1.9.0")
}

func TestSelectDefaultsDependenciesAndOverrides(t *testing.T) {
	c, err := Load(demoCatalog)
	require.NoError(t, err)
	demo, err := c.Target("demo")
	require.NoError(t, err)
	assert.Equal(t, demoCatalog, demo.Source)

	// Defaults: required core, default ui; newest version; version vars win.
	s, err := demo.Select(Choice{Archs: []string{"amd64"}})
	require.NoError(t, err)
	assert.Equal(t, "2.0", s.Version)
	assert.Equal(t, []string{"core", "ui"}, s.Modules)
	assert.Equal(t, []string{"mirror.example.test/demo/core:2.0"}, s.Needs[0].Images)
	assert.Equal(t, []string{"org.example.demo:demo-api:2.0"}, s.Needs[0].Maven)
	assert.Equal(t, "Point the nodes at the mirror before installing.", s.Needs[0].Notes)

	// Choosing extras pulls in ui (its dependency) and core (required);
	// version 1.0 replaces extras' list; files follow the architecture.
	s, err = demo.Select(Choice{Version: "1.0", Archs: []string{"arm64"}, Modules: []string{"extras"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"core", "ui", "extras"}, s.Modules)
	assert.Equal(t, "required", s.Why["core"])
	assert.Equal(t, "needed by extras", s.Why["ui"])
	assert.Equal(t, []string{"registry.example.test/demo/extras-legacy:1.0"}, s.Needs[2].Images)
	assert.Empty(t, s.Needs[2].Files, "version 1.0 replaces the module's lists, files included")

	s, err = demo.Select(Choice{Archs: []string{"arm64", "amd64", "arm64"}, Modules: []string{"extras"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"amd64", "arm64"}, s.Archs)
	require.Len(t, s.Needs[2].Files, 2)
	assert.Equal(t, "tool-2.0-linux-amd64.tar.gz", s.Needs[2].Files[0].Name)
}

func TestSelectRefusesUnknownNames(t *testing.T) {
	c, err := Load(demoCatalog)
	require.NoError(t, err)
	demo, _ := c.Target("demo")
	cases := map[string]struct {
		choice Choice
		want   string
	}{
		"version": {Choice{Version: "9.9", Archs: []string{"amd64"}}, `demo has no version "9.9" (versions: 2.0, 1.0)`},
		"arch":    {Choice{Archs: []string{"s390x"}}, "demo is not built for s390x (architectures: amd64, arm64)"},
		"module":  {Choice{Archs: []string{"amd64"}, Modules: []string{"nope"}}, `demo has no module "nope" (modules: core, ui, extras)`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := demo.Select(tc.choice)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrUnknown))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err = c.Target("nope")
	require.ErrorIs(t, err, ErrUnknown)
	assert.Contains(t, err.Error(), `there is no target "nope" in the catalog (targets: custom, demo, eks-anywhere, openshift, sonataflow)`)
}

func TestUserCatalogOverridesBuiltinByName(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(`apiVersion: ferry/v1
kind: Catalog
targets:
  - name: sonataflow
    title: Our own SonataFlow
    versions: [{version: "1"}]
    modules:
      - name: operator
        title: Operator
        required: true
        images: ["quay.io/ours/operator:${version}"]
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644))
	c, err := Load(dir)
	require.NoError(t, err)
	sf, err := c.Target("sonataflow")
	require.NoError(t, err)
	assert.Equal(t, "Our own SonataFlow", sf.Title)
	assert.Equal(t, filepath.Join(dir, "a.yaml"), sf.Source)

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	assert.ErrorContains(t, err, "does not exist")
}

func TestParseReportsFileLineAndWhat(t *testing.T) {
	head := "apiVersion: ferry/v1\nkind: Catalog\ntargets:\n"
	target := "  - name: t\n    title: T\n"
	cases := map[string]struct {
		yaml string
		want string
	}{
		"empty":            {"", "bad.yaml: the file is empty"},
		"syntax":           {head + "  - name: [\n", "bad.yaml:4:"},
		"api version":      {"apiVersion: ferry/v9\nkind: Catalog\n", `bad.yaml:1: apiVersion is "ferry/v9"`},
		"kind":             {"apiVersion: ferry/v1\nkind: Thing\n", `bad.yaml:1: kind is "Thing"`},
		"unknown field":    {head + target + "    colour: blue\n", `bad.yaml:6: unknown field "colour" in target`},
		"module typo":      {head + target + "    modules:\n      - name: m\n        title: M\n        image: [x]\n", `bad.yaml:9: unknown field "image" in module`},
		"bad name":         {head + "  - name: Bad_Name\n    title: T\n", `bad.yaml:4: target name "Bad_Name"`},
		"no title":         {head + "  - name: t\n", `bad.yaml:4: target "t" needs a title`},
		"arch":             {head + target + "    archs: [sparc]\n", `bad.yaml:4: target "t" names architecture "sparc"`},
		"dup target":       {head + target + target, `bad.yaml:6: target "t" is already defined at line 4`},
		"dup version":      {head + target + "    versions: [{version: '1'}, {version: '1'}]\n", `bad.yaml:6: version "1" is listed twice`},
		"dependsOn":        {head + target + "    modules:\n      - name: m\n        title: M\n        dependsOn: [x]\n", `bad.yaml:7: module "m" depends on "x"`},
		"unknown var":      {head + target + "    modules:\n      - name: m\n        title: M\n        images:\n          - quay.io/a/b:${nope}\n", `bad.yaml:10: "quay.io/a/b:${nope}" uses ${nope}, which is not defined`},
		"bad image":        {head + target + "    modules:\n      - name: m\n        title: M\n        images:\n          - quay.io/a/B:1\n", `bad.yaml:10: image "quay.io/a/B:1" is not a valid reference`},
		"no registry":      {head + target + "    modules:\n      - name: m\n        title: M\n        images:\n          - library/ubuntu:24.04\n", `bad.yaml:10: image "library/ubuntu:24.04" must name its registry`},
		"no host":          {head + target + "    modules:\n      - name: m\n        title: M\n        images:\n          - ubuntu:24.04\n", `bad.yaml:10: image "ubuntu:24.04" must name its registry`},
		"bad maven":        {head + target + "    modules:\n      - name: m\n        title: M\n        maven:\n          - org.example:only-two\n", `bad.yaml:10:`},
		"bad sha":          {head + target + "    modules:\n      - name: m\n        title: M\n        files:\n          - url: https://x.test/f\n            sha256: abc\n", `bad.yaml:10: file https://x.test/f needs sha256: with 64 hex digits`},
		"bad url":          {head + target + "    modules:\n      - name: m\n        title: M\n        files:\n          - url: ftp://x.test/f\n            sha256: " + strings.Repeat("a", 64) + "\n", `bad.yaml:10: file url "ftp://x.test/f" must be an http(s) URL`},
		"list type":        {head + target + "    archs: amd64\n", "bad.yaml:6: cannot unmarshal"},
		"maven image path": {head + target + "    modules:\n      - name: m\n        title: M\n        mavenFromImages:\n          - image: quay.io/a/b:1\n            path: home/m2\n", `bad.yaml:10: mavenFromImages path "home/m2" must be an absolute folder`},
		"maven image ref":  {head + target + "    modules:\n      - name: m\n        title: M\n        mavenFromImages:\n          - image: library/b:1\n            path: /m2\n", `bad.yaml:10: image "library/b:1" must name its registry`},
		"maven image key":  {head + target + "    modules:\n      - name: m\n        title: M\n        mavenFromImages:\n          - image: quay.io/a/b:1\n            folder: /m2\n", `bad.yaml:11: unknown field "folder" in mavenFromImages entry`},
		"version mod":      {head + target + "    versions:\n      - version: '1'\n        modules: {ghost: {images: []}}\n", `bad.yaml:7: version "1" lists items for module "ghost"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tc.yaml))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "one sentence, one line")
		})
	}
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile(demoCatalog)
	require.NoError(f, err)
	f.Add(data)
	f.Add([]byte("apiVersion: ferry/v1\nkind: Catalog\ntargets: [{name: a, title: A}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := Parse("fuzz.yaml", b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		for _, tg := range ts {
			if tg.Name == "" || tg.Title == "" {
				t.Fatalf("accepted a target without name or title: %+v", tg)
			}
		}
	})
}

func TestSelectExpandsMavenFromImages(t *testing.T) {
	c, err := Parse("c.yaml", []byte(`apiVersion: ferry/v1
kind: Catalog
targets:
  - name: flow
    title: Flow
    versions: [{version: "10.1.0"}]
    modules:
      - name: builder
        title: Builder
        required: true
        mavenFromImages:
          - image: docker.io/apache/incubator-kie-sonataflow-builder:${version}
            path: /home/kogito/.m2/repository
`))
	require.NoError(t, err)
	require.Len(t, c, 1)
	s, err := c[0].Select(Choice{Archs: []string{"amd64"}})
	require.NoError(t, err)
	require.Len(t, s.Needs, 1)
	require.Len(t, s.Needs[0].MavenFromImages, 1)
	assert.Equal(t, "docker.io/apache/incubator-kie-sonataflow-builder:10.1.0", s.Needs[0].MavenFromImages[0].Image)
	assert.Equal(t, "/home/kogito/.m2/repository", s.Needs[0].MavenFromImages[0].Path)
}
