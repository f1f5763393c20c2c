package prepare

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamedBlobs is the fixture's layers as the writer streams them.
func streamedBlobs(t *testing.T, f *fixture) []*work {
	t.Helper()
	var out []*work
	for _, w := range workList(f.plan) {
		if w.kind == "blob" {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	require.GreaterOrEqual(t, len(out), 3)
	return out
}

func sumOf(t *testing.T, r io.Reader) (string, int64) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	require.NoError(t, err)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), n
}

// TestStreamerGivesEachBlobInOrder reads every blob through the streamer,
// with fewer slots than blobs so that fetches wait for the writer, one
// blob opened from the middle (as after a resumed run) and one left
// unread; the spools' goroutines all end.
func TestStreamerGivesEachBlobInOrder(t *testing.T) {
	f := newFixture(t, true)
	blobs := streamedBlobs(t, f)
	var mu sync.Mutex
	reported := map[string]int64{}
	s := newStreamer(context.Background(), f.prep.Downloader, blobs, 2, func(w *work, n int64, _ int, _ error) {
		mu.Lock()
		reported[w.key] = max(reported[w.key], n)
		mu.Unlock()
	})
	for i, w := range blobs {
		switch i {
		case 0:
			// Resumed: the first 1000 bytes are in the bundle already.
			r := s.open(w.key, 1000)
			var rest bytes.Buffer
			_, err := io.Copy(&rest, r)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			assert.EqualValues(t, w.size-1000, rest.Len())
		case 1:
			// Opened and closed before the end: nothing breaks.
			r := s.open(w.key, 0)
			_, err := io.CopyN(io.Discard, r, 10)
			require.NoError(t, err)
			require.NoError(t, r.Close())
		default:
			r := s.open(w.key, 0)
			sum, n := sumOf(t, r)
			require.NoError(t, r.Close())
			assert.Equal(t, w.key, sum, "blob %d", i)
			assert.Equal(t, w.size, n)
			mu.Lock()
			assert.Equal(t, w.size, reported[w.key], "progress reached the blob's size")
			mu.Unlock()
		}
	}
	s.stopAll()
	assert.Greater(t, s.Fetched(), int64(0))
	deadline := time.Now().Add(5 * time.Second)
	for fetching() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.Zero(t, fetching(), "the fetches ended")
}

// fetching counts the goroutines fetching into a spool.
func fetching() int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	return bytes.Count(buf[:n], []byte("prepare.(*streamer).start.func"))
}

// TestStreamerRestartsAPrefetchedBlobFromAnOffset: a blob fetched ahead
// from its start but opened from the middle is fetched again from there.
func TestStreamerRestartsAPrefetchedBlobFromAnOffset(t *testing.T) {
	f := newFixture(t, true)
	blobs := streamedBlobs(t, f)
	big := len(blobs) - 1
	for i, b := range blobs {
		if b.size > blobs[big].size {
			big = i
		}
	}
	require.NotZero(t, big, "the largest blob is not the first")
	require.Greater(t, blobs[big].size, int64(1000))
	whole := newStreamer(context.Background(), f.prep.Downloader, blobs, 1, func(*work, int64, int, error) {})
	r := whole.open(blobs[big].key, 0)
	var full bytes.Buffer
	_, err := io.Copy(&full, r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	whole.stopAll()

	s := newStreamer(context.Background(), f.prep.Downloader, blobs, len(blobs), func(*work, int64, int, error) {})
	defer s.stopAll()
	r = s.open(blobs[0].key, 0) // starts every other blob ahead, from 0
	_, err = io.Copy(io.Discard, r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	r = s.open(blobs[big].key, 500)
	var rest bytes.Buffer
	_, err = io.Copy(&rest, r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	assert.Equal(t, full.Bytes()[500:], rest.Bytes())
}

// TestStreamerStopsWhenCancelled: a cancelled run ends the reads with the
// context's error.
func TestStreamerStopsWhenCancelled(t *testing.T) {
	f := newFixture(t, true)
	blobs := streamedBlobs(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	s := newStreamer(ctx, f.prep.Downloader, blobs, 1, func(*work, int64, int, error) {})
	cancel()
	r := s.open(blobs[len(blobs)-1].key, 0)
	_, err := io.Copy(io.Discard, r)
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, r.Close())
	s.stopAll()
}
