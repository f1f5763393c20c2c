package prepare

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/download"
	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
)

// bigBlob is a streamer over one image with a layer of three segments and
// a bit, served through a proxy.
func bigBlob(t *testing.T) (*registrytest.FaultProxy, *work, func(ahead int) *streamer) {
	t.Helper()
	reg := registrytest.StartInProcess(t)
	pushed := reg.Push(t, registrytest.ImageSpec{Repo: "demo/big", Tag: "1", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "big", Size: 3*segmentSize + 12345}}})
	p := registrytest.NewFaultProxy(t, reg)
	acc, err := source.New(source.Options{InsecureHosts: []string{p.Host}})
	require.NoError(t, err)
	cache, err := download.OpenCache(t.TempDir())
	require.NoError(t, err)
	d := &download.Downloader{Cache: cache, Access: acc, Retry: download.Retry{Attempts: 3, Base: time.Millisecond}}
	var w *work
	for dg, n := range pushed[0].Platforms["linux/amd64"].Layers {
		if n > 3*segmentSize {
			w = &work{kind: "blob", key: dg, size: n, ref: p.Host + "/demo/big:1"}
		}
	}
	require.NotNil(t, w)
	return p, w, func(ahead int) *streamer {
		s := newStreamer(context.Background(), d, []*work{w}, ahead, func(*work, int64, int, error) {})
		t.Cleanup(s.stopAll)
		return s
	}
}

func readAll(t *testing.T, s *streamer, w *work) {
	t.Helper()
	r := s.open(w.key, 0)
	sum, n := sumOf(t, r)
	require.NoError(t, r.Close())
	assert.Equal(t, w.size, n)
	assert.Equal(t, w.key, sum, "the blob arrives byte for byte")
}

