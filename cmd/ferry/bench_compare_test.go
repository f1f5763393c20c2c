//go:build bench

package main

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"ferry/artifacts/registrytest"
	"ferry/artifacts/size"
)

// benchImages is a synthetic two-architecture image set of about mb MiB of
// unique data: every image shares a per-architecture base layer and adds
// two layers of its own.
func benchImages(mb int) []registrytest.ImageSpec {
	const images = 10
	base := int64(mb) * size.MiB / 16
	own := (int64(mb)*size.MiB - 2*base) / (images * 2 * 2)
	var out []registrytest.ImageSpec
	for i := range images {
		out = append(out, registrytest.ImageSpec{
			Repo: fmt.Sprintf("bench/app-%02d", i), Tag: "1.0", Platforms: []string{"linux/amd64", "linux/arm64"},
			Layers: []registrytest.LayerSpec{{Name: "base", Size: base}, {Name: fmt.Sprintf("a%d", i), Size: own}, {Name: fmt.Sprintf("b%d", i), Size: own}},
		})
	}
	return out
}

type benchRun struct {
	name    string
	elapsed time.Duration
	rssKiB  int64
	bytes   int64
	// cpu is the command's user and system time.
	cpu time.Duration
}

// timed runs a command and returns its wall time and peak RSS, as GNU time
// measures it (the test process's own memory must not count).
func timed(t *testing.T, name string, bytes int64, bin string, args ...string) benchRun {
	t.Helper()
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M %U %S", "-o", rssFile, bin}, args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	el := time.Since(start)
	require.NoError(t, err, "%s: %s", name, out.String())
	raw, err := os.ReadFile(rssFile)
	require.NoError(t, err)
	var kib int64
	var user, sys float64
	_, err = fmt.Sscanf(strings.TrimSpace(string(raw)), "%d %f %f", &kib, &user, &sys)
	require.NoError(t, err, "GNU time wrote %q", raw)
	return benchRun{name: name, elapsed: el, rssKiB: kib, bytes: bytes, cpu: time.Duration((user + sys) * float64(time.Second))}
}

func mbps(bytes int64, d time.Duration) float64 {
	return float64(bytes) / float64(size.MiB) / d.Seconds()
}

