package download

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/progress"
	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
)

// bigLayer is a registry behind a proxy holding one layer of n bytes, and
// a downloader through the proxy.
func bigLayer(t *testing.T, n int64) (*registrytest.FaultProxy, *Downloader, string, string, int64) {
	t.Helper()
	reg := registrytest.StartInProcess(t)
	pushed := reg.Push(t, registrytest.ImageSpec{Repo: "demo/big", Tag: "1", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "big", Size: n}}})
	p := registrytest.NewFaultProxy(t, reg)
	acc, err := source.New(source.Options{InsecureHosts: []string{p.Host}})
	require.NoError(t, err)
	cache, err := OpenCache(t.TempDir())
	require.NoError(t, err)
	d := &Downloader{Cache: cache, Access: acc, Retry: Retry{Attempts: 3, Base: time.Millisecond}}
	for dg, size := range pushed[0].Platforms["linux/amd64"].Layers {
		if size >= n {
			return p, d, p.Host + "/demo/big:1", dg, size
		}
	}
	t.Fatal("no layer of that size")
	return nil, nil, "", "", 0
}

func segmentRanges(p *registrytest.FaultProxy) []string {
	var out []string
	for _, r := range p.Ranges() {
		if r != "" && !strings.HasSuffix(r, "-") {
			out = append(out, r)
		}
	}
	return out
}

// A large blob whose one connection is slow continues in segments, and
// arrives whole and verified in the cache.
func TestASlowBlobIntoTheCacheContinuesInSegments(t *testing.T) {
	p, d, ref, digest, size := bigLayer(t, 48<<20)
	p.Throttle(16 << 20)
	var last int64
	require.NoError(t, d.Blob(context.Background(), ref, digest, size, func(e progress.Event) {
		assert.Equal(t, progress.Downloading, e.State)
		assert.GreaterOrEqual(t, e.ItemBytes, last, "progress never goes back")
		last = e.ItemBytes
	}))
	assert.True(t, d.Cache.HasBlob(digest, size))
	assert.Equal(t, size, last)
	assert.GreaterOrEqual(t, len(segmentRanges(p)), 3, "the rest came in segments: %v", p.Ranges())
	_, err := os.Stat(d.Cache.partialPath(digest))
	assert.True(t, os.IsNotExist(err), "nothing partial is left")
}

// A registry that ignores Range sends the whole blob for a segment: the
// download goes back to one connection and still arrives whole.
func TestSegmentsFromARegistryIgnoringRangeFallBackToOneConnection(t *testing.T) {
	p, d, ref, digest, size := bigLayer(t, 48<<20)
	p.Throttle(16 << 20)
	p.IgnoreRange()
	require.NoError(t, d.Blob(context.Background(), ref, digest, size, nil))
	assert.True(t, d.Cache.HasBlob(digest, size))
	assert.True(t, d.RangeIgnored())
}

// A download stopped while in segments keeps the part of the file without
// holes, and the next run resumes from there.
func TestStoppedSegmentsResumeFromWhatHasNoHoles(t *testing.T) {
	p, d, ref, digest, size := bigLayer(t, 48<<20)
	p.Throttle(16 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel)
	require.Error(t, d.Blob(ctx, ref, digest, size, nil))
	st, err := os.Stat(d.Cache.partialPath(digest))
	require.NoError(t, err)
	assert.Less(t, st.Size(), size)
	p.Throttle(0)
	require.NoError(t, d.Blob(context.Background(), ref, digest, size, nil))
	assert.True(t, d.Cache.HasBlob(digest, size), "resumed and verified")
}
