package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// A blob downloaded into the cache comes on one connection, appended and
// hashed as it arrives. Where each connection is slow (a far registry, a
// CDN capping each one), a large blob would take as long as one
// connection allows: once its first stretch shows that, the rest comes as
// Range segments on several connections at once, each written at its
// place in the partial file, and the whole file is hashed at the end.
// The cache is on a local disk, so the file may have holes meanwhile; a
// failure cuts it back to the part without holes, which the next attempt
// (or run) resumes from as before.

const (
	// cacheSegment is a segment of a blob downloaded into the cache.
	cacheSegment = 8 << 20
	// segmentsPerBlob bounds the segments of one blob fetched at once.
	segmentsPerBlob = 8
	// segmentsAtOnce bounds the segments fetched at once over all blobs.
	segmentsAtOnce = 24
	// judgeAfter is how long the first stretch runs before the rest of
	// the blob is judged too slow for one connection.
	judgeAfter = 500 * time.Millisecond
	// tooSlow is the time left, at the first stretch's rate, past which
	// the rest goes in segments.
	tooSlow = 2 * time.Second
)

// errSwitch stops a blob's one connection so the rest comes in segments.
var errSwitch = errors.New("switching to segments")

// errRangeIgnored ends segments from a server that sent the whole blob
// for a Range request.
var errRangeIgnored = errors.New("the server ignores Range")

// watch cancels the fetch with errSwitch once, after judgeAfter, the rest
// of a blob of size bytes would take longer than tooSlow at the rate its
// connection delivered; done is what the fetch holds, and reading the
// time spent waiting on the connection (asking, then reading). A fetch slowed by the disk it
// writes to (reading takes little of its time) keeps its one connection:
// more would not help. stop ends the watching.
func watch(cancel context.CancelCauseFunc, size int64, done, reading *atomic.Int64) (stop func()) {
	first, waited := done.Load(), reading.Load()
	t := time.AfterFunc(judgeAfter, func() {
		got := done.Load() - first
		left := size - done.Load()
		if left < 2*cacheSegment {
			return
		}
		rate := float64(got) / time.Duration(max(1, reading.Load()-waited)).Seconds()
		if rate <= 0 || time.Duration(float64(left)/rate*float64(time.Second)) > tooSlow {
			cancel(errSwitch)
		}
	})
	return func() { t.Stop() }
}

// timedBody adds the time its reads take to ns.
type timedBody struct {
	io.ReadCloser
	ns *atomic.Int64
}

func (b *timedBody) Read(p []byte) (int, error) {
	t0 := time.Now()
	n, err := b.ReadCloser.Read(p)
	b.ns.Add(int64(time.Since(t0)))
	return n, err
}

// segmentSlots bounds the segments fetched at once by every blob of a
// downloader.
func (d *Downloader) segmentSlots() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.slots == nil {
		d.slots = make(chan struct{}, segmentsAtOnce)
	}
	return d.slots
}

// fetchSegments downloads the rest of partial, from the end of what it
// holds, in segments at once; then hashes the whole and, when digest
// matches, renames it to final. On failure the file is cut back to its
// part without holes.
func (d *Downloader) fetchSegments(ctx context.Context, partial, final, digest string, size int64, open opener, retry Retry, tell reporter) error {
	f, err := os.OpenFile(partial, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	from := min(st.Size(), size)
	var segs [][2]int64
	for off := from; off < size; off += cacheSegment {
		segs = append(segs, [2]int64{off, min(size, off+cacheSegment)})
	}
	got := make([]int64, len(segs)) // bytes of each segment in the file
	var total atomic.Int64
	total.Store(from)
	var mu sync.Mutex
	reported := from
	report := func(attempt int, e error) {
		mu.Lock()
		defer mu.Unlock()
		if n := total.Load(); n > reported {
			reported = n
		}
		if tell != nil {
			tell(reported, attempt, e)
		}
	}
	slots := d.segmentSlots()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(segmentsPerBlob)
	for i, sg := range segs {
		g.Go(func() error {
			select {
			case slots <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			defer func() { <-slots }()
			return fetchSegment(gctx, f, sg[0], sg[1], open, retry, func(n int64, attempt int, e error) {
				total.Add(n - got[i])
				got[i] = n
				report(attempt, e)
			})
		})
	}
	if err := g.Wait(); err != nil {
		// Keep what needs no hole before it, for the next attempt.
		keep := from
		for i, sg := range segs {
			if got[i] != sg[1]-sg[0] {
				keep = sg[0] + got[i]
				break
			}
			keep = sg[1]
		}
		if terr := f.Truncate(keep); terr != nil {
			return terr
		}
		if errors.Is(err, errRangeIgnored) {
			d.rangeIgnored.Store(true)
		}
		return err
	}
	h := sha256.New()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if sum := "sha256:" + hex.EncodeToString(h.Sum(nil)); sum != digest {
		f.Close()
		os.Remove(partial)
		return &mismatch{got: sum}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(partial, final)
}

// mismatch is a blob whose content hashed to got.
type mismatch struct{ got string }

func (m *mismatch) Error() string { return "the content hashes to " + m.got }

// fetchSegment writes the bytes [from, end) at their place in f,
// retrying from where it stopped; progress sees the bytes written.
func fetchSegment(ctx context.Context, f *os.File, from, end int64, open opener, retry Retry, report reporter) error {
	pos := from
	for attempt := 0; ; attempt++ {
		err := func() error {
			body, start, err := open(ctx, pos, end-1)
			if err != nil {
				return err
			}
			defer body.Close()
			if _, whole := body.(wholeBody); whole || start != pos {
				return errRangeIgnored
			}
			w := io.NewOffsetWriter(f, pos)
			buf := make([]byte, 256<<10)
			for pos < end {
				n, rerr := body.Read(buf[:min(int64(len(buf)), end-pos)])
				if n > 0 {
					if _, err := w.Write(buf[:n]); err != nil {
						return &sinkError{err}
					}
					pos += int64(n)
					report(pos-from, attempt, nil)
				}
				if rerr == io.EOF {
					break
				}
				if rerr != nil {
					return rerr
				}
			}
			if pos < end {
				return fmt.Errorf("%w: got %d of %d bytes", io.ErrUnexpectedEOF, pos-from, end-from)
			}
			return nil
		}()
		if err == nil {
			return nil
		}
		var se *sinkError
		if errors.As(err, &se) {
			return se.err
		}
		retryable, after := transient(err)
		if !retryable || attempt >= retry.attempts() || ctx.Err() != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		report(pos-from, attempt+1, err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retry.delay(attempt, after)):
		}
	}
}
