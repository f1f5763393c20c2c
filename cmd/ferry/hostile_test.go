package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle/bundletest"
	"ferry/artifacts/registrytest"
)

// runBounded runs ferry in-process under a deadline (a command that
// serves or hangs is stopped by it), and measures how long it took and how
// far the live heap grew above where it started.
func runBounded(t *testing.T, args ...string) (code int, stderr string, took time.Duration, heap uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base {
					peak = max(peak, ms.HeapAlloc-base)
				}
			}
		}
	}()
	var out, errOut bytes.Buffer
	start := time.Now()
	code = run(ctx, args, &out, &errOut, []string{"NO_COLOR=1", "HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir()})
	took = time.Since(start)
	close(stop)
	wg.Wait()
	require.NoError(t, ctx.Err(), "ferry %v did not end by itself", args)
	return code, errOut.String(), took, peak
}

// refused asserts the command failed in one sentence containing want,
// within seconds and a bounded heap.
func refused(t *testing.T, want string, args ...string) {
	t.Helper()
	// Progress lines are off: what stderr says is the refusal alone.
	code, stderr, took, heap := runBounded(t, append(args, "--progress", "none")...)
	assert.NotEqual(t, 0, code, "ferry %v succeeded", args)
	oneSentence(t, stderr, want)
	assert.Less(t, took, 30*time.Second, "generous: it takes well under a second")
	assert.Less(t, heap, uint64(200<<20))
	t.Logf("%s: %v, heap +%d MiB", args[0], took.Round(time.Millisecond), heap>>20)
}

func TestHostileBundlesAreRefusedByVerifyImportAndServe(t *testing.T) {
	site := registrytest.StartInProcess(t)
	for _, h := range bundletest.HostileBundles() {
		t.Run(h.Name, func(t *testing.T) {
			f := bundletest.Write(t, t.TempDir(), h.Spec())
			refused(t, h.Want, "verify", f.Dir)
			refused(t, h.Want, "import", f.Dir, "--registry", site.Host+"/mirror", "--insecure")
			if !h.Graph { // an import of Maven files alone walks no image
				refused(t, h.Want, "import", f.Dir, "--maven-dir", t.TempDir())
			}
			refused(t, h.Want, "serve", f.Dir, "--listen", "127.0.0.1:0")
		})
	}
}

func TestAPartThatIsAFIFOIsRefusedByEveryCommand(t *testing.T) {
	f := bundletest.Write(t, t.TempDir(), bundletest.Spec{PartSize: 4096, Entries: bundletest.MavenEntries()})
	part := filepath.Join(f.Dir, f.Index.Parts[1].Name)
	require.NoError(t, os.Remove(part))
	require.NoError(t, syscall.Mkfifo(part, 0o644))
	want := "part 2 of 4 (forged.part002) is a FIFO, not a regular file: copy it again from the original media"
	refused(t, want, "verify", f.Dir)
	refused(t, want, "verify", "--quick", f.Dir)
	refused(t, want, "import", f.Dir, "--maven-dir", t.TempDir())
	refused(t, want, "serve", f.Dir, "--listen", "127.0.0.1:0")
}

func TestFullVerifyOfADamagedPartSaysCopyThePart(t *testing.T) {
	blob := bundletest.Blob(make([]byte, 20000))
	f := bundletest.Write(t, t.TempDir(), bundletest.Spec{PartSize: 4096, Entries: append(bundletest.MavenEntries(), blob)})
	n := f.FlipByte(t, blob.Name, 10000)
	part := f.Index.Parts[n-1].Name
	refused(t, part+") is damaged (its checksum does not match): copy it again from the original media", "verify", f.Dir)
}

func TestAnIndexBombIsServedAndVerifiedQuickly(t *testing.T) {
	f := bundletest.Write(t, t.TempDir(), bundletest.NestedIndexes(6, 40))
	code, stderr, took, heap := runBounded(t, "verify", f.Dir)
	require.Equal(t, 0, code, stderr)
	assert.Less(t, took, 30*time.Second)
	assert.Less(t, heap, uint64(200<<20))

	site := registrytest.StartInProcess(t)
	code, stderr, took, _ = runBounded(t, "import", f.Dir, "--registry", site.Host+"/mirror", "--insecure")
	assert.Less(t, took, 30*time.Second)
	if code != 0 {
		oneSentence(t, stderr, "")
	}

	host, stop := startServe(t, f.Dir)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+host+"/v2/forged/nested/manifests/1.0", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, stop(), "pulled forged/nested:1.0")
}
