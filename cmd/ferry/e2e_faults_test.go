//go:build e2e

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
	"ferry/tui/progressline"
)

// bigImages is one image with a 6 MB layer, for interruption tests.
func bigImages() []registrytest.ImageSpec {
	return []registrytest.ImageSpec{{Repo: "apache/demo-operator", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "big", Size: 6_000_000}, {Name: "small", Size: 300_000}}}}
}

func layerSizes(p registrytest.Pushed, plat string) int64 {
	var n int64
	for _, s := range p.Platforms[plat].Layers {
		n += s
	}
	return n + p.Platforms[plat].ConfigSize
}

func prepareThrough(proxy *registrytest.FaultProxy, up *registrytest.Registry, cat, cache, out string, extra ...string) []string {
	return append([]string{"--catalog", cat, "prepare", "--target", "demo", "--arch", "amd64", "--modules", "operator",
		"--source-mirror", up.Host + "=" + proxy.Host, "--insecure-source", proxy.Host,
		"--maven-repo", "http://127.0.0.1:1", "--cache", cache, "--output", out, "--progress", "plain", "--no-binary"}, extra...)
}

// noMavenCatalog is demoCatalog without Maven coordinates.
func noMavenCatalog(t *testing.T, host string) string {
	return writeFile(t, "catalog.yaml", `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: demo
    title: Demo
    archs: [amd64, arm64]
    versions: [{version: "1.0"}]
    modules:
      - name: operator
        title: Operator
        required: true
        images: ["`+host+`/apache/demo-operator:${version}"]
`)
}

func TestE2EFlakyRegistryCompletes(t *testing.T) { inCacheModes(t, flakyRegistryCompletes) }

func flakyRegistryCompletes(t *testing.T, mode string) {
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, bigImages()...)
	proxy := registrytest.NewFaultProxy(t, up)
	var layers []string
	for d := range pushed[0].Platforms["linux/amd64"].Layers {
		layers = append(layers, d)
	}
	proxy.FaultsOnly(layers...)
	proxy.FailNext(http.StatusServiceUnavailable, "", 2)
	proxy.FailNext(http.StatusTooManyRequests, "1", 1)
	proxy.ResetAfter(1_000_000)
	cat := noMavenCatalog(t, up.Host)
	out := t.TempDir()
	start := time.Now()
	code, _, stderr := ferry(t, prepareThrough(proxy, up, cat, t.TempDir(), out, "--progress", "json", "--cache-copies", mode)...)
	require.Equal(t, 0, code, stderr)
	// Progress never goes backwards, retries or not.
	var last int64
	retried := false
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var e progressline.JSONEvent
		require.NoError(t, json.Unmarshal([]byte(line), &e), line)
		if e.Stage == "download" {
			assert.GreaterOrEqual(t, e.BytesDone, last, line)
			last = e.BytesDone
			retried = retried || e.State == "retrying"
		}
	}
	assert.True(t, retried)
	assert.Contains(t, stderr, "HTTP 503")
	assert.Contains(t, stderr, "HTTP 429")
	assert.Contains(t, stderr, "connection reset by peer", "a reset mid-blob")
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After was honoured")
	// Resets resumed with Range: the blobs crossed the wire about once.
	assert.Less(t, proxy.BlobBytes(), layerSizes(pushed[0], "linux/amd64")+2_100_000)
	code, _, stderr = ferry(t, "verify", out)
	require.Equal(t, 0, code, stderr)
}

func TestE2ERegistryWithoutRangeRestartsTheBlob(t *testing.T) {
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, bigImages()...)
	proxy := registrytest.NewFaultProxy(t, up)
	proxy.IgnoreRange()
	proxy.ResetAfter(2_000_000)
	out := t.TempDir()
	code, _, stderr := ferry(t, prepareThrough(proxy, up, noMavenCatalog(t, up.Host), t.TempDir(), out)...)
	require.Equal(t, 0, code, stderr)
	total := layerSizes(pushed[0], "linux/amd64")
	assert.Greater(t, proxy.BlobBytes(), total, "the cut blob was sent again from the start")
	assert.Less(t, proxy.BlobBytes(), total+2_100_000, "and only that blob")
	code, _, stderr = ferry(t, "verify", out)
	require.Equal(t, 0, code, stderr)
}

