package registrytest

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proxiedLayer pushes one image with a layer of n bytes and returns the
// layer's URL through a new proxy.
func proxiedLayer(t *testing.T, n int64) (*FaultProxy, string) {
	t.Helper()
	reg := StartInProcess(t)
	pushed := reg.Push(t, ImageSpec{Repo: "demo/big", Tag: "1", Platforms: []string{"linux/amd64"},
		Layers: []LayerSpec{{Name: "big", Size: n}}})
	p := NewFaultProxy(t, reg)
	for d, s := range pushed[0].Platforms["linux/amd64"].Layers {
		if s >= n {
			return p, "http://" + p.Host + "/v2/demo/big/blobs/" + d
		}
	}
	t.Fatal("no layer of that size")
	return nil, ""
}

func get(t *testing.T, url, rng string) int64 {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	return n
}

// The caps are lower bounds on time: a response cannot arrive faster than
// its cap allows, however fast the machine.
func TestProxyCapsEachResponse(t *testing.T) {
	p, url := proxiedLayer(t, 1<<20)
	p.Throttle(4 << 20)
	start := time.Now()
	n := get(t, url, "")
	assert.GreaterOrEqual(t, time.Since(start), 240*time.Millisecond, "1 MiB at 4 MiB/s")
	assert.Eventually(t, func() bool { return p.BlobBytes() == n }, 5*time.Second, 10*time.Millisecond)
}

func TestProxyCapsAllResponsesTogether(t *testing.T) {
	p, url := proxiedLayer(t, 1<<20)
	p.Throttle(64 << 20)
	p.ThrottleAll(4 << 20)
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total int64
	for range 4 {
		wg.Go(func() {
			n := get(t, url, "")
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	// Each response alone would take 16 ms; together they share 4 MiB/s.
	assert.GreaterOrEqual(t, time.Since(start), 950*time.Millisecond, "4 MiB at 4 MiB/s in all")
	assert.GreaterOrEqual(t, total, int64(4<<20))
	// The proxy counts a write once it returns, which can be just after
	// the client has read it.
	assert.Eventually(t, func() bool { return p.BlobBytes() == total }, 5*time.Second, 10*time.Millisecond, "proxy counted %d of %d bytes", p.BlobBytes(), total)
}

func TestProxyDelaysEveryRequestAndRecordsRanges(t *testing.T) {
	p, url := proxiedLayer(t, 1000)
	p.Latency(150 * time.Millisecond)
	start := time.Now()
	assert.EqualValues(t, 100, get(t, url, "bytes=100-199"))
	get(t, url, "")
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "two requests, 150 ms each")
	assert.Equal(t, []string{"bytes=100-199", ""}, p.Ranges())
}

// Blob GETs are redirected to the CDN, which serves Range requests with
// the proxy's pacing, holds no login, and refuses its URLs once expired.
func TestProxyRedirectsBlobsToACDN(t *testing.T) {
	p, blobURL := proxiedLayer(t, 1<<20)
	p.RedirectBlobs(t)
	p.Throttle(4 << 20)

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(blobURL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	cdnURL := resp.Header.Get("Location")
	require.NotContains(t, cdnURL, p.Host, "the CDN is another host")

	start := time.Now()
	n := get(t, blobURL, "")
	assert.GreaterOrEqual(t, n, int64(1<<20), "followed, the whole blob")
	assert.GreaterOrEqual(t, time.Since(start), 240*time.Millisecond, "the CDN's answer is paced too")
	assert.EqualValues(t, 100, get(t, cdnURL, "bytes=100-199"), "the CDN answers Range")
	assert.Equal(t, []string{"", "bytes=100-199"}, p.Ranges(), "recorded where the bytes come from")
	assert.EqualValues(t, 2, p.Redirects())

	p.ExpireCDN()
	resp, err = http.Get(cdnURL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "an expired URL")
	assert.Equal(t, n, get(t, blobURL, ""), "a new redirect works")
}
