package prepare

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"ferry/artifacts/download"
)

// Streaming writes each byte once. Where the cache keeps no copies (it
// shares a disk with the output, see Options.CacheCopies) the writer takes
// every image blob it has nowhere else straight from the registry, in the
// bundle's order, so the parts stay sequential (FAT32 has no sparse
// files). To keep several connections busy, the next blobs in that order
// are fetched ahead into small bounded spools; a spool that is full holds
// its connection until the writer gets there.
//
// Where each connection is slow (a far registry, a CDN that caps each
// one), that leaves the writer waiting on one connection at a time. When
// the writer spends most of a blob waiting, the streamer also downloads
// the blobs beyond its spools into the cache, in parallel: those are
// written twice, but only where the network, not the disk, sets the pace.

const (
	// spoolChunk is the size of the buffers a spool holds.
	spoolChunk = 256 << 10
	// spoolChunks is how many chunks a spool holds ahead of the writer.
	spoolChunks = 16
)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, spoolChunk); return &b }}

// streamer fetches the blobs the writer streams, a few ahead of it.
type streamer struct {
	ctx    context.Context
	d      *download.Downloader
	order  []*work // blobs to stream, in the bundle's order
	pos    map[string]int
	ahead  int
	report func(w *work, done int64, attempt int, err error)

	mu      sync.Mutex
	spools  map[int]*spool
	next    int // the next index to start ahead
	fetched atomic.Int64

	// spill downloads a blob into the cache; spilled holds what each
	// spilled blob's download returned, once done.
	spill   func(w *work) error
	spilled map[int]*spillState
	spills  chan struct{} // bounds the spill downloads running at once
	// waited is how long the writer waited on spools; last is the last
	// blob's wait and time, which decide whether to spill.
	waited             atomic.Int64
	lastWait, lastTook time.Duration
}

// spillState is one blob downloading into the cache.
type spillState struct {
	done chan struct{}
	err  error
}

// starvedFor is how long a blob must take, most of it waiting on the
// network, before the streamer spills blobs into the cache.
const starvedFor = 250 * time.Millisecond

func newStreamer(ctx context.Context, d *download.Downloader, order []*work, ahead int, report func(*work, int64, int, error)) *streamer {
	s := &streamer{ctx: ctx, d: d, order: order, pos: map[string]int{}, ahead: max(ahead, 1), report: report, spools: map[int]*spool{},
		spilled: map[int]*spillState{}, spills: make(chan struct{}, max(ahead, 1))}
	for i, w := range order {
		s.pos[w.key] = i
	}
	return s
}

// spool is one blob being fetched: chunks in order, then the outcome.
type spool struct {
	offset int64
	chunks chan *[]byte
	err    error // set before chunks is closed
	cancel context.CancelFunc
	cur    *[]byte
	rest   []byte
}

// open returns the blob's content from offset on, and starts fetching the
// blobs after it. The reader must be closed.
func (s *streamer) open(key string, offset int64) io.ReadCloser {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.pos[key]
	sp := s.spools[i]
	if sp != nil && sp.offset != offset {
		// Started ahead from the beginning, but the bundle already holds
		// the beginning.
		sp.stop()
		sp = nil
	}
	if sp == nil {
		sp = s.start(i, offset)
	}
	s.next = max(s.next, i+1)
	for s.next < len(s.order) && s.next < i+s.ahead {
		if s.spilled[s.next] == nil {
			s.start(s.next, 0)
		}
		s.next++
	}
	if s.spill != nil && s.lastTook > starvedFor && s.lastWait > s.lastTook/2 {
		// The writer waits on the network: the blobs beyond the spools
		// download into the cache meanwhile, as many at once as spools.
		for k := s.next; k < len(s.order) && k < s.next+s.ahead; k++ {
			if s.spilled[k] == nil {
				s.startSpill(k)
			}
		}
	}
	return &spoolReader{s: s, i: i, sp: sp, opened: time.Now(), waitedBefore: s.waited.Load()}
}