// ranged are the Range headers of requests that had one (the layer's;
// the config is read whole).
func ranged(ranges []string) []string {
	var out []string
	for _, r := range ranges {
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

// bounded are the Range requests for one segment each.
func bounded(ranges []string) []string {
	var out []string
	for _, r := range ranges {
		if r != "" && !strings.HasSuffix(r, "-") {
			out = append(out, r)
		}
	}
	return out
}

func TestSegmentedBlobArrivesWhole(t *testing.T) {
	p, w, newS := bigBlob(t)
	s := newS(4)
	s.segmented = true
	readAll(t, s, w)
	assert.Equal(t, []string{
		fmt.Sprintf("bytes=0-%d", segmentSize-1),
		fmt.Sprintf("bytes=%d-%d", segmentSize, 2*segmentSize-1),
		fmt.Sprintf("bytes=%d-%d", 2*segmentSize, 3*segmentSize-1),
		fmt.Sprintf("bytes=%d-", 3*segmentSize),
	}, sortedCopy(ranged(p.Ranges())), "one request per segment")
	assert.Equal(t, w.size, s.Fetched(), "nothing fetched twice")
}

func TestAFailedSegmentRetriesOnlyItsRange(t *testing.T) {
	p, w, newS := bigBlob(t)
	p.ResetAfter(1 << 20)
	p.FaultsOnly(w.key)
	s := newS(4)
	s.segmented = true
	readAll(t, s, w)
	ranges := ranged(p.Ranges())
	var start, end int64
	var retry string
	for _, r := range ranges {
		if fmt.Sscanf(r, "bytes=%d-", &start); start%segmentSize != 0 {
			retry = r
		}
	}
	require.NotEmpty(t, retry, "a request started inside a segment: %v", ranges)
	end = w.size - 1
	fmt.Sscanf(retry, "bytes=%d-%d", &start, &end)
	assert.True(t, end == w.size-1 || (end+1)%segmentSize == 0, "and ends with its segment: %s", retry)
	assert.Len(t, ranges, 5, "four segments, one retried from where it was cut: %v", ranges)
}

func TestARegistryIgnoringRangeStillServesSegments(t *testing.T) {
	p, w, newS := bigBlob(t)
	p.IgnoreRange()
	s := newS(4)
	s.segmented = true
	readAll(t, s, w)
	assert.True(t, s.d.RangeIgnored())
	assert.LessOrEqual(t, len(ranged(p.Ranges())), 3, "the streamer stopped cutting the blob once it saw whole answers")
}

// A capped connection starves the writer: the streamer switches to
// segments in the middle of the blob, which still arrives whole.
func TestStarvedWriterSwitchesToSegments(t *testing.T) {
	p, w, newS := bigBlob(t)
	p.Throttle(8 << 20)
	s := newS(2)
	readAll(t, s, w)
	assert.True(t, s.Segmented())
	assert.NotEmpty(t, bounded(p.Ranges()), "segments were asked for")
	assert.Less(t, s.Fetched(), w.size+2*segmentSize, "little was fetched twice")
}

// More connections while the throughput grows; none once it stops.
func TestConnectionsGrowWhileThroughputGrows(t *testing.T) {
	s := &streamer{ahead: 8, conns: 8, segmented: true}
	s.adapt = adaptState{since: time.Now().Add(-adaptEvery)}
	s.waited.Store(int64(adaptEvery))
	s.consumed(100 << 20)
	assert.Equal(t, 12, s.conns, "the writer waited: more connections")
	s.adapt.since = time.Now().Add(-adaptEvery)
	s.waited.Add(int64(adaptEvery))
	s.consumed(140 << 20)
	assert.Equal(t, 18, s.conns, "throughput grew: half as many again")
	s.adapt.since = time.Now().Add(-adaptEvery)
	s.waited.Add(int64(adaptEvery))
	s.consumed(141 << 20)
	assert.Equal(t, 18, s.conns)
	assert.True(t, s.adapt.settled, "throughput stopped growing: settled")
}

// Segments once fetched hold no connection: while the writer waits for
// the one it needs, the next ones are fetched, up to half as many again
// as connections.
func TestFetchedSegmentsFreeTheirConnection(t *testing.T) {
	p, w, newS := bigBlob(t)
	s := newS(2)
	s.segmented = true
	r := s.open(w.key, 0) // starts two; the writer reads nothing yet
	defer r.Close()
	started := func() (running, held int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, sg := range s.queue {
			if sg.sp != nil {
				held++
				if !sg.sp.fetched.Load() {
					running++
				}
			}
		}
		return running, held
	}
	assert.Eventually(t, func() bool { _, held := started(); return held == 3 }, 5*time.Second, 5*time.Millisecond,
		"a third segment starts once one of the first two is fetched")
	time.Sleep(100 * time.Millisecond)
	running, held := started()
	assert.Equal(t, 3, held, "no more are held than half as many again as connections")
	assert.LessOrEqual(t, running, 2)
	assert.Len(t, bounded(p.Ranges()), 3)
}

func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			var a, b int64
			fmt.Sscanf(out[i], "bytes=%d-", &a)
			fmt.Sscanf(out[j], "bytes=%d-", &b)
			if b < a {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// blobs is a streamer over several layers of one and a half segments
// each, in the order the writer takes them, served through a proxy.
func blobs(t *testing.T, n int) (*registrytest.FaultProxy, []*work, func(ahead int) *streamer) {
	t.Helper()
	reg := registrytest.StartInProcess(t)
	var layers []registrytest.LayerSpec
	for i := range n {
		layers = append(layers, registrytest.LayerSpec{Name: fmt.Sprintf("l%d", i), Size: segmentSize + segmentSize/2 + int64(i)})
	}
	pushed := reg.Push(t, registrytest.ImageSpec{Repo: "demo/many", Tag: "1", Platforms: []string{"linux/amd64"}, Layers: layers})
	p := registrytest.NewFaultProxy(t, reg)
	acc, err := source.New(source.Options{InsecureHosts: []string{p.Host}})
	require.NoError(t, err)
	cache, err := download.OpenCache(t.TempDir())
	require.NoError(t, err)
	d := &download.Downloader{Cache: cache, Access: acc, Retry: download.Retry{Attempts: 3, Base: time.Millisecond}}
	var ws []*work
	for dg, size := range pushed[0].Platforms["linux/amd64"].Layers {
		if size > segmentSize {
			ws = append(ws, &work{kind: "blob", key: dg, size: size, ref: p.Host + "/demo/many:1"})
		}
	}
	require.Len(t, ws, n)
	return p, ws, func(ahead int) *streamer {
		s := newStreamer(context.Background(), d, ws, ahead, func(*work, int64, int, error) {})
		t.Cleanup(s.stopAll)
		return s
	}
}

// Switching to segments keeps what the connections fetched ahead: every
// byte of every blob comes over the network once.
func TestSwitchingToSegmentsFetchesNothingTwice(t *testing.T) {
	p, ws, newS := blobs(t, 4)
	p.Throttle(8 << 20)
	s := newS(4)
	var total int64
	for _, w := range ws {
		readAll(t, s, w)
		total += w.size
	}
	assert.True(t, s.Segmented())
	assert.Equal(t, total, s.Fetched(), "nothing fetched twice")
}

// A writer waiting out a registry's Retry-After is not waiting on a slow
// connection: the blobs stay whole.
func TestARetryPauseIsNotASlowLink(t *testing.T) {
	p, ws, newS := blobs(t, 2)
	p.FailNext(503, "1", 1)
	s := newS(2)
	var total int64
	for _, w := range ws {
		readAll(t, s, w)
		total += w.size
	}
	assert.False(t, s.Segmented())
	assert.Empty(t, bounded(p.Ranges()), "no segments were asked for")
	assert.Equal(t, total, s.Fetched())
}

// The first blobs are fetched before the writer asks for them, and what
// was fetched is what the writer gets: nothing twice.
func TestPrefetchStartsBeforeTheWriter(t *testing.T) {
	p, ws, newS := blobs(t, 3)
	s := newS(2)
	s.prefetch()
	assert.Eventually(t, func() bool { return len(p.Ranges()) >= 2 }, 5*time.Second, 5*time.Millisecond, "fetching before any open")
	var total int64
	for _, w := range ws {
		readAll(t, s, w)
		total += w.size
	}
	assert.Equal(t, total, s.Fetched(), "nothing fetched twice")
}
