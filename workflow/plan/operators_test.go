package plan

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/image"
	"ferry/artifacts/olm"
	"ferry/artifacts/olm/olmtest"
	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
	"ferry/targets/catalog"
	"ferry/workflow/selection"
)

func operatorPlanner(t *testing.T, reg *registrytest.Registry) *Planner {
	t.Helper()
	acc, err := source.New(source.Options{InsecureHosts: []string{reg.Host}})
	require.NoError(t, err)
	res, err := image.NewResolver(acc)
	require.NoError(t, err)
	cat, err := catalog.Load(writeCatalog(t, "apiVersion: ferry/v1\nkind: Catalog\ntargets: []\n"))
	require.NoError(t, err)
	return &Planner{Catalog: cat, Images: res, Operators: &olm.Reader{Access: acc, TempDir: t.TempDir()}}
}

func TestOperatorsJoinThePlan(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	cat := olmtest.Push(t, reg, olmtest.Options{})
	p := operatorPlanner(t, reg)
	pl, err := p.Plan(context.Background(), selection.Selection{Archs: []string{"amd64"},
		Operators: []olm.Wish{{Catalog: cat.Ref, Package: "logic-operator"}}})
	require.NoError(t, err)

	var want []string
	for _, short := range olmtest.Wanted {
		want = append(want, cat.Images[short])
	}
	want = append(want, cat.Ref)
	var got []string
	whys := map[string]string{}
	for _, im := range pl.Images {
		got = append(got, im.Reference)
		whys[im.Reference] = im.Why
	}
	assert.ElementsMatch(t, want, got, "the heads' bundles and related images, what they require, and the catalog; nothing of other packages or older bundles")
	assert.Equal(t, "bundle logic-operator.v1.2.0 of logic-operator (channel alpha), listed", whys[cat.Images["logic bundle 1.2.0"]], "a bundle its own related image keeps the first reason")
	assert.Equal(t, "related image runtime of bundle logic-operator.v1.2.0", whys[cat.Images["logic runtime"]])
	assert.Equal(t, "bundle data-index.v2.1.0 of data-index (channel stable), required by logic-operator.v1.2.0 (logic-operator): package data-index >=2.0.0 <3.0.0", whys[cat.Images["data-index bundle 2.1.0"]])
	assert.Equal(t, "bundle prom.v0.9.0 of prom (channel beta), required by logic-operator.v1.2.0 (logic-operator): API monitoring.example.test/v1 Prometheus", whys[cat.Images["prom bundle 0.9.0"]])
	assert.Equal(t, "filtered catalog: logic-operator, data-index, prom of its 4 packages", whys[cat.Ref])

	require.Len(t, pl.Operators, 1)
	oc := pl.Operators[0]
	assert.Equal(t, cat.Digest, oc.SourceDigest)
	i := slices.IndexFunc(pl.Images, func(im Image) bool { return im.Reference == cat.Ref })
	assert.Equal(t, oc.Digest, pl.Images[i].Digest)
	assert.NotEqual(t, cat.Digest, oc.Digest)
	var pkgs []string
	for _, pk := range oc.Packages {
		pkgs = append(pkgs, pk.Name+" "+pk.Channel+" "+pk.Version)
	}
	assert.Equal(t, []string{"logic-operator alpha 1.2.0", "data-index stable 2.1.0", "prom beta 0.9.0"}, pkgs)
	var layers []bool
	for _, b := range pl.Images[i].Blobs {
		_, made := pl.Generated[b.Digest]
		if b.Kind != image.KindLayer {
			assert.True(t, made, "the %s is made here", b.Kind)
			continue
		}
		layers = append(layers, made)
	}
	assert.Equal(t, []bool{false, false, false, true}, layers, "the catalog's own layers, then the one made here")
	assert.Greater(t, pl.Totals.Unique, int64(0))
	require.Len(t, pl.Notes, 1)
	assert.Equal(t, "read the catalog "+cat.Ref+" (4 packages in /configs); carried a copy filtered to logic-operator 1.2.0 (channel alpha), data-index 2.1.0 (channel stable), prom 0.9.0 (channel beta)", pl.Notes[0].Text)
}

func TestOperatorsBadInput(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	cat := olmtest.Push(t, reg, olmtest.Options{})
	bare := olmtest.Push(t, reg, olmtest.Options{Repo: "ops/sqlite-catalog", NoLabel: true})
	p := operatorPlanner(t, reg)
	pl, err := p.Plan(context.Background(), selection.Selection{Archs: []string{"amd64"}, Operators: []olm.Wish{
		{Catalog: cat.Ref, Package: "nope"},
		{Catalog: cat.Ref, Package: "logic-operator", Channel: "fast"},
		{Catalog: bare.Ref, Package: "logic-operator"},
	}})
	require.True(t, errors.Is(err, ErrIncomplete), "%v", err)
	var msgs []string
	for _, e := range pl.Errors {
		assert.Equal(t, "operator", e.Kind)
		msgs = append(msgs, e.Message)
	}
	assert.ElementsMatch(t, []string{
		"the catalog " + cat.Ref + ` has no package "nope" (it has data-index, logic-operator, other, prom)`,
		"the package logic-operator in " + cat.Ref + ` has no channel "fast" (it has alpha, stable)`,
		bare.Ref + " has no operators.operatorframework.io.index.configs.v1 label, so it is not a file-based catalog (an old SQLite catalog, or not a catalog at all): name a catalog image of OpenShift 4.11 or later",
	}, msgs)
}

func TestBundleImagesOfAnotherArchitecture(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	both := []string{"linux/amd64", "linux/arm64"}
	cat := olmtest.Push(t, reg, olmtest.Options{Platforms: both, RelatedPlatforms: both})
	p := operatorPlanner(t, reg)
	pl, err := p.Plan(context.Background(), selection.Selection{Archs: []string{"arm64"},
		Operators: []olm.Wish{{Catalog: cat.Ref, Package: "logic-operator"}}})
	require.NoError(t, err)
	for _, im := range pl.Images {
		want := []string{"linux/arm64"}
		if strings.Contains(im.Reference, "-bundle@") {
			want = []string{"linux/amd64"}
		}
		assert.Equal(t, want, im.Platforms, im.Reference)
	}
}