// startSpill downloads blob k into the cache; called with s.mu held.
func (s *streamer) startSpill(k int) {
	st := &spillState{done: make(chan struct{})}
	s.spilled[k] = st
	w := s.order[k]
	go func() {
		defer close(st.done)
		select {
		case s.spills <- struct{}{}:
		case <-s.ctx.Done():
			st.err = s.ctx.Err()
			return
		}
		defer func() { <-s.spills }()
		st.err = s.spill(w)
	}()
}

// spilledWait says whether blob key went into the cache instead, and
// waits for its download.
func (s *streamer) spilledWait(key string) (bool, error) {
	s.mu.Lock()
	st := s.spilled[s.pos[key]]
	s.mu.Unlock()
	if st == nil {
		return false, nil
	}
	select {
	case <-st.done:
		return true, st.err
	case <-s.ctx.Done():
		return true, s.ctx.Err()
	}
}

func (s *streamer) start(i int, offset int64) *spool {
	ctx, cancel := context.WithCancel(s.ctx)
	sp := &spool{offset: offset, chunks: make(chan *[]byte, spoolChunks), cancel: cancel}
	s.spools[i] = sp
	w := s.order[i]
	go func() {
		sink := &spoolWriter{ctx: ctx, sp: sp}
		var got int64
		err := s.d.StreamBlob(ctx, w.ref, w.key, w.size, offset, sink, func(done int64, attempt int, err error) {
			got = done - offset
			s.report(w, done, attempt, err)
		})
		if err == nil {
			err = sink.flush()
		}
		// Never under s.mu: open stops spools while holding it.
		s.fetched.Add(got)
		sp.err = err
		close(sp.chunks)
	}()
	return sp
}

// addFetched counts bytes a spill download fetched.
func (s *streamer) addFetched(n int64) { s.fetched.Add(n) }

// Fetched is how many bytes came over the network.
func (s *streamer) Fetched() int64 { return s.fetched.Load() }

func (sp *spool) stop() {
	sp.cancel()
	for b := range sp.chunks {
		chunkPool.Put(b)
	}
}

// spoolWriter cuts what the fetch receives into chunks for the spool.
type spoolWriter struct {
	ctx context.Context
	sp  *spool
	buf *[]byte
	n   int
}

func (w *spoolWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		if w.buf == nil {
			w.buf, w.n = chunkPool.Get().(*[]byte), 0
			*w.buf = (*w.buf)[:cap(*w.buf)]
		}
		c := copy((*w.buf)[w.n:], b)
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
		w.buf = chunkPool.Get().(*[]byte)
		*w.buf = (*w.buf)[:cap(*w.buf)]
		n, err := io.ReadFull(r, *w.buf)
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
	if w.buf == nil || w.n == 0 {
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

// spoolReader gives the writer a spool's content.
type spoolReader struct {
	s            *streamer
	i            int
	sp           *spool
	opened       time.Time
	waitedBefore int64
}

func (r *spoolReader) Read(b []byte) (int, error) {
	sp := r.sp
	for len(sp.rest) == 0 {
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
		}
		if !ok {
			if sp.err != nil {
				return 0, sp.err
			}
			return 0, io.EOF
		}
		sp.cur, sp.rest = c, *c
	}
	n := copy(b, sp.rest)
	sp.rest = sp.rest[n:]
	return n, nil
}

// WriteTo hands the spool's chunks on without copying them first.
func (r *spoolReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.sp.rest) > 0 {
			n, err := w.Write(r.sp.rest)
			total += int64(n)
			r.sp.rest = r.sp.rest[n:]
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

// Close ends the blob's fetch and frees its spool.
func (r *spoolReader) Close() error {
	r.s.mu.Lock()
	delete(r.s.spools, r.i)
	r.s.lastTook, r.s.lastWait = time.Since(r.opened), time.Duration(r.s.waited.Load()-r.waitedBefore)
	r.s.mu.Unlock()
	if r.sp.cur != nil {
		chunkPool.Put(r.sp.cur)
		r.sp.cur = nil
	}
	r.sp.stop()
	return nil
}

// stopAll ends every fetch still running.
func (s *streamer) stopAll() {
	s.mu.Lock()
	spools := s.spools
	s.spools = map[int]*spool{}
	s.mu.Unlock()
	for _, sp := range spools {
		sp.stop()
	}
}