// TestCompareWithCraneAndSkopeo is the prepare benchmark: ferry against
// crane and skopeo on the same data in one run, with the machine's own
// limits measured alongside. FERRY_BENCH_MB sets the data size (default
// 2048). It prints a table; `make bench` runs it.
func TestCompareWithCraneAndSkopeo(t *testing.T) {
	mb := 2048
	if v := os.Getenv("FERRY_BENCH_MB"); v != "" {
		mb, _ = strconv.Atoi(v)
	}
	crane := os.Getenv("CRANE")
	if crane == "" {
		crane = "crane"
	}
	crane, err := exec.LookPath(crane)
	require.NoError(t, err, "crane is needed: make bench installs it with go install")
	skopeo, err := exec.LookPath("skopeo")
	require.NoError(t, err, "skopeo is needed: apt-get install skopeo")

	reg := registrytest.StartDistribution(t)
	t.Logf("pushing about %d MiB of synthetic images…", mb)
	specs := benchImages(mb)
	pushed := reg.Push(t, specs...)
	unique := registrytest.ExpectedUnique(pushed)
	half := registrytest.ExpectedUnique(pushed[:len(pushed)/2])
	var refs []string
	for _, p := range pushed {
		refs = append(refs, p.Ref)
	}
	work := t.TempDir()
	imagesFile := filepath.Join(work, "images.txt")
	require.NoError(t, os.WriteFile(imagesFile, []byte(strings.Join(refs, "\n")+"\n"), 0o644))
	halfFile := filepath.Join(work, "half.txt")
	require.NoError(t, os.WriteFile(halfFile, []byte(strings.Join(refs[:len(refs)/2], "\n")+"\n"), 0o644))

	bin := filepath.Join(work, "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	// The machine's own limits, measured now.
	limits := machineLimits(t, reg, pushed, work)

	ferryArgs := func(list, out string) []string {
		return []string{"prepare", "--images", list, "--arch", "amd64", "--arch", "arm64", "--insecure-source", reg.Host,
			"--cache", filepath.Join(out, "cache"), "--output", filepath.Join(out, "bundle"), "--progress", "none", "--no-binary", "--maven-repo", "http://127.0.0.1:1"}
	}
	var runs []benchRun
	runs = append(runs, timed(t, "ferry prepare (download, verify, write bundle)", unique, bin, ferryArgs(imagesFile, filepath.Join(work, "f1"))...))
	// The bundle just written must be whole: the figures mean nothing
	// otherwise. Full verify reads it back from the disk (direct writes
	// leave nothing in the page cache); --quick checks the parts only.
	bundleDir := filepath.Join(work, "f1", "bundle")
	verify := timed(t, "ferry verify", unique, bin, "verify", bundleDir)
	quick := timed(t, "ferry verify --quick", unique, bin, "verify", "--quick", bundleDir)
	imp, ceiling := importAgainstIngest(t, bin, reg, bundleDir, unique)
	require.NoError(t, os.RemoveAll(filepath.Join(work, "f1")))
	runs = append(runs, timed(t, "ferry prepare, half the data", half, bin, ferryArgs(halfFile, filepath.Join(work, "f2"))...))
	require.NoError(t, os.RemoveAll(filepath.Join(work, "f2")))
	copies := timed(t, "ferry prepare --cache-copies always (a copy of every blob in the cache too)", unique, bin,
		append(ferryArgs(imagesFile, filepath.Join(work, "f3")), "--cache-copies", "always")...)
	require.NoError(t, os.RemoveAll(filepath.Join(work, "f3")))
	craneArgs := append([]string{"pull", "--format=oci", "--insecure"}, refs...)
	runs = append(runs, timed(t, "crane pull --format=oci", unique, crane, append(craneArgs, filepath.Join(work, "crane"))...))
	require.NoError(t, os.RemoveAll(filepath.Join(work, "crane")))
	// crane never syncs, ferry syncs every part before naming it: time
	// crane followed by sync too, for a like-for-like figure.
	syncScript := fmt.Sprintf("%s %s %s && sync", crane, strings.Join(craneArgs, " "), filepath.Join(work, "crane2"))
	withSync := timed(t, "crane pull --format=oci, then sync", unique, "sh", "-c", syncScript)
	require.NoError(t, os.RemoveAll(filepath.Join(work, "crane2")))
	start := time.Now()
	var rss int64
	for _, r := range refs {
		one := timed(t, "skopeo", 0, skopeo, "copy", "--all", "--src-tls-verify=false", "docker://"+r, "oci:"+filepath.Join(work, "skopeo")+":"+r)
		rss = max(rss, one.rssKiB)
	}
	runs = append(runs, benchRun{name: "skopeo copy --all (one call per image)", elapsed: time.Since(start), rssKiB: rss, bytes: unique})
	runs = append(runs, withSync, copies, verify, quick, imp, ceiling)

	var b strings.Builder
	fmt.Fprintf(&b, "\nunique data: %s in %d images × 2 architectures\n\n", size.Format(unique), len(pushed))
	fmt.Fprintf(&b, "| what | wall time | MiB/s of unique data | peak RSS |\n|---|---|---|---|\n")
	for _, r := range runs {
		rss := fmt.Sprintf("%d MiB", r.rssKiB/1024)
		if r.rssKiB == 0 {
			rss = "—" // measured inside the test process
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s |\n", r.name, r.elapsed.Round(10*time.Millisecond), mbps(r.bytes, r.elapsed), rss)
	}
	fmt.Fprintf(&b, "\nmachine limits measured in the same run: loopback GET %.0f MiB/s, sequential write+fsync %.0f MiB/s (direct I/O %.0f MiB/s), sha256 %.0f MiB/s\n",
		limits.get, limits.write, limits.direct, limits.hash)
	ferry, craneRun, skopeoRun := runs[0], runs[2], runs[3]
	fmt.Fprintf(&b, "ratios: ferry vs crane %.2f× faster, ferry vs skopeo %.2f× faster; ferry's whole prepare at %.0f%% of the loopback GET limit\n",
		craneRun.elapsed.Seconds()/ferry.elapsed.Seconds(), skopeoRun.elapsed.Seconds()/ferry.elapsed.Seconds(), 100*mbps(unique, ferry.elapsed)/limits.get)
	fmt.Fprintf(&b, "like for like (both on disk, synced): ferry vs crane+sync %.2f× faster\n", runs[4].elapsed.Seconds()/ferry.elapsed.Seconds())
	fmt.Fprintf(&b, "import: ferry import takes %.2f× the time of the registry's own ingest of the same blobs\n", imp.elapsed.Seconds()/ceiling.elapsed.Seconds())
	fmt.Fprintf(&b, "memory: ferry peak RSS %d MiB at %s, %d MiB at %s\n", runs[0].rssKiB/1024, size.Format(unique), runs[1].rssKiB/1024, size.Format(half))
	b.WriteString(farLink(t, reg, pushed, mb, bin, crane, skopeo, work))
	t.Log(b.String())
	fmt.Println(b.String())
}

// TestFarLink is the far-link part of the benchmark on its own, on
// FERRY_BENCH_MB of data (default 2048): `go test -tags bench -run
// TestFarLink ./cmd/ferry/`.
func TestFarLink(t *testing.T) {
	mb := 2048
	if v := os.Getenv("FERRY_BENCH_MB"); v != "" {
		mb, _ = strconv.Atoi(v)
	}
	crane, err := exec.LookPath(cmp.Or(os.Getenv("CRANE"), "crane"))
	require.NoError(t, err, "crane is needed: make bench installs it with go install")
	skopeo, err := exec.LookPath("skopeo")
	require.NoError(t, err, "skopeo is needed: apt-get install skopeo")
	reg := registrytest.StartDistribution(t)
	pushed := reg.Push(t, benchImages(mb)...)
	work := t.TempDir()
	bin := filepath.Join(work, "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	out := farLink(t, reg, pushed, mb, bin, crane, skopeo, work)
	t.Log(out)
	fmt.Println(out)
}

// importAgainstIngest times ferry import of the bundle into an empty
// distribution registry, and the registry's own ingest of the same bytes
// (ingestCeiling) into another empty one.
func importAgainstIngest(t *testing.T, bin string, src *registrytest.Registry, bundleDir string, unique int64) (imp, ceiling benchRun) {
	t.Helper()
	site := registrytest.StartDistribution(t)
	imp = timed(t, "ferry import (into an empty registry)", unique, bin, "import", bundleDir, "--registry", site.Host, "--insecure", "--progress", "none")
	return imp, ingestCeiling(t, src, unique)
}

// ingestCeiling is the fastest a distribution registry takes in the
// blobs src holds: each blob sent with one POST and one monolithic PUT
// straight from src's storage, eight at once, into an empty registry. No
// client does less per byte; an import cannot beat it.
func ingestCeiling(t *testing.T, src *registrytest.Registry, unique int64) benchRun {
	t.Helper()
	var blobs []string
	root := filepath.Join(src.Storage, "docker", "registry", "v2", "blobs", "sha256")
	require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "data" {
			blobs = append(blobs, path)
		}
		return err
	}))
	dst := registrytest.StartDistribution(t)
	client := &http.Client{}
	put := func(path string) error {
		resp, err := client.Post(dst.URL+"/v2/ingest/blobs/uploads/", "", nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return fmt.Errorf("upload start: %s: %w", resp.Status, err)
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		q := loc.Query()
		q.Set("digest", "sha256:"+filepath.Base(filepath.Dir(path)))
		loc.RawQuery = q.Encode()
		req, err := http.NewRequest(http.MethodPut, loc.String(), f)
		if err != nil {
			return err
		}
		req.ContentLength = st.Size()
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err = client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("upload: %s", resp.Status)
		}
		return nil
	}
	var g errgroup.Group
	g.SetLimit(8)
	start := time.Now()
	for _, b := range blobs {
		g.Go(func() error { return put(b) })
	}
	require.NoError(t, g.Wait())
	return benchRun{name: "the registry's ingest ceiling (every blob POSTed and PUT at once from storage, 8 at a time)", elapsed: time.Since(start), bytes: unique}
}