func TestE2ECorruptBlobIsRejectedAndNotCached(t *testing.T) { inCacheModes(t, corruptBlobIsRejected) }

func corruptBlobIsRejected(t *testing.T, mode string) {
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, bigImages()...)
	proxy := registrytest.NewFaultProxy(t, up)
	var big string
	for d, s := range pushed[0].Platforms["linux/amd64"].Layers {
		if s > 5_000_000 {
			big = d
		}
	}
	proxy.Corrupt(big)
	cache, out := t.TempDir(), t.TempDir()
	args := prepareThrough(proxy, up, noMavenCatalog(t, up.Host), cache, out, "--cache-copies", mode)
	code, _, stderr := ferry(t, args...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "served blob "+big[:19]+"… with content that hashes to")
	assert.Contains(t, stderr, "corrupted it; it was not kept")
	hex := big[len("sha256:"):]
	assert.NoFileExists(t, filepath.Join(cache, "blobs", "sha256", hex))
	assert.NoFileExists(t, filepath.Join(cache, "partial", "sha256", hex))
	assert.NoFileExists(t, filepath.Join(cache, "located", "sha256", hex))
	matches, _ := filepath.Glob(filepath.Join(out, "*.ferry.json"))
	assert.Empty(t, matches, "no bundle index for a failed prepare")

	// Once the registry serves it right, the next run completes and
	// fetches the blob whole: the damaged bytes were not kept anywhere.
	proxy.Repair(big)
	before := proxy.BlobBytes()
	code, _, stderr = ferry(t, args...)
	require.Equal(t, 0, code, stderr)
	assert.GreaterOrEqual(t, proxy.BlobBytes()-before, pushed[0].Platforms["linux/amd64"].Layers[big])
	code, _, stderr = ferry(t, "verify", out)
	require.Equal(t, 0, code, stderr)
}

// TestE2EEarlierBundleServesALaterPrepare: where the cache keeps no
// copies, a later prepare into another folder reads the blobs from the
// earlier bundle instead of fetching them; once that bundle is changed or
// gone, they are fetched again.
func TestE2EEarlierBundleServesALaterPrepare(t *testing.T) {
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, bigImages()...)
	proxy := registrytest.NewFaultProxy(t, up)
	cat := noMavenCatalog(t, up.Host)
	cache := t.TempDir()
	outA, outB, outC := t.TempDir(), t.TempDir(), t.TempDir()
	code, _, stderr := ferry(t, prepareThrough(proxy, up, cat, cache, outA, "--split", "1M")...)
	require.Equal(t, 0, code, stderr)
	total := layerSizes(pushed[0], "linux/amd64")
	first := proxy.BlobBytes()
	assert.GreaterOrEqual(t, first, total)
	copies, _ := filepath.Glob(filepath.Join(cache, "blobs", "sha256", "*"))
	for _, c := range copies {
		st, err := os.Stat(c)
		require.NoError(t, err)
		assert.Less(t, st.Size(), int64(100_000), "no copy of a layer in the cache: %s", c)
	}

	code, stdout, stderr := ferry(t, prepareThrough(proxy, up, cat, cache, outB)...)
	require.Equal(t, 0, code, stderr)
	// The plan reads the image's config again; no layer crosses the wire.
	assert.Less(t, proxy.BlobBytes()-first, int64(10_000), "nothing fetched again")
	assert.Contains(t, stdout, "fetched 0 B")
	code, _, stderr = ferry(t, "verify", outB)
	require.Equal(t, 0, code, stderr)

	// A part of A changed since: what it holds is fetched again.
	parts, _ := filepath.Glob(filepath.Join(outA, "demo-1.0.part*"))
	require.NotEmpty(t, parts)
	for _, p := range parts {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		data[len(data)/2] ^= 1
		require.NoError(t, os.WriteFile(p, data, 0o644))
	}
	require.NoError(t, os.RemoveAll(outB))
	code, _, stderr = ferry(t, prepareThrough(proxy, up, cat, cache, outC)...)
	require.Equal(t, 0, code, stderr)
	assert.GreaterOrEqual(t, proxy.BlobBytes()-first, total-200_000, "the blobs came from the registry again")
	code, _, stderr = ferry(t, "verify", outC)
	require.Equal(t, 0, code, stderr)
}

