package prepare

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/download"
	"ferry/artifacts/image"
	"ferry/artifacts/maven"
	"ferry/artifacts/maven/maventest"
	"ferry/artifacts/progress"
	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
	"ferry/targets/catalog"
	"ferry/workflow/plan"
	"ferry/workflow/selection"
)

type fixture struct {
	reg   *registrytest.Registry
	mvn   *maventest.Server
	plan  *plan.Plan
	prep  *Preparer
	cache *download.Cache
	// planAgain resolves the same selection again (after a push).
	planAgain func(t *testing.T) *plan.Plan
}

func newFixture(t *testing.T, sidecarOK bool) *fixture {
	t.Helper()
	reg := registrytest.StartInProcess(t)
	reg.Push(t, registrytest.ImageSpec{Repo: "demo/app", Tag: "1", Platforms: []string{"linux/amd64", "linux/arm64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 50_000}, {Name: "app", Size: 10_000}}})
	root := t.TempDir()
	c := maven.Coordinate{GroupID: "org.example", ArtifactID: "lib", Version: "1.0"}
	maventest.WriteArtifact(t, root, c, "jar", []byte("the jar"), "sha1")
	if !sidecarOK {
		require.NoError(t, os.WriteFile(filepath.Join(root, "org/example/lib/1.0/lib-1.0.jar.sha1"), []byte("0000000000000000000000000000000000000000"), 0o644))
	}
	mvn := maventest.NewServer(t, root)
	acc, err := source.New(source.Options{InsecureHosts: []string{reg.Host}})
	require.NoError(t, err)
	res, err := image.NewResolver(acc)
	require.NoError(t, err)
	cat, err := catalog.Builtin()
	require.NoError(t, err)
	planAgain := func(t *testing.T) *plan.Plan {
		pl, err := (&plan.Planner{Catalog: cat, Images: res, Maven: &maven.Resolver{Repositories: []string{mvn.URL}}}).Plan(context.Background(),
			selection.Selection{Archs: []string{"amd64"}, Images: []string{reg.Host + "/demo/app:1"}, Maven: []string{c.String()}})
		require.NoError(t, err)
		return pl
	}
	pl := planAgain(t)
	cache, err := download.OpenCache(t.TempDir())
	require.NoError(t, err)
	return &fixture{reg: reg, mvn: mvn, plan: pl, cache: cache, planAgain: planAgain,
		prep: &Preparer{Downloader: &download.Downloader{Cache: cache, Access: acc, Retry: download.Retry{Attempts: 1}}}}
}

func TestTooLittleSpaceIsRefusedBeforeAnyDownload(t *testing.T) {
	f := newFixture(t, true)
	before := len(f.mvn.Requests())
	f.prep.Space = func(string) (Space, error) { return Space{Free: 10_000, Device: 1}, nil }
	_, err := f.prep.Prepare(context.Background(), f.plan, Options{Output: t.TempDir()})
	var se *SpaceError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, err.Error(), "the bundle and the download cache together needs")
	assert.Contains(t, err.Error(), "but only 9.8 KiB is free")
	assert.Equal(t, before, len(f.mvn.Requests()), "nothing was fetched")
	entries, _ := os.ReadDir(filepath.Join(f.cache.Dir, "blobs", "sha256"))
	assert.Empty(t, entries)

	// Separate devices: the bundle alone must fit the output.
	f.prep.Space = func(p string) (Space, error) {
		if p == f.cache.Dir {
			return Space{Free: 1 << 40, Device: 2}, nil
		}
		return Space{Free: 1000, Device: 1}, nil
	}
	_, err = f.prep.Prepare(context.Background(), f.plan, Options{Output: t.TempDir()})
	require.ErrorAs(t, err, &se)
	assert.Contains(t, err.Error(), "the bundle needs")
	assert.Contains(t, err.Error(), "use a larger medium or a smaller selection")
}

func TestSpaceAFileSystemDoesNotTellIsNotChecked(t *testing.T) {
	unknown := Space{Unknown: true, Device: 1}
	assert.NoError(t, checkSpace("out", "cache", unknown, unknown, 1<<40, 1<<40), "one file system that does not say")
	// The cache elsewhere is still checked.
	err := checkSpace("out", "cache", unknown, Space{Free: 10, Device: 2}, 1<<40, 1000)
	var se *SpaceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "cache", se.Path)
	assert.NoError(t, checkSpace("out", "cache", Space{Free: 1 << 41, Device: 1}, Space{Unknown: true, Device: 2}, 1<<40, 1<<40))
}

func TestPrepareEventsAndResult(t *testing.T) {
	f := newFixture(t, true)
	var mu sync.Mutex
	var events []progress.Event
	f.prep.Progress = func(e progress.Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	out := t.TempDir()
	sel := selection.Selection{Archs: []string{"amd64"}}
	res, err := f.prep.Prepare(context.Background(), f.plan, Options{Output: out, Answers: &sel})
	require.NoError(t, err)
	assert.Equal(t, "custom", res.Index.Name)
	assert.Equal(t, res.Index.Size, mustSize(t, out, res.Index))
	assert.FileExists(t, res.Answers)
	assert.FileExists(t, res.ReadMe)
	readme, _ := os.ReadFile(res.ReadMe)
	assert.Contains(t, string(readme), "THE CODE OF THIS BUNDLE IS:  "+res.Index.ShortCode)

	var lastDownload progress.Event
	prev := int64(-1)
	for _, e := range events {
		if e.Stage == progress.StageDownload {
			assert.GreaterOrEqual(t, e.BytesDone, prev, "progress never goes backwards")
			prev = e.BytesDone
			lastDownload = e
		}
	}
	assert.Equal(t, lastDownload.BytesTotal, lastDownload.BytesDone)
	assert.Equal(t, lastDownload.ItemsTotal, lastDownload.ItemsDone)
	assert.Equal(t, progress.StageDone, events[len(events)-1].Stage)

	b, err := bundle.Open(out)
	require.NoError(t, err)
	_, err = b.Verify(t.Context(), false, nil)
	require.NoError(t, err)

	// A second run fetches nothing: everything comes from the cache.
	res, err = f.prep.Prepare(context.Background(), f.plan, Options{Output: t.TempDir()})
	require.NoError(t, err)
	assert.Zero(t, res.Fetched)
}

func mustSize(t *testing.T, dir string, idx bundle.Index) int64 {
	var n int64
	for _, p := range idx.Parts {
		st, err := os.Stat(filepath.Join(dir, p.Name))
		require.NoError(t, err)
		n += st.Size()
	}
	return n
}

func TestMavenChecksumMismatchFails(t *testing.T) {
	f := newFixture(t, false)
	_, err := f.prep.Prepare(context.Background(), f.plan, Options{Output: t.TempDir()})
	require.Error(t, err)
	assert.True(t, errors.Is(err, download.ErrDigestMismatch))
	assert.Contains(t, err.Error(), "the Maven file org/example/lib/1.0/lib-1.0.jar from "+f.mvn.URL+" does not match its .sha1 checksum")
	assert.NoFileExists(t, f.cache.MavenPath("org/example/lib/1.0/lib-1.0.jar"))
}

func TestCancelledPrepareStops(t *testing.T) {
	f := newFixture(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := t.TempDir()
	_, err := f.prep.Prepare(ctx, f.plan, Options{Output: out})
	require.ErrorIs(t, err, context.Canceled)
	matches, _ := filepath.Glob(filepath.Join(out, "*.ferry.json"))
	assert.Empty(t, matches)
}

// TestBundleEntryOrder pins the format's entry order: the manifest, the
// image blobs (layers and configs, then manifests, then indexes, each by
// digest), the OCI layout's index.json and oci-layout, the Maven files and
// plain files by path, and SHA256SUMS last.
func TestBundleEntryOrder(t *testing.T) {
	f := newFixture(t, true)
	out := t.TempDir()
	_, err := f.prep.Prepare(context.Background(), f.plan, Options{Output: out})
	require.NoError(t, err)

	rank := map[string]int{image.KindLayer: 0, image.KindConfig: 0, image.KindManifest: 1, image.KindIndex: 2}
	var blobs [3][]string
	seen := map[string]bool{}
	for _, im := range f.plan.Images {
		for _, b := range im.Blobs {
			if !seen[b.Digest] {
				seen[b.Digest] = true
				blobs[rank[b.Kind]] = append(blobs[rank[b.Kind]], "images/blobs/sha256/"+b.Digest[len("sha256:"):])
			}
		}
	}
	want := []string{"ferry-bundle.json"}
	for _, group := range blobs {
		sort.Strings(group)
		want = append(want, group...)
	}
	want = append(want, "images/index.json", "images/oci-layout")
	var mvn []string
	for _, m := range f.plan.Maven {
		for _, file := range m.Files {
			mvn = append(mvn, "maven/"+file.Path)
		}
	}
	sort.Strings(mvn)
	want = append(want, mvn...)
	want = append(want, "SHA256SUMS")
	require.Greater(t, len(blobs[0]), 2)
	require.NotEmpty(t, blobs[1])
	require.NotEmpty(t, mvn)

	b, err := bundle.Open(out)
	require.NoError(t, err)
	var got []string
	require.NoError(t, b.Walk(t.Context(), func(hdr *tar.Header, _ io.Reader) error {
		got = append(got, hdr.Name)
		return nil
	}))
	assert.Equal(t, want, got)
}

func TestExtrasGoThroughTheFileSystemGiven(t *testing.T) {
	f := newFixture(t, true)
	mem := afero.NewMemMapFs()
	f.prep.Fs = mem
	out := t.TempDir()
	sel := selection.Selection{Archs: []string{"amd64"}}
	res, err := f.prep.Prepare(context.Background(), f.plan, Options{Output: out, Answers: &sel})
	require.NoError(t, err)
	readme, err := afero.ReadFile(mem, res.ReadMe)
	require.NoError(t, err)
	assert.Contains(t, string(readme), res.Index.ShortCode)
	answers, err := afero.ReadFile(mem, res.Answers)
	require.NoError(t, err)
	assert.Contains(t, string(answers), "amd64")
	assert.NoFileExists(t, res.ReadMe, "not on the OS's file system")
	assert.NoFileExists(t, res.Answers)
	assert.FileExists(t, filepath.Join(out, bundle.IndexName(res.Index.Name)), "the bundle itself is on disk")
}

func TestAPlanReadBackWithoutItsFilteredCatalogIsRefused(t *testing.T) {
	f := newFixture(t, true)
	sum := sha256.Sum256([]byte("{}"))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	f.plan.Operators = []plan.OperatorCatalog{{Catalog: f.reg.Host + "/ops/catalog:v1", Digest: digest}}
	f.plan.Generated = map[string][]byte{digest: []byte("{}")}
	raw, err := json.Marshal(f.plan)
	require.NoError(t, err)
	var back plan.Plan
	require.NoError(t, json.Unmarshal(raw, &back))
	before := len(f.mvn.Requests())
	out := t.TempDir()
	_, err = f.prep.Prepare(context.Background(), &back, Options{Output: out})
	require.Error(t, err)
	assert.Equal(t, "the plan carries a filtered copy of the catalog "+f.reg.Host+"/ops/catalog:v1 ("+digest+
		"), which is made when the selection is planned and is not kept in a plan read back from JSON: plan the selection again and prepare that plan", err.Error())
	assert.Equal(t, before, len(f.mvn.Requests()), "nothing was fetched")
	entries, _ := os.ReadDir(out)
	assert.Empty(t, entries, "nothing was written")

	// The plan as made holds it.
	assert.NoError(t, generatedHeld(f.plan, f.cache))
	// So does a cache an earlier prepare of that plan filled.
	require.NoError(t, f.cache.PutBlob(digest, []byte("{}")))
	assert.NoError(t, generatedHeld(&back, f.cache))
}

// TestACachedFileStopsBeingCopiedWhenCancelled: a large blob copied from
// the cache into the parts stops at the next read once prepare is
// stopped, not at its end.
func TestACachedFileStopsBeingCopiedWhenCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blob")
	require.NoError(t, os.WriteFile(path, make([]byte, 4<<20), 0o644))
	ctx, cancel := context.WithCancel(t.Context())
	open, done := openFile(ctx, path)
	defer done()
	r, err := open(1 << 20)
	require.NoError(t, err)
	buf := make([]byte, 1<<20)
	n, err := r.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, 1<<20, n)
	cancel()
	_, err = r.Read(buf)
	assert.ErrorIs(t, err, context.Canceled)
}