// TestImportAgainstIngest is the import rows on their own, on
// FERRY_BENCH_MB of data (default 2048).
func TestImportAgainstIngest(t *testing.T) {
	mb := 2048
	if v := os.Getenv("FERRY_BENCH_MB"); v != "" {
		mb, _ = strconv.Atoi(v)
	}
	reg := registrytest.StartDistribution(t)
	pushed := reg.Push(t, benchImages(mb)...)
	unique := registrytest.ExpectedUnique(pushed)
	work := t.TempDir()
	bin := filepath.Join(work, "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	var refs []string
	for _, p := range pushed {
		refs = append(refs, p.Ref)
	}
	list := filepath.Join(work, "images.txt")
	require.NoError(t, os.WriteFile(list, []byte(strings.Join(refs, "\n")+"\n"), 0o644))
	timed(t, "ferry prepare", unique, bin, "prepare", "--images", list, "--arch", "amd64", "--arch", "arm64", "--insecure-source", reg.Host,
		"--cache", filepath.Join(work, "cache"), "--output", filepath.Join(work, "bundle"), "--progress", "none", "--no-binary", "--maven-repo", "http://127.0.0.1:1")
	imp, ceiling := importAgainstIngest(t, bin, reg, filepath.Join(work, "bundle"), unique)
	out := fmt.Sprintf("| %s | %s | %d MiB |\n| %s | %s | — |\nimport: ferry import takes %.2f× the time of the registry's own ingest of the same blobs\n",
		imp.name, imp.elapsed.Round(10*time.Millisecond), imp.rssKiB/1024, ceiling.name, ceiling.elapsed.Round(10*time.Millisecond),
		imp.elapsed.Seconds()/ceiling.elapsed.Seconds())
	t.Log(out)
	fmt.Println(out)
}

// The far link: every request 40 ms late, each response capped at
// 25 MB/s and all of them together at 250 MB/s, as a registry across the
// internet behind a CDN. FERRY_BENCH_WAN_MB sets how much of the data goes
// through it (default all; 0 skips it).
const (
	farLatency  = 40 * time.Millisecond
	farPerConn  = 25_000_000
	farLinkRate = 250_000_000
)

func farLink(t *testing.T, reg *registrytest.Registry, pushed []registrytest.Pushed, mb int, bin, crane, skopeo, work string) string {
	wanMB := mb
	if v := os.Getenv("FERRY_BENCH_WAN_MB"); v != "" {
		wanMB, _ = strconv.Atoi(v)
	}
	if wanMB <= 0 {
		return ""
	}
	k := max(1, min(len(pushed), (len(pushed)*wanMB+mb-1)/mb))
	pushed = pushed[:k]
	// The same images prepared on loopback: what comes through the far
	// link must be byte for byte the same bundle.
	var refs []string
	for _, pp := range pushed {
		refs = append(refs, pp.Ref)
	}
	list := filepath.Join(work, "far.txt")
	require.NoError(t, os.WriteFile(list, []byte(strings.Join(refs, "\n")+"\n"), 0o644))
	near := filepath.Join(work, "near")
	timed(t, "ferry prepare on loopback", 0, bin, "prepare", "--images", list, "--arch", "amd64", "--arch", "arm64", "--insecure-source", reg.Host,
		"--cache", filepath.Join(near, "cache"), "--output", filepath.Join(near, "bundle"), "--progress", "none", "--no-binary", "--maven-repo", "http://127.0.0.1:1")
	want := indexDigest(t, filepath.Join(near, "bundle"))
	require.NoError(t, os.RemoveAll(near))
	// Registries across the internet hand their blobs to a CDN (a
	// redirect to another host); some serve them themselves.
	return farProfile(t, reg, pushed, list, want, true, bin, crane, skopeo, work) + farProfile(t, reg, pushed, list, want, false, bin, crane, skopeo, work)
}

// indexDigest is the sha256 of the bundle index in dir.
func indexDigest(t *testing.T, dir string) string {
	t.Helper()
	idx, err := filepath.Glob(filepath.Join(dir, "*.ferry.json"))
	require.NoError(t, err)
	require.Len(t, idx, 1, "one bundle index in %s", dir)
	raw, err := os.ReadFile(idx[0])
	require.NoError(t, err)
	return fmt.Sprintf("%x", sha256.Sum256(raw))
}

// farProfile runs ferry, crane and skopeo through one far link, the
// registry redirecting blobs to a CDN or serving them itself.
func farProfile(t *testing.T, reg *registrytest.Registry, pushed []registrytest.Pushed, list, want string, cdn bool, bin, crane, skopeo, work string) string {
	unique := registrytest.ExpectedUnique(pushed)
	p := registrytest.NewFaultProxy(t, reg)
	p.Latency(farLatency)
	p.Throttle(farPerConn)
	p.ThrottleAll(farLinkRate)
	// ferry keeps the references as they are and fetches through the
	// proxy as a mirror, so its bundle can be compared with the loopback
	// one; crane and skopeo are given the proxy's references.
	insecure := []string{"--source-mirror", reg.Host + "=" + p.Host, "--insecure-source", p.Host}
	shape := "the registry serving blobs itself"
	if cdn {
		p.RedirectBlobs(t)
		insecure = append(insecure, "--insecure-source", p.CDNHost())
		shape = "the registry redirecting blobs to a CDN"
	}
	var refs []string
	for _, pp := range pushed {
		refs = append(refs, strings.Replace(pp.Ref, reg.Host, p.Host, 1))
	}
	out := filepath.Join(work, "far")
	var runs []benchRun
	var rigCPU []time.Duration // the registry's and the proxy's CPU during each run
	rig := func(run func() benchRun) {
		regBefore, selfBefore := processCPU(t, reg.PID), selfCPU()
		r := run()
		runs = append(runs, r)
		rigCPU = append(rigCPU, processCPU(t, reg.PID)-regBefore+selfCPU()-selfBefore)
	}
	rig(func() benchRun {
		return timed(t, "ferry prepare", unique, bin, append(append([]string{"prepare", "--images", list, "--arch", "amd64", "--arch", "arm64"}, insecure...),
			"--cache", filepath.Join(out, "cache"), "--output", filepath.Join(out, "bundle"), "--progress", "none", "--no-binary", "--maven-repo", "http://127.0.0.1:1")...)
	})
	verify := timed(t, "ferry verify", unique, bin, "verify", filepath.Join(out, "bundle"))
	require.Equal(t, want, indexDigest(t, filepath.Join(out, "bundle")), "the bundle from the far link is the loopback one, byte for byte")
	require.NoError(t, os.RemoveAll(out))
	craneArgs := append([]string{"pull", "--format=oci", "--insecure"}, refs...)
	rig(func() benchRun { return timed(t, "crane pull --format=oci", unique, crane, append(craneArgs, out)...) })
	require.NoError(t, os.RemoveAll(out))
	rig(func() benchRun {
		start := time.Now()
		var rss int64
		var cpu time.Duration
		for _, r := range refs {
			one := timed(t, "skopeo", 0, skopeo, "copy", "--all", "--src-tls-verify=false", "docker://"+r, "oci:"+out+":"+r)
			rss = max(rss, one.rssKiB)
			cpu += one.cpu
		}
		return benchRun{name: "skopeo copy --all (one call per image)", elapsed: time.Since(start), rssKiB: rss, bytes: unique, cpu: cpu}
	})
	require.NoError(t, os.RemoveAll(out))

	var b strings.Builder
	fmt.Fprintf(&b, "\nfar link (%v per request, %d MB/s per response, %d MB/s in all), %s, %s in %d images:\n\n", farLatency, farPerConn/1_000_000, farLinkRate/1_000_000, shape, size.Format(unique), len(pushed))
	fmt.Fprintf(&b, "| what | wall time | MB/s of unique data | share of the link | peak RSS | its CPU | the servers' CPU |\n|---|---|---|---|---|---|---|\n")
	for i, r := range runs {
		rate := float64(r.bytes) / r.elapsed.Seconds()
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.2f | %d MiB | %.1f s | %.1f s |\n", r.name, r.elapsed.Round(10*time.Millisecond), rate/1e6, rate/farLinkRate, r.rssKiB/1024,
			r.cpu.Seconds(), rigCPU[i].Seconds())
	}
	fmt.Fprintf(&b, "verify of that bundle: %s (it must pass for the figures to count); its index is the loopback bundle's, byte for byte\n", verify.elapsed.Round(10*time.Millisecond))
	fmt.Fprintf(&b, "ratios: ferry vs crane %.2f× faster, ferry vs skopeo %.2f× faster\n",
		runs[1].elapsed.Seconds()/runs[0].elapsed.Seconds(), runs[2].elapsed.Seconds()/runs[0].elapsed.Seconds())
	return b.String()
}

