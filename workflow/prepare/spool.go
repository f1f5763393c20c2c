package prepare

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// A spool holds one segment's bytes between its fetch and the writer:
// chunks in order, bounded, taken from and given back to chunkPool.

var chunkPool = sync.Pool{New: func() any { b := make([]byte, spoolChunk); return &b }}

// spool is one segment being fetched: chunks in order, then the outcome.
type spool struct {
	chunks chan *[]byte
	err    error // set before chunks is closed
	cancel context.CancelFunc
	cur    *[]byte
	rest   []byte
	// fetched is set once the fetch ended, its chunks all in the spool.
	fetched atomic.Bool

	mu       sync.Mutex
	end, got int64 // where the fetch stops, and what it took (or is taking)
}

func (sg *segment) stop() {
	if sg.sp != nil {
		sg.sp.stop()
	}
}

func (sp *spool) stop() {
	sp.cancel()
	for b := range sp.chunks {
		chunkPool.Put(b)
	}
}

// spoolWriter cuts what the fetch receives into chunks for the spool, and
// ends the fetch at the spool's end (errCut) once the streamer moved it.
type spoolWriter struct {
	ctx context.Context
	sp  *spool
	buf *[]byte
	n   int
}

// reserve takes up to n bytes of what is left before the spool's end.
func (w *spoolWriter) reserve(n int) int {
	w.sp.mu.Lock()
	defer w.sp.mu.Unlock()
	n = int(min(int64(n), w.sp.end-w.sp.got))
	w.sp.got += int64(n)
	return n
}

func (w *spoolWriter) unreserve(n int) {
	w.sp.mu.Lock()
	w.sp.got -= int64(n)
	w.sp.mu.Unlock()
}

func (w *spoolWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		if w.buf == nil {
			w.buf, w.n = chunkPool.Get().(*[]byte), 0
			*w.buf = (*w.buf)[:cap(*w.buf)]
		}
		c := w.reserve(min(len(b), len(*w.buf)-w.n))
		if c == 0 {
			return written, errCut
		}
		copy((*w.buf)[w.n:], b[:c])
		w.n += c
		b = b[c:]
		written += c
		if w.n == len(*w.buf) {
			if err := w.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// ReadFrom reads straight into the spool's chunks.
func (w *spoolWriter) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		if err := w.flush(); err != nil {
			return total, err
		}
		want := w.reserve(spoolChunk)
		if want == 0 {
			return total, errCut
		}
		w.buf = chunkPool.Get().(*[]byte)
		*w.buf = (*w.buf)[:cap(*w.buf)]
		n, err := io.ReadFull(r, (*w.buf)[:want])
		w.unreserve(want - n)
		w.n = n
		total += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return total, w.flush()
		}
		if err != nil {
			return total, err
		}
	}
}

func (w *spoolWriter) flush() error {
	if w.buf == nil {
		return nil
	}
	if w.n == 0 {
		chunkPool.Put(w.buf)
		w.buf = nil
		return nil
	}
	b := w.buf
	*b = (*b)[:w.n]
	w.buf = nil
	select {
	case w.sp.chunks <- b:
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

// spoolReader gives the writer a blob's content, segment after segment.
type spoolReader struct {
	s            *streamer
	i            int
	pos, size    int64
	sg           *segment
	opened       time.Time
	waitedBefore int64
	segStart     time.Time
}

// head is the segment the reader needs next, fetching.
func (r *spoolReader) head() *segment {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 || s.queue[0].i != r.i || s.queue[0].from != r.pos {
		for _, sg := range s.queue {
			sg.stop()
		}
		s.queue, s.tailI, s.tailOff = nil, r.i, r.pos
	}
	s.fill()
	sg := s.queue[0]
	if sg.sp == nil {
		s.start(sg)
	}
	return sg
}

// done moves past the segment the reader finished.
func (r *spoolReader) done(sg *segment) error {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sg.sp.mu.Lock()
	end := sg.sp.end
	sg.sp.mu.Unlock()
	if len(s.queue) > 0 && s.queue[0] == sg {
		s.queue = s.queue[1:]
	}
	if r.pos != end {
		return fmt.Errorf("%w: a segment of %s ended at %d, not %d", io.ErrUnexpectedEOF, s.order[r.i].key, r.pos, end)
	}
	s.consumed(end - sg.from)
	s.fill()
	return nil
}

func (r *spoolReader) Read(b []byte) (int, error) {
	for r.sg == nil || len(r.sg.sp.rest) == 0 {
		if r.sg == nil {
			if r.pos >= r.size {
				return 0, io.EOF
			}
			r.sg = r.head()
		}
		sp := r.sg.sp
		if sp.cur != nil {
			chunkPool.Put(sp.cur)
			sp.cur = nil
		}
		var c *[]byte
		var ok bool
		select {
		case c, ok = <-sp.chunks:
		default:
			// Nothing has come yet: the writer waits on the network.
			t0 := time.Now()
			select {
			case c, ok = <-sp.chunks:
			case <-r.s.ctx.Done():
				return 0, r.s.ctx.Err()
			}
			r.s.waited.Add(int64(time.Since(t0)))
			if took := time.Since(r.opened); took > starvedFor && time.Duration(r.s.waited.Load()-r.waitedBefore) > took/2 && r.s.retried[r.i].Load() == 0 {
				r.s.mu.Lock()
				r.s.starved()
				r.s.mu.Unlock()
			}
		}
		if !ok {
			if sp.err != nil {
				return 0, sp.err
			}
			sg := r.sg
			r.sg = nil
			if err := r.done(sg); err != nil {
				return 0, err
			}
			continue
		}
		sp.cur, sp.rest = c, *c
		r.pos += int64(len(*c))
	}
	n := copy(b, r.sg.sp.rest)
	r.sg.sp.rest = r.sg.sp.rest[n:]
	return n, nil
}

// WriteTo hands the spool's chunks on without copying them first.
func (r *spoolReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if r.sg != nil && len(r.sg.sp.rest) > 0 {
			n, err := w.Write(r.sg.sp.rest)
			total += int64(n)
			r.sg.sp.rest = r.sg.sp.rest[n:]
			if err != nil {
				return total, err
			}
		}
		if _, err := r.Read(nil); err != nil {
			if err == io.EOF {
				return total, nil
			}
			return total, err
		}
	}
}

// Close ends the blob's fetches and frees their spools.
func (r *spoolReader) Close() error {
	s := r.s
	s.mu.Lock()
	s.lastTook, s.lastWait = time.Since(r.opened), time.Duration(s.waited.Load()-r.waitedBefore)
	if r.sg != nil {
		if r.sg.sp.cur != nil {
			chunkPool.Put(r.sg.sp.cur)
			r.sg.sp.cur = nil
		}
		if r.pos < r.size {
			// Left unread: what was fetched of this blob goes.
			for len(s.queue) > 0 && s.queue[0].i <= r.i {
				s.queue[0].stop()
				s.queue = s.queue[1:]
			}
			r.sg.stop()
		}
	}
	s.mu.Unlock()
	return nil
}
