package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/inventory"
	"ferry/artifacts/registrytest"
	"ferry/workflow/plan"
	"ferry/workflow/session"
)

// productVersion is a synthetic product at one version: four images
// sharing a base and a runtime layer, as two releases of a real product
// share most of theirs. Version 2 changes two applications' top layers
// and leaves the database image as it was.
func productVersion(v string) []registrytest.ImageSpec {
	layer := func(name string, size int64) registrytest.LayerSpec {
		return registrytest.LayerSpec{Name: name, Size: size}
	}
	base, runtime := layer("os-base", 600_000), layer("runtime", 400_000)
	images := []registrytest.ImageSpec{
		{Repo: "product/api", Tag: v, Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{base, runtime, layer("api-"+v, 60_000)}},
		{Repo: "product/web", Tag: v, Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{base, runtime, layer("web-"+v, 50_000)}},
		{Repo: "product/db", Tag: v, Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{base, layer("db", 300_000)}},
		{Repo: "product/tools", Tag: v, Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{base, layer("tools", 200_000)}},
	}
	if v != "1" {
		// New in version 2, in a repository of its own: the layers it
		// shares are mounted from the others.
		images = append(images, registrytest.ImageSpec{Repo: "product/worker", Tag: v, Platforms: []string{"linux/amd64"},
			Layers: []registrytest.LayerSpec{base, runtime, layer("worker-"+v, 30_000)}})
	}
	return images
}

// deltaFixture is an upstream registry holding two versions of the
// product, and a list of each version's images.
type deltaFixture struct {
	up       *registrytest.Registry
	pushed   map[string][]registrytest.Pushed
	lists    map[string]string
	cacheDir string
}

func newDeltaFixture(t *testing.T, up *registrytest.Registry) *deltaFixture {
	t.Helper()
	f := &deltaFixture{up: up, pushed: map[string][]registrytest.Pushed{}, lists: map[string]string{}, cacheDir: t.TempDir()}
	for _, v := range []string{"1", "2"} {
		f.pushed[v] = up.Push(t, productVersion(v)...)
		var refs []string
		for _, p := range f.pushed[v] {
			refs = append(refs, p.Ref)
		}
		f.lists[v] = writeFile(t, "images-"+v+".txt", strings.Join(refs, "\n")+"\n")
	}
	return f
}

// prepare writes a bundle of version v, named product-NAME, into a new
// folder, with extra flags (--have).
func (f *deltaFixture) prepare(t *testing.T, v, name string, extra ...string) string {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"prepare", "--images", f.lists[v], "--arch", "amd64", "--insecure-source", f.up.Host,
		"--cache", f.cacheDir, "--output", out, "--name", name, "--progress", "none", "--no-binary"}, extra...)
	code, _, stderr := ferry(t, args...)
	require.Equal(t, 0, code, stderr)
	return out
}

func (f *deltaFixture) plan(t *testing.T, v string, extra ...string) plan.Plan {
	t.Helper()
	args := append([]string{"plan", "--images", f.lists[v], "--arch", "amd64", "--insecure-source", f.up.Host, "--output", "json"}, extra...)
	code, stdout, stderr := ferry(t, args...)
	require.Equal(t, 0, code, stderr)
	var p plan.Plan
	require.NoError(t, json.Unmarshal([]byte(stdout), &p))
	return p
}

func openBundle(t *testing.T, dir string) *bundle.Bundle {
	t.Helper()
	b, err := bundle.Open(dir)
	require.NoError(t, err)
	return b
}

// assertHolds checks that every manifest, config and layer of the images
// is at the registry, and every tag points at the pushed digest.
func assertHolds(t *testing.T, host string, images []registrytest.Pushed) {
	t.Helper()
	for _, p := range images {
		_, rest, _ := strings.Cut(p.Ref, "/")
		repo, tag, _ := strings.Cut(rest, ":")
		d, err := crane.Digest(host+"/"+repo+":"+tag, crane.Insecure)
		require.NoError(t, err, p.Ref)
		assert.Equal(t, p.Digest, d, p.Ref)
		for _, pl := range p.Platforms {
			blobs := map[string]int64{pl.ConfigDigest: pl.ConfigSize}
			for l, n := range pl.Layers {
				blobs[l] = n
			}
			_, err := crane.Manifest(host+"/"+repo+"@"+pl.ManifestDigest, crane.Insecure)
			require.NoError(t, err)
			for dg := range blobs {
				l, err := crane.PullLayer(host+"/"+repo+"@"+dg, crane.Insecure)
				require.NoError(t, err, "%s lacks %s", repo, dg)
				rc, err := l.Compressed()
				require.NoError(t, err, "%s lacks %s", repo, dg)
				h := sha256.New()
				_, err = io.Copy(h, rc)
				rc.Close()
				require.NoError(t, err, "%s serves %s", repo, dg)
				assert.Equal(t, dg, "sha256:"+hex.EncodeToString(h.Sum(nil)))
			}
		}
	}
}