// processCPU is the user and system time pid has used so far.
func processCPU(t *testing.T, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	// The fields after the command's name, which is in parentheses.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// selfCPU is the user and system time of this process (the test servers
// in it) so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type limits struct{ get, write, direct, hash float64 }

// alignedBench is n bytes at an address direct I/O accepts.
func alignedBench(n int) []byte {
	b := make([]byte, n+4096)
	off := int(uintptr(unsafe.Pointer(&b[0])) & 4095)
	if off != 0 {
		off = 4096 - off
	}
	return b[off : off+n]
}

func machineLimits(t *testing.T, reg *registrytest.Registry, pushed []registrytest.Pushed, dir string) limits {
	t.Helper()
	var l limits
	// Loopback GET of the largest blob.
	var big string
	var bigSize int64
	for _, p := range pushed {
		for _, pp := range p.Platforms {
			for d, s := range pp.Layers {
				if s > bigSize {
					big, bigSize = d, s
				}
			}
		}
	}
	repo := strings.TrimPrefix(strings.SplitN(pushed[0].Ref, ":", 3)[1], strings.SplitN(reg.Host, ":", 2)[1]+"/")
	start := time.Now()
	var got int64
	for range 3 {
		resp, err := http.Get(reg.URL + "/v2/" + repo + "/blobs/" + big)
		require.NoError(t, err)
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		got += n
	}
	l.get = mbps(got, time.Since(start))

	// Sequential write with fsync.
	buf := make([]byte, 4*size.MiB)
	f, err := os.Create(filepath.Join(dir, "write-test"))
	require.NoError(t, err)
	start = time.Now()
	var written int64
	for written < 512*size.MiB {
		n, err := f.Write(buf)
		require.NoError(t, err)
		written += int64(n)
	}
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
	l.write = mbps(written, time.Since(start))
	os.Remove(filepath.Join(dir, "write-test"))

	// The same, bypassing the page cache (as ferry writes parts).
	direct := alignedBench(4 << 20)
	f, err = os.OpenFile(filepath.Join(dir, "write-test"), os.O_CREATE|os.O_WRONLY|syscall.O_DIRECT, 0o644)
	require.NoError(t, err)
	start = time.Now()
	for written = 0; written < 512*size.MiB; written += int64(len(direct)) {
		_, err := f.Write(direct)
		require.NoError(t, err)
	}
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
	l.direct = mbps(written, time.Since(start))
	os.Remove(filepath.Join(dir, "write-test"))

	// sha256.
	h := sha256.New()
	start = time.Now()
	for i := 0; i < 128; i++ {
		h.Write(buf)
	}
	l.hash = mbps(128*int64(len(buf)), time.Since(start))
	return l
}