// inCacheModes runs a test both ways blobs reach the bundle: streamed (the
// cache shares a disk with the output) and through a copy in the cache.
func inCacheModes(t *testing.T, test func(t *testing.T, mode string)) {
	for _, mode := range []string{"never", "always"} {
		t.Run("cache-copies="+mode, func(t *testing.T) { test(t, mode) })
	}
}

func TestE2EKilledPrepareResumesWithOnlyTheRemainder(t *testing.T) {
	inCacheModes(t, killedPrepareResumes)
}

func killedPrepareResumes(t *testing.T, mode string) {
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, bigImages()...)
	proxy := registrytest.NewFaultProxy(t, up)
	proxy.Throttle(1_500_000)
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	cat := noMavenCatalog(t, up.Host)
	cache, out := t.TempDir(), t.TempDir()
	args := prepareThrough(proxy, up, cat, cache, out, "--cache-copies", mode)

	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(20 * time.Second)
	for proxy.BlobBytes() < 2_500_000 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	first := proxy.BlobBytes()
	require.Less(t, first, layerSizes(pushed[0], "linux/amd64"), "killed before the end")

	proxy.Throttle(0)
	code, _, stderr := ferry(t, args...)
	require.Equal(t, 0, code, stderr)
	second := proxy.BlobBytes() - first
	total := layerSizes(pushed[0], "linux/amd64")
	// What reached the partial file before the kill is not fetched again;
	// what was still in socket buffers may be. Streamed over a slow link,
	// blobs come in segments held in memory ahead of the writer: those die
	// with the process, so there only the whole is bounded.
	bound := total - first + 512_000
	if mode == "never" {
		bound = total + 512_000
	}
	assert.LessOrEqual(t, second, bound, "first run %d, second %d, total %d", first, second, total)
	code, _, stderr = ferry(t, "verify", out)
	require.Equal(t, 0, code, stderr)
}

func TestE2EVerifyNamesTheDamagedPart(t *testing.T) {
	up := registrytest.StartDistribution(t)
	up.Push(t, bigImages()...)
	out := t.TempDir()
	code, _, stderr := ferry(t, "--catalog", noMavenCatalog(t, up.Host), "prepare", "--target", "demo", "--arch", "amd64",
		"--insecure-source", up.Host, "--cache", t.TempDir(), "--output", out, "--split", "1M", "--no-binary", "--progress", "none")
	require.Equal(t, 0, code, stderr)
	parts, _ := filepath.Glob(filepath.Join(out, "demo-1.0.part*"))
	require.Len(t, parts, 7)

	p3 := parts[2]
	data, err := os.ReadFile(p3)
	require.NoError(t, err)
	data[4242] ^= 0x01
	require.NoError(t, os.WriteFile(p3, data, 0o644))
	for _, quick := range []bool{true, false} {
		args := []string{"verify", out, "--progress", "none"}
		if quick {
			args = append(args, "--quick")
		}
		code, _, stderr = ferry(t, args...)
		assert.Equal(t, 1, code)
		oneSentence(t, stderr, "part 3 of 7 (demo-1.0.part003) is damaged (its checksum does not match): copy it again from the original media")
	}
	data[4242] ^= 0x01
	require.NoError(t, os.WriteFile(p3, data, 0o644))

	last := parts[6]
	data, _ = os.ReadFile(last)
	require.NoError(t, os.WriteFile(last, data[:len(data)/2], 0o644))
	code, _, stderr = ferry(t, "verify", last)
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "part 7 of 7 (demo-1.0.part007) has")
	assert.Contains(t, stderr, "truncated")

	require.NoError(t, os.Remove(last))
	code, _, stderr = ferry(t, "verify", "--quick", out)
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "part 7 of 7 (demo-1.0.part007) is missing: copy it again from the original media")
}

