package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/image"
	"ferry/artifacts/maven"
	"ferry/artifacts/plainfile"
	"ferry/artifacts/progress"
	"ferry/targets/catalog"
	"ferry/workflow/selection"
)

// fakeImages answers from a table: every image has a base layer shared with
// the others, a layer of its own per platform, and a manifest and config.
type fakeImages struct {
	mu    sync.Mutex
	calls int
	fail  map[string]error
}

func (f *fakeImages) Resolve(_ context.Context, ref string, archs []string) (*image.Resolved, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if err := f.fail[ref]; err != nil {
		return nil, err
	}
	r := &image.Resolved{Reference: ref, Digest: "sha256:idx-" + ref, Available: []string{"linux/amd64", "linux/arm64"}}
	r.Blobs = append(r.Blobs, image.Blob{Digest: r.Digest, Size: 100, Kind: image.KindIndex})
	for _, a := range archs {
		p := "linux/" + a
		r.Platforms = append(r.Platforms, p)
		r.Blobs = append(r.Blobs,
			image.Blob{Digest: "sha256:m-" + ref + a, Size: 10, Kind: image.KindManifest, Platforms: []string{p}},
			image.Blob{Digest: "sha256:c-" + ref + a, Size: 1, Kind: image.KindConfig, Platforms: []string{p}},
			image.Blob{Digest: "sha256:base-" + a, Size: 1000, Kind: image.KindLayer, Platforms: []string{p}},
			image.Blob{Digest: "sha256:own-" + ref + a, Size: 200, Kind: image.KindLayer, Platforms: []string{p}},
		)
	}
	return r, nil
}

type fakeMaven struct{}

func (fakeMaven) Resolve(_ context.Context, c maven.Coordinate) (maven.Artifact, error) {
	if c.ArtifactID == "missing" {
		return maven.Artifact{}, fmt.Errorf("%w: %s was not found in any Maven repository", maven.ErrNotFound, c)
	}
	files := []maven.File{{Path: c.Dir() + "/a.pom", Size: 50}, {Path: c.Dir() + "/a.jar", Size: 500}}
	return maven.Artifact{Coordinate: c, Packaging: "jar", Files: files, Size: 550}, nil
}

type fakeFiles struct{}

func (fakeFiles) Size(_ context.Context, url string) (int64, error) { return 7000, nil }

func demoPlanner(t *testing.T) (*Planner, *fakeImages) {
	t.Helper()
	cat, err := catalog.Load("../../testdata/catalogs/demo.yaml")
	require.NoError(t, err)
	imgs := &fakeImages{fail: map[string]error{}}
	return &Planner{Catalog: cat, Images: imgs, Maven: fakeMaven{}, Files: fakeFiles{}, Concurrency: 3}, imgs
}