func catalogOf(t *testing.T, host string) []string {
	t.Helper()
	repos, err := crane.Catalog(host, crane.Insecure)
	require.NoError(t, err)
	return repos
}

// deltaRoundTrip is the journey both registries run: base then delta
// gives every digest of the new version; the delta alone is refused with
// nothing pushed. It returns what the delta's import printed.
func deltaRoundTrip(t *testing.T, f *deltaFixture, site, empty *registrytest.Registry) string {
	base := f.prepare(t, "1", "product-1")
	full := f.prepare(t, "2", "product-2")
	delta := f.prepare(t, "2", "product-2", "--have", base)
	baseB, fullB, deltaB := openBundle(t, base), openBundle(t, full), openBundle(t, delta)
	t.Logf("version 2: full bundle %d bytes, delta bundle %d bytes (%.1f%%); version 1 bundle %d bytes",
		fullB.Index.Size, deltaB.Index.Size, 100*float64(deltaB.Index.Size)/float64(fullB.Index.Size), baseB.Index.Size)
	assert.Less(t, deltaB.Index.Size, fullB.Index.Size/4, "the delta carries only the changed layers")
	assert.Equal(t, bundle.DeltaFormatVersion, deltaB.Index.FormatVersion)
	assert.Equal(t, bundle.FormatVersion, fullB.Index.FormatVersion)
	readme, err := os.ReadFile(filepath.Join(delta, "READ-ME-FIRST.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "UPGRADE (DELTA) BUNDLE")
	assert.Contains(t, string(readme), "product-1 (code "+baseB.Index.ShortCode+")")

	// The delta alone: refused in one sentence naming the base, nothing
	// pushed.
	code, _, stderr := ferry(t, "import", delta, "--registry", empty.Host, "--insecure")
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "load the base bundle product-1 (code "+baseB.Index.ShortCode+") into it first")
	t.Log(strings.TrimSpace(stderr))
	assert.Empty(t, catalogOf(t, empty.Host), "nothing was pushed")

	// Base, then delta.
	code, _, stderr = ferry(t, "import", base, "--registry", site.Host, "--insecure")
	require.Equal(t, 0, code, stderr)
	code, stdout, stderr := ferry(t, "import", delta, "--registry", site.Host, "--insecure")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Imported product-2")
	t.Log(strings.TrimSpace(stdout))
	assertHolds(t, site.Host, f.pushed["2"])
	assertHolds(t, site.Host, f.pushed["1"])
	return stdout
}

func TestDeltaBundleBaseThenDelta(t *testing.T) {
	f := newDeltaFixture(t, registrytest.StartInProcess(t))
	deltaRoundTrip(t, f, registrytest.StartInProcess(t), registrytest.StartInProcess(t))
}

func TestDeltaPlanShowsFullAndDelta(t *testing.T) {
	f := newDeltaFixture(t, registrytest.StartInProcess(t))
	base := f.prepare(t, "1", "product-1")
	p := f.plan(t, "2", "--have", base)
	require.NotNil(t, p.Have)
	assert.Equal(t, p.Totals.Unique, p.Have.Full)
	assert.Equal(t, p.Have.Full-p.Have.OmittedBytes, p.Have.Delta)
	// os-base, runtime, db and tools are shared, and the unchanged
	// images' configs; the new worker image's own layer is not.
	assert.GreaterOrEqual(t, len(p.Have.Omitted), 4)
	assert.Equal(t, "product-1", p.Have.Bundles[0].Name)
	code, stdout, stderr := ferry(t, "plan", "--images", f.lists["2"], "--arch", "amd64", "--insecure-source", f.up.Host, "--have", base)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "delta (the site has")
	assert.Contains(t, stdout, "(full ")
	// Nothing held: the plan is a full one.
	none := f.plan(t, "1", "--have", writeFile(t, "inv.json", `{"formatVersion":1,"kind":"FerryInventory","registry":"r","repositories":[],"manifests":[],"blobs":[]}`))
	assert.Nil(t, none.Have)
}

