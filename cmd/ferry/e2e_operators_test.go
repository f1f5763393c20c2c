//go:build e2e

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"ferry/artifacts/olm"
	"ferry/artifacts/olm/olmtest"
	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
)

// TestE2EOperators: a file-based catalog with several packages is planned
// (from a catalog module), prepared (from an operators file), verified,
// imported into a site registry and configured for OpenShift; the catalog
// at the site holds exactly the chosen packages and the CatalogSource
// points at it by digest.
func TestE2EOperators(t *testing.T) {
	up := registrytest.StartDistribution(t)
	cat := olmtest.Push(t, up, olmtest.Options{Platforms: []string{"linux/amd64", "linux/arm64"}})
	catalogFile := writeFile(t, "catalog.yaml", fmt.Sprintf(`apiVersion: ferry/v1
kind: Catalog
targets:
  - name: flow
    title: Flow
    archs: [amd64]
    versions: [{version: "1.0"}]
    modules:
      - name: olm
        title: Operator through OLM
        required: true
        operators:
          - catalog: %s
            package: logic-operator
`, cat.Ref))

	p, code, stderr := planJSON(t, "--catalog", catalogFile, "plan", "--target", "flow", "--arch", "amd64", "--insecure-source", up.Host)
	require.Equal(t, 0, code, stderr)
	var refs []string
	for _, im := range p.Images {
		refs = append(refs, im.Reference)
		assert.Equal(t, []string{"olm"}, im.Modules, im.Reference)
		assert.NotEmpty(t, im.Why, im.Reference)
	}
	want := []string{cat.Ref}
	for _, short := range olmtest.Wanted {
		want = append(want, cat.Images[short])
	}
	assert.ElementsMatch(t, want, refs)
	require.Len(t, p.Operators, 1)
	filtered := p.Operators[0].Digest

	// The same wish from an operators file makes the same bundle.
	ops := writeFile(t, "operators.txt", "# the workflow operator\n"+cat.Ref+" logic-operator alpha\n")
	out := t.TempDir()
	code, _, stderr = ferry(t, "prepare", "--operators", ops, "--arch", "amd64", "--insecure-source", up.Host,
		"--cache", t.TempDir(), "--output", out, "--name", "flow-ops", "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	code, _, stderr = ferry(t, "verify", out)
	require.Equal(t, 0, code, stderr)

	site := registrytest.StartDistribution(t)
	code, _, stderr = ferry(t, "import", out, "--registry", site.Host+"/mirror", "--insecure")
	require.Equal(t, 0, code, stderr)
	for _, short := range olmtest.Wanted {
		ref := strings.Replace(cat.Images[short], up.Host+"/", site.Host+"/mirror/", 1)
		d, err := crane.Digest(ref, crane.Insecure)
		require.NoError(t, err, short)
		assert.Equal(t, cat.Pushed[short].Digest, d, short)
	}
	siteCatalog := site.Host + "/mirror/ops/catalog"
	d, err := crane.Digest(siteCatalog+":v1", crane.Insecure)
	require.NoError(t, err)
	assert.Equal(t, filtered, d, "the filtered catalog, under the catalog's tag")

	// Read back: only the chosen packages, the label kept.
	acc, err := source.New(source.Options{InsecureHosts: []string{site.Host}})
	require.NoError(t, err)
	back, err := (&olm.Reader{Access: acc, TempDir: t.TempDir()}).Read(context.Background(), siteCatalog+"@"+filtered, []string{"amd64"})
	require.NoError(t, err)
	assert.Equal(t, []string{"data-index", "logic-operator", "prom"}, back.Catalog.PackageNames())
	assert.Equal(t, "/configs", back.ConfigsDir)
	assert.Equal(t, "/tmp/cache", back.CacheDir, "the cache label stays; its folder is gone")
	assert.Nil(t, back.Catalog.Packages["logic-operator"].Deprecations, "its notices name a channel and bundles not carried")
	assert.Equal(t, []string{"logic-operator.v1.2.0"}, slices.Sorted(func(yield func(string) bool) {
		for k := range back.Catalog.Packages["logic-operator"].Bundles {
			if !yield(k) {
				return
			}
		}
	}))

	cfg := t.TempDir()
	code, stdout, stderr := ferry(t, "configure", "--bundle", out, "--registry", site.Host+"/mirror", "--insecure", "--platform", "openshift", "--output", cfg)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "STEPS.md")
	var cs struct {
		Kind     string
		Metadata struct{ Name, Namespace string }
		Spec     struct{ SourceType, Image string } `yaml:"spec"`
	}
	data, err := os.ReadFile(filepath.Join(cfg, "openshift/catalogsource-flow-ops-catalog.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &cs))
	assert.Equal(t, "CatalogSource", cs.Kind)
	assert.Equal(t, "openshift-marketplace", cs.Metadata.Namespace)
	assert.Equal(t, siteCatalog+"@"+filtered, cs.Spec.Image)
	assert.FileExists(t, filepath.Join(cfg, "openshift/clustercatalog-flow-ops-catalog.yaml"))
	subs, err := os.ReadFile(filepath.Join(cfg, "openshift/subscriptions-flow-ops-catalog.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(subs), "name: logic-operator")
	assert.NotContains(t, string(subs), "name: data-index", "OLM installs what the listed operator requires")
	idms, err := os.ReadFile(filepath.Join(cfg, "openshift/imagedigestmirrorset.yaml"))
	require.NoError(t, err)
	for _, repo := range []string{"ops/logic-bundle", "ops/logic-operator", "ops/logic-runtime", "ops/data-index", "ops/prom-bundle"} {
		assert.Contains(t, string(idms), "source: "+up.Host+"/"+repo+"\n", "the digest mirrors cover %s", repo)
	}
	steps, err := os.ReadFile(filepath.Join(cfg, "openshift/STEPS.md"))
	if err != nil {
		steps, err = os.ReadFile(filepath.Join(cfg, "STEPS.md"))
	}
	require.NoError(t, err)
	assert.Contains(t, string(steps), "Subscriptions")
}

// TestE2EOperatorsBadInput: each mistake is one sentence naming what
// there is.
func TestE2EOperatorsBadInput(t *testing.T) {
	up := registrytest.StartInProcess(t)
	cat := olmtest.Push(t, up, olmtest.Options{})
	bare := olmtest.Push(t, up, olmtest.Options{Repo: "ops/sqlite", NoLabel: true})
	for _, tc := range []struct{ line, want string }{
		{cat.Ref + " nope", `has no package "nope" (it has data-index, logic-operator, other, prom)`},
		{cat.Ref + " logic-operator beta", `has no channel "beta" (it has alpha, stable)`},
		{bare.Ref + " logic-operator", "has no operators.operatorframework.io.index.configs.v1 label"},
		{cat.Ref, "write CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE]"},
		{cat.Ref + " logic-operator alpha >=3.0.0", "channel alpha of package logic-operator has no version in the range >=3.0.0 (it has 1.0.0, 1.1.0, 1.1.1, 1.2.0)"},
		{cat.Ref + " logic-operator alpha >=1.0.0 <", `the version range ">=1.0.0 <" cannot be read: write it as OLM does, for example ">=1.2.0 <1.4.0"`},
	} {
		ops := writeFile(t, "operators.txt", tc.line+"\n")
		code, _, stderr := ferry(t, "plan", "--operators", ops, "--arch", "amd64", "--insecure-source", up.Host)
		assert.NotEqual(t, 0, code, tc.line)
		assert.Contains(t, stderr, tc.want, tc.line)
	}
}

// TestE2EOperatorsVersionRange: a version range carries every bundle of
// the channel in it; the filtered catalog at the site holds exactly
// those, as a channel opm validate accepts, with the deprecation notices
// of what it holds and no others.
func TestE2EOperatorsVersionRange(t *testing.T) {
	up := registrytest.StartInProcess(t)
	cat := olmtest.Push(t, up, olmtest.Options{})
	ops := writeFile(t, "operators.txt", cat.Ref+" logic-operator alpha >=1.1.0\n")
	p, code, stderr := planJSON(t, "plan", "--operators", ops, "--arch", "amd64", "--insecure-source", up.Host)
	require.Equal(t, 0, code, stderr)
	var refs []string
	for _, im := range p.Images {
		refs = append(refs, im.Reference)
	}
	for _, short := range []string{"logic bundle 1.1.0", "logic bundle 1.1.1", "logic bundle 1.2.0", "logic operator old", "logic operator"} {
		assert.Contains(t, refs, cat.Images[short], short)
	}
	assert.NotContains(t, refs, cat.Images["logic bundle 1.0.0"], "1.0.0 is out of the range")

	out := t.TempDir()
	code, _, stderr = ferry(t, "prepare", "--operators", ops, "--arch", "amd64", "--insecure-source", up.Host,
		"--cache", t.TempDir(), "--output", out, "--name", "range", "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	site := registrytest.StartInProcess(t)
	code, _, stderr = ferry(t, "import", out, "--registry", site.Host+"/mirror", "--insecure")
	require.Equal(t, 0, code, stderr)

	acc, err := source.New(source.Options{InsecureHosts: []string{site.Host}})
	require.NoError(t, err)
	back, err := (&olm.Reader{Access: acc, TempDir: t.TempDir()}).Read(context.Background(), site.Host+"/mirror/ops/catalog@"+p.Operators[0].Digest, []string{"amd64"})
	require.NoError(t, err)
	logic := back.Catalog.Packages["logic-operator"]
	require.NotNil(t, logic)
	assert.ElementsMatch(t, []string{"logic-operator.v1.1.0", "logic-operator.v1.1.1", "logic-operator.v1.2.0"}, slices.Collect(maps.Keys(logic.Bundles)))
	assert.Equal(t, []string{"alpha"}, logic.ChannelNames())
	require.NoError(t, olm.ValidChain(logic.Channels["alpha"]))
	var dep struct {
		Entries []struct{ Reference struct{ Schema, Name string } }
	}
	require.NoError(t, json.Unmarshal(logic.Deprecations, &dep))
	require.Len(t, dep.Entries, 1, "only the notice of a carried bundle")
	assert.Equal(t, "logic-operator.v1.1.1", dep.Entries[0].Reference.Name)
	assert.Nil(t, back.Catalog.Packages["data-index"].Deprecations)
	assert.NotContains(t, back.Catalog.PackageNames(), "other")
}