func TestPlanTotalsAndSharing(t *testing.T) {
	p, imgs := demoPlanner(t)
	var events []progress.Event
	var mu sync.Mutex
	p.Progress = func(e progress.Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	pl, err := p.Plan(context.Background(), selection.Selection{
		Target: "demo", Archs: []string{"amd64"}, Modules: []string{"extras"},
		Images: []string{"quay.io/own/tool:1", "mirror.example.test/demo/ui:2.0"},
		Maven:  []string{"org.example:lib:1.0"},
	})
	require.NoError(t, err)
	assert.Equal(t, FormatVersion, pl.FormatVersion)
	assert.Equal(t, 4, imgs.calls, "ui is listed by the module and the list but resolved once")
	require.Len(t, pl.Images, 4)
	assert.Equal(t, []string{"ui", ""}, pl.Images[1].Modules)
	assert.Equal(t, []Module{{Name: "core", Title: "Core", Reason: "required"}, {Name: "ui", Title: "Web console", Reason: "needed by extras"}, {Name: "extras", Title: "Extras"}}, pl.Selection.Modules)

	// Per image: index 100 + manifest 10 + config 1 + base 1000 + own 200.
	for _, im := range pl.Images {
		assert.EqualValues(t, 1311, im.Size, im.Reference)
		assert.EqualValues(t, 1000, im.Shared, "the base layer is shared by all four")
	}
	tot := pl.Totals
	assert.Equal(t, Sum{Count: 4, Listed: 4 * 1311, Unique: 4*311 + 1000}, tot.Images)
	assert.Equal(t, Sum{Count: 2, Listed: 1100, Unique: 1100}, tot.Maven)
	assert.Equal(t, Sum{Count: 1, Listed: 7000, Unique: 7000}, tot.Files, "only the amd64 file")
	assert.Equal(t, tot.Images.Listed+tot.Maven.Listed+tot.Files.Listed, tot.Listed)
	assert.Equal(t, tot.Images.Unique+tot.Maven.Unique+tot.Files.Unique, tot.Unique)
	assert.Equal(t, []ArchTotal{{Arch: "amd64", Size: 4*211 + 1000}}, tot.Archs, "indexes are not per architecture")
	assert.Equal(t, []ModuleTotal{
		{Module: "core", Listed: 1311 + 550, Unique: 1311 + 550},
		{Module: "ui", Listed: 1311, Unique: 1311},
		{Module: "extras", Listed: 1311 + 7000, Unique: 1311 + 7000},
		{Module: "", Listed: 2*1311 + 550, Unique: 2*311 + 1000 + 550},
	}, tot.Modules)
	assert.Equal(t, []Note{{Module: "core", Text: "Point the nodes at the mirror before installing."}}, pl.Notes)
	assert.Len(t, events, 4+2+1)
	assert.Equal(t, 7, events[len(events)-1].ItemsDone)
	assert.Equal(t, "DVD", pl.SmallestFit())
}

func TestPlanArchTotalsForTwoArchitectures(t *testing.T) {
	p, _ := demoPlanner(t)
	pl, err := p.Plan(context.Background(), selection.Selection{Target: "demo", Archs: []string{"arm64", "amd64"}})
	require.NoError(t, err)
	// core and ui: per arch 2×(10+1+200) + the arch's base layer.
	assert.Equal(t, []ArchTotal{{Arch: "amd64", Size: 2*211 + 1000}, {Arch: "arm64", Size: 2*211 + 1000}}, pl.Totals.Archs)
	assert.EqualValues(t, 2*100+2*(2*211+1000), pl.Totals.Images.Unique)
}

func TestPlanReportsEveryFailureTogether(t *testing.T) {
	p, imgs := demoPlanner(t)
	imgs.fail["mirror.example.test/demo/core:2.0"] = errors.New("mirror.example.test/demo/core:2.0 does not exist: check the tag")
	imgs.fail["quay.io/own/x:1"] = errors.New("quay.io refused the credentials")
	pl, err := p.Plan(context.Background(), selection.Selection{
		Target: "demo", Archs: []string{"amd64"},
		Images: []string{"quay.io/own/x:1"}, Maven: []string{"org.example:missing:1"},
	})
	require.ErrorIs(t, err, ErrIncomplete)
	require.NotNil(t, pl)
	assert.Contains(t, err.Error(), "3 of 5 items failed")
	var items []string
	for _, e := range pl.Errors {
		items = append(items, e.Kind+" "+e.Item)
	}
	sort.Strings(items)
	assert.Equal(t, []string{"image mirror.example.test/demo/core:2.0", "image quay.io/own/x:1", "maven org.example:missing:1"}, items)
	assert.Equal(t, []string{"core"}, pl.Errors[0].Modules)
	require.Len(t, pl.Images, 1, "what resolved is still in the plan")
}

func TestPlanRefusesBadSelections(t *testing.T) {
	p, _ := demoPlanner(t)
	for _, tc := range []struct {
		sel  selection.Selection
		want string
	}{
		{selection.Selection{Archs: []string{"amd64"}}, "choose a target with the target setting"},
		{selection.Selection{Target: "nope", Archs: []string{"amd64"}}, `there is no target "nope"`},
		{selection.Selection{Target: "demo", Version: "3", Archs: []string{"amd64"}}, `demo has no version "3"`},
		{selection.Selection{Target: "demo", Archs: []string{"riscv64"}}, "demo is not built for riscv64"},
		{selection.Selection{Target: "demo", Archs: []string{"amd64"}, Modules: []string{"x"}}, `demo has no module "x"`},
		{selection.Selection{Target: "custom", Version: "1", Images: []string{"quay.io/a/b:1"}, Archs: []string{"amd64"}}, "custom has no versions"},
	} {
		pl, err := p.Plan(context.Background(), tc.sel)
		assert.Nil(t, pl)
		require.ErrorIs(t, err, ErrSelection)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestPlanOwnListsAloneUseTheCustomTarget(t *testing.T) {
	p, _ := demoPlanner(t)
	pl, err := p.Plan(context.Background(), selection.Selection{Archs: []string{"amd64"}, Images: []string{"quay.io/a/b:1"}})
	require.NoError(t, err)
	assert.Equal(t, CustomTarget, pl.Selection.Target)
	assert.Empty(t, pl.Selection.Modules)
	assert.Equal(t, []string{""}, pl.Images[0].Modules)
}

func TestPlanStopsWhenCancelled(t *testing.T) {
	p, _ := demoPlanner(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Plan(ctx, selection.Selection{Target: "demo", Archs: []string{"amd64"}})
	require.ErrorIs(t, err, context.Canceled)
}

func TestFitMedia(t *testing.T) {
	m := FitMedia(8_000_000_000)
	fits := map[string]bool{}
	for _, x := range m {
		fits[x.Name] = x.Fits
	}
	assert.False(t, fits["DVD"])
	assert.False(t, fits["8 GB stick"], "an 8 GB stick does not hold 8 GB once formatted")
	assert.False(t, fits["DVD DL"])
	assert.True(t, fits["16 GB stick"])
	assert.Equal(t, "16 GB stick", (&Plan{Media: m}).SmallestFit())
	assert.Equal(t, "", (&Plan{Media: FitMedia(1 << 40)}).SmallestFit())
}

func writeCatalog(t *testing.T, content string) string {
	t.Helper()
	p := t.TempDir() + "/catalog.yaml"
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestPlanRefusesTwoFilesOfOneName(t *testing.T) {
	p, _ := demoPlanner(t)
	sum := "0000000000000000000000000000000000000000000000000000000000000000"
	pl, err := p.Plan(context.Background(), selection.Selection{Archs: []string{"amd64"}, Files: []plainfile.Entry{
		{URL: "https://example.test/1.29/containerd.tar.gz", SHA256: sum, Name: "containerd.tar.gz"},
		{URL: "https://example.test/1.30/containerd.tar.gz", SHA256: sum, Name: "containerd.tar.gz"},
	}})
	require.ErrorIs(t, err, ErrIncomplete)
	require.Len(t, pl.Errors, 1)
	assert.Contains(t, pl.Errors[0].Message, "would both be carried as containerd.tar.gz")
}