func TestDeltaInventoryRoundTrip(t *testing.T) {
	f := newDeltaFixture(t, registrytest.StartInProcess(t))
	site := registrytest.StartInProcess(t)
	base := f.prepare(t, "1", "product-1")
	// A report that cannot be written fails the run, once all is loaded.
	blocker := writeFile(t, "not-a-folder", "")
	code, stdout, stderr := ferry(t, "import", base, "--registry", site.Host+"/mirror", "--insecure", "--report", filepath.Join(blocker, "import"))
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stdout, "Imported product-1")
	assert.Contains(t, stderr, "the report was not written")
	report := filepath.Join(t.TempDir(), "import")
	code, _, stderr = ferry(t, "import", base, "--registry", site.Host+"/mirror", "--insecure", "--report", report)
	require.Equal(t, 0, code, stderr)

	// Taken from the registry, by the bundle loaded and by the next plan.
	invFile := filepath.Join(t.TempDir(), "inventory.json")
	code, stdout, stderr = ferry(t, "inventory", "--registry", site.Host+"/mirror", "--insecure", "--bundle", base, "--output", invFile)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Inventory written:")
	data, err := os.ReadFile(invFile)
	require.NoError(t, err)
	var inv inventory.Inventory
	require.NoError(t, json.Unmarshal(data, &inv))
	assert.Equal(t, site.Host+"/mirror", inv.Registry)
	assert.Zero(t, inv.Absent)
	assert.Equal(t, "product-1", inv.Bundles[0].Name)
	assert.Len(t, inv.Manifests, 4)
	assert.NotContains(t, string(data), "password")

	planFile := filepath.Join(t.TempDir(), "plan.json")
	p2 := f.plan(t, "2")
	pj, _ := json.Marshal(p2)
	require.NoError(t, os.WriteFile(planFile, pj, 0o644))
	invNext := filepath.Join(t.TempDir(), "next.json")
	code, _, stderr = ferry(t, "inventory", "--registry", site.Host+"/mirror", "--insecure", "--plan", planFile, "--output", invNext)
	require.Equal(t, 0, code, stderr)

	// Every way of saying what the site holds leaves out the same blobs.
	fromBundle := f.plan(t, "2", "--have", base)
	for _, have := range []string{invFile, invNext, report + ".json", filepath.Join(base, "product-1.ferry.json")} {
		p := f.plan(t, "2", "--have", have)
		require.NotNil(t, p.Have, have)
		assert.Equal(t, fromBundle.Have.Omitted, p.Have.Omitted, have)
	}

	// A delta made from the inventory loads where the inventory was taken.
	delta := f.prepare(t, "2", "product-2", "--have", invFile)
	code, _, stderr = ferry(t, "import", delta, "--registry", site.Host+"/mirror", "--insecure")
	require.Equal(t, 0, code, stderr)
}

func TestDeltaVerifyAndServeWithBase(t *testing.T) {
	f := newDeltaFixture(t, registrytest.StartInProcess(t))
	base := f.prepare(t, "1", "product-1")
	delta := f.prepare(t, "2", "product-2", "--have", base)

	// Deterministic like a full bundle.
	again := f.prepare(t, "2", "product-2", "--have", base)
	assert.Equal(t, openBundle(t, delta).Index.Parts, openBundle(t, again).Index.Parts)

	code, stdout, stderr := ferry(t, "verify", delta)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "blobs left out for its base")

	// The command refuses a delta without its base in one sentence.
	code, _, stderr = ferry(t, "serve", delta, "--listen", "127.0.0.1:0")
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "serve it together with the base bundle product-1")

	sess, err := session.New(session.Options{}, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	baseB, deltaB := openBundle(t, base), openBundle(t, delta)

	// Alone, a delta is not served.
	_, err = sess.Serve(ctx, deltaB, session.ServeOptions{Listen: "127.0.0.1:0"})
	require.ErrorIs(t, err, session.ErrBaseNotGiven)
	assert.Contains(t, err.Error(), "product-1 (code "+baseB.Index.ShortCode+")")

	v, err := sess.Serve(ctx, deltaB, session.ServeOptions{Listen: "127.0.0.1:0", With: []*bundle.Bundle{baseB}})
	require.NoError(t, err)
	defer v.Stop()
	repos := v.Repositories()
	sort.Strings(repos)
	assert.Equal(t, []string{"product/api", "product/db", "product/tools", "product/web", "product/worker"}, repos)
	// Both versions pull whole, every layer streamed and checked.
	assertHolds(t, v.Addr(), f.pushed["2"])
	assertHolds(t, v.Addr(), f.pushed["1"])
}

func TestDeltaBadInputIsOneSentence(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"inventory", "--output", "x.json", "--plan", "p.json"}, "--registry HOST[:PORT][/PREFIX]"},
		{[]string{"inventory", "--registry", "127.0.0.1:1", "--plan", "p.json"}, "--output FILE"},
		{[]string{"inventory", "--registry", "127.0.0.1:1", "--output", "x.json"}, "--plan FILE or --bundle BUNDLE"},
		{[]string{"plan", "--images", writeFile(t, "i.txt", "127.0.0.1:1/a:1\n"), "--have", writeFile(t, "h.json", `{"kind":"Other"}`)}, "not an inventory"},
		{[]string{"load-node", t.TempDir()}, "holds no bundle"},
	} {
		code, _, stderr := ferry(t, c.args...)
		assert.NotEqual(t, 0, code, c.args)
		oneSentence(t, stderr, c.want)
	}
}