// TestE2EPrepareAgainIntoTheSameFolder: the same plan again rewrites
// nothing and fetches nothing; another part size replaces the parts, and
// the blobs the old parts held are fetched again rather than read from
// files being overwritten.
func TestE2EPrepareAgainIntoTheSameFolder(t *testing.T) {
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, bigImages()...)
	proxy := registrytest.NewFaultProxy(t, up)
	cat := noMavenCatalog(t, up.Host)
	cache, out := t.TempDir(), t.TempDir()
	total := layerSizes(pushed[0], "linux/amd64")

	code, _, stderr := ferry(t, prepareThrough(proxy, up, cat, cache, out)...)
	require.Equal(t, 0, code, stderr)
	first := partSums(t, out)
	fetched := proxy.BlobBytes()

	code, stdout, stderr := ferry(t, prepareThrough(proxy, up, cat, cache, out)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "fetched 0 B")
	assert.Less(t, proxy.BlobBytes()-fetched, int64(10_000), "no layer fetched again")
	assert.Equal(t, first, partSums(t, out))

	fetched = proxy.BlobBytes()
	code, _, stderr = ferry(t, prepareThrough(proxy, up, cat, cache, out, "--split", "1M")...)
	require.Equal(t, 0, code, stderr)
	assert.GreaterOrEqual(t, proxy.BlobBytes()-fetched, total-100_000, "the layers came from the registry")
	assert.Greater(t, len(partSums(t, out)), 5)
	code, _, stderr = ferry(t, "verify", out)
	require.Equal(t, 0, code, stderr)
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".tmp", "no temporary part left behind")
	}
}

// TestE2ESlowConnectionsSpillIntoTheCache: where every connection is
// slow, the writer would wait on one at a time. The blobs are then fetched
// in Range segments over several connections; from a registry that
// ignores Range, the blobs beyond the spools download into the cache in
// parallel instead. Either way the bundle is the same as one written
// without waiting.
func TestE2ESlowConnectionsSpillIntoTheCache(t *testing.T) {
	up := registrytest.StartDistribution(t)
	var layers []registrytest.LayerSpec
	// Larger than a spool: the rest of each comes over one connection.
	for i := range 6 {
		layers = append(layers, registrytest.LayerSpec{Name: fmt.Sprint("l", i), Size: 6_000_000})
	}
	up.Push(t, registrytest.ImageSpec{Repo: "apache/demo-operator", Tag: "1.0", Platforms: []string{"linux/amd64"}, Layers: layers})
	proxy := registrytest.NewFaultProxy(t, up)
	cat := noMavenCatalog(t, up.Host)

	fast := t.TempDir()
	code, _, stderr := ferry(t, prepareThrough(proxy, up, cat, t.TempDir(), fast, "--concurrency", "2")...)
	require.Equal(t, 0, code, stderr)

	segmented := registrytest.NewFaultProxy(t, up)
	segmented.Throttle(5_000_000) // each response: 1.2 s a layer
	seg := t.TempDir()
	code, _, stderr = ferry(t, prepareThrough(segmented, up, cat, t.TempDir(), seg, "--concurrency", "2")...)
	require.Equal(t, 0, code, stderr)
	var bounded int
	for _, r := range segmented.Ranges() {
		if r != "" && !strings.HasSuffix(r, "-") {
			bounded++
		}
	}
	assert.Greater(t, bounded, 2, "layers came in segments")
	assert.Equal(t, partSums(t, fast), partSums(t, seg))

	proxy.Throttle(5_000_000)
	proxy.IgnoreRange()
	cache, slow := t.TempDir(), t.TempDir()
	code, _, stderr = ferry(t, prepareThrough(proxy, up, cat, cache, slow, "--concurrency", "2")...)
	require.Equal(t, 0, code, stderr)
	copies, _ := filepath.Glob(filepath.Join(cache, "blobs", "sha256", "*"))
	var spilled int
	for _, c := range copies {
		if st, err := os.Stat(c); err == nil && st.Size() > 5_000_000 {
			spilled++
		}
	}
	assert.GreaterOrEqual(t, spilled, 2, "layers went through the cache while the writer waited")
	assert.Less(t, spilled, len(layers), "the first ones streamed")
	assert.Equal(t, partSums(t, fast), partSums(t, slow))
	code, _, stderr = ferry(t, "verify", slow)
	require.Equal(t, 0, code, stderr)
}
