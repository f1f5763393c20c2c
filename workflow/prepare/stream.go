package prepare

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"ferry/artifacts/download"
	"ferry/artifacts/progress"
)

// Streaming writes each byte once. Where the cache keeps no copies (it
// shares a disk with the output, see Options.CacheCopies) the writer takes
// every image blob it has nowhere else straight from the registry, in the
// bundle's order, so the parts stay sequential (FAT32 has no sparse
// files). To keep several connections busy, what comes next in that order
// is fetched ahead into small bounded spools, one per segment; a spool
// that is full holds its connection until the writer gets there.
//
// At first a segment is the rest of a blob: on a fast link one connection
// keeps up with the writer. Where each connection is slow (a far registry,
// a CDN that caps each one), the writer then spends most of a blob waiting
// on one connection. Once it does, the streamer fetches blobs in segments
// of one spool each (Range requests), as many at once as keep adding
// throughput: every connection runs at its cap, and the writer still
// takes the bytes in order. A registry that ignores Range gets whole blobs
// again, and the blobs beyond the spools go into the cache in parallel
// instead (written twice, but only where the network sets the pace).

const (
	// spoolChunk is the size of the buffers a spool holds.
	spoolChunk = 256 << 10
	// spoolChunks is how many chunks a spool holds ahead of the writer.
	spoolChunks = 16
	// segmentSize is a segment once blobs are fetched in segments, at
	// most what a spool holds, so that its connection never waits on the
	// writer.
	segmentSize = 2 << 20
	// segmentsMax bounds the segments fetched at once.
	segmentsMax = 24
	// heldMax bounds the segments held at once, fetched or fetching: the
	// memory they take is heldMax × segmentSize (60 MiB). Holding more
	// than are fetched lets the connections go on while the writer waits
	// for the segment it needs, which may be the last to arrive.
	heldMax = segmentsMax + segmentsMax/4
)

// adaptEvery is how often the segments fetched at once are reconsidered.
const adaptEvery = 500 * time.Millisecond

// errCut ends a segment's fetch where the streamer moved its end.
var errCut = errors.New("segment cut")

// streamer fetches the blobs the writer streams, a few segments ahead.
type streamer struct {
	ctx    context.Context
	d      *download.Downloader
	order  []*work // blobs to stream, in the bundle's order
	pos    map[string]int
	ahead  int
	report func(w *work, done int64, attempt int, err error)

	mu sync.Mutex
	// queue is what the writer reads next, in order; a segment has a
	// spool once its fetch started. tailI and tailOff are where the
	// segment after the queue's last begins.
	queue          []*segment
	tailI          int
	tailOff        int64
	conns          int  // segments fetched at once
	segmented      bool // blobs are cut into segments of segmentSize
	received       []atomic.Int64
	fetched        atomic.Int64
	adapt          adaptState
	segmentedSince time.Time

	// spill downloads a blob into the cache; spilled holds what each
	// spilled blob's download returned, once done.
	spill   func(w *work) error
	spilled map[int]*spillState
	spills  chan struct{} // bounds the spill downloads running at once
	// waited is how long the writer waited on spools; last is the last
	// blob's wait and time, which decide whether to spill.
	waited atomic.Int64
	// retried counts each blob's failed attempts: a writer waiting out a
	// retry's pause is not waiting on a slow connection.
	retried            []atomic.Int64
	lastWait, lastTook time.Duration
}

// segment is the bytes [from, end) of blob i.
type segment struct {
	i         int
	from, end int64
	sp        *spool
}

// adaptState decides how many segments to fetch at once: more while the
// writer waits on the network and the last step raised the throughput.
type adaptState struct {
	since    time.Time
	bytes    int64
	waited   int64
	lastRate float64
	settled  bool
}

// spillState is one blob downloading into the cache.
type spillState struct {
	done chan struct{}
	err  error
}

// starvedFor is how long a blob must take, most of it waiting on the
// network, before the streamer cuts blobs into segments (or, from a
// registry that ignores Range, spills them into the cache).
const starvedFor = 250 * time.Millisecond

func newStreamer(ctx context.Context, d *download.Downloader, order []*work, ahead int, report func(*work, int64, int, error)) *streamer {
	ahead = max(ahead, 1)
	s := &streamer{ctx: ctx, d: d, order: order, pos: map[string]int{}, ahead: ahead, conns: ahead, report: report,
		received: make([]atomic.Int64, len(order)), retried: make([]atomic.Int64, len(order)), spilled: map[int]*spillState{}, spills: make(chan struct{}, ahead)}
	for i, w := range order {
		s.pos[w.key] = i
	}
	return s
}

// open returns the blob's content from offset on, and starts fetching what
// comes after it. The reader must be closed.
func (s *streamer) open(key string, offset int64) io.ReadCloser {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.pos[key]
	for len(s.queue) > 0 && s.queue[0].i < i {
		s.queue[0].stop()
		s.queue = s.queue[1:]
	}
	if len(s.queue) == 0 || s.queue[0].i != i || s.queue[0].from != offset {
		// Fetched ahead from elsewhere (the bundle already holds the
		// beginning): start again from here.
		for _, sg := range s.queue {
			sg.stop()
		}
		s.queue, s.tailI, s.tailOff = nil, i, offset
	}
	if s.spill != nil && s.lastTook > starvedFor && s.lastWait > s.lastTook/2 && (!s.segmented || s.d.RangeIgnored()) {
		// The writer waits on the network and cannot have segments: the
		// blobs beyond the spools download into the cache meanwhile, as
		// many at once as spools.
		first := s.tailI
		if s.tailOff > 0 {
			first++
		}
		for k := first; k < len(s.order) && k < first+s.ahead; k++ {
			if s.spilled[k] == nil {
				s.startSpill(k)
			}
		}
	}
	s.fill()
	return &spoolReader{s: s, i: i, pos: offset, size: s.order[i].size, opened: time.Now(), waitedBefore: s.waited.Load()}
}

// prefetch starts fetching the first blobs before the writer asks for
// them, while it waits for what comes before them in the bundle.
func (s *streamer) prefetch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 && s.tailI == 0 && s.tailOff == 0 {
		s.fill()
	}
}

// plan returns the next segment after the queue, or nil; called with s.mu
// held.
func (s *streamer) plan() *segment {
	for s.tailI < len(s.order) {
		size := s.order[s.tailI].size
		if s.tailOff >= size || s.spilled[s.tailI] != nil {
			s.tailI, s.tailOff = s.tailI+1, 0
			continue
		}
		end := size
		if s.segmented && !s.d.RangeIgnored() {
			end = min(size, (s.tailOff/segmentSize+1)*segmentSize)
		}
		sg := &segment{i: s.tailI, from: s.tailOff, end: end}
		s.tailOff = end
		return sg
	}
	return nil
}

// fill starts fetches, in the queue's order, up to the connections
// allowed; called with s.mu held. Segments cut from a blob hold at most
// their size, so once fetched they need no connection: more of them may
// be held than are fetched at once.
func (s *streamer) fill() {
	limit, held := s.conns, s.conns
	if s.segmented && !s.d.RangeIgnored() {
		held = min(heldMax, s.conns+s.conns/2)
	}
	if s.segmented && !s.d.RangeHonoured() {
		// Until a Range request is answered as one, one segment ahead:
		// a registry that ignores Range would send whole blobs.
		limit, held = min(limit, 2), min(held, 2)
	}
	running, started := 0, 0
	for _, sg := range s.queue {
		if sg.sp != nil {
			started++
			if !sg.sp.fetched.Load() {
				running++
			}
		}
	}
	for _, sg := range s.queue {
		if running >= limit || started >= held {
			return
		}
		if sg.sp == nil {
			s.start(sg)
			running++
			started++
		}
	}
	for running < limit && started < held {
		sg := s.plan()
		if sg == nil {
			return
		}
		s.queue = append(s.queue, sg)
		s.start(sg)
		running++
		started++
	}
}

// starved cuts blobs into segments from now on, the rest of the one being
// read included; called with s.mu held. What the running fetches hold is
// kept: each stops at its next segment boundary and the rest of its blob
// follows as segments, so nothing fetched ahead is fetched twice.
func (s *streamer) starved() {
	if s.segmented || s.d.RangeIgnored() || len(s.queue) == 0 {
		return
	}
	s.segmented, s.segmentedSince = true, time.Now()
	// The writer waited over half the time: each connection brings less
	// than half of what it takes, so twice as many are the least to try.
	s.conns = min(segmentsMax, 2*s.ahead)
	s.adapt = adaptState{since: time.Now(), waited: s.waited.Load()}
	var q []*segment
	for _, sg := range s.queue {
		if sg.sp == nil {
			// Not started: planned again, in segments, after the last
			// running one.
			break
		}
		if len(q) > 0 {
			q = append(q, s.rest(q[len(q)-1])...)
		}
		sp := sg.sp
		sp.mu.Lock()
		sp.end = min(sp.end, (sp.got/segmentSize+1)*segmentSize)
		sg.end = sp.end
		sp.mu.Unlock()
		q = append(q, sg)
	}
	if len(q) == 0 {
		q = s.queue[:1]
	}
	last := q[len(q)-1]
	s.queue = q
	s.tailI, s.tailOff = last.i, last.end
	s.fill()
}

// rest is blob sg.i after sg, in segments not yet started.
func (s *streamer) rest(sg *segment) []*segment {
	var out []*segment
	size := s.order[sg.i].size
	for off := sg.end; off < size; {
		end := min(size, (off/segmentSize+1)*segmentSize)
		out = append(out, &segment{i: sg.i, from: off, end: end})
		off = end
	}
	return out
}

// consumed records a segment the writer read, and adds connections while
// that raises the throughput; called with s.mu held.
func (s *streamer) consumed(n int64) {
	if !s.segmented || s.adapt.settled {
		return
	}
	a := &s.adapt
	a.bytes += n
	el := time.Since(a.since)
	if el < adaptEvery {
		return
	}
	rate := float64(a.bytes) / el.Seconds()
	waited := time.Duration(s.waited.Load() - a.waited)
	switch {
	case a.lastRate > 0 && rate < a.lastRate*1.1:
		// The last step added nothing: the link, not the connections,
		// sets the pace.
		a.settled = true
	case waited > el/4 && s.conns < segmentsMax:
		s.conns = min(segmentsMax, s.conns+max(4, s.conns/2))
	default:
		a.settled = true
	}
	*a = adaptState{since: time.Now(), waited: s.waited.Load(), lastRate: rate, settled: a.settled}
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

// start fetches a segment; called with s.mu held.
func (s *streamer) start(sg *segment) {
	ctx, cancel := context.WithCancel(s.ctx)
	sp := &spool{end: sg.end, got: sg.from, chunks: make(chan *[]byte, spoolChunks), cancel: cancel}
	sg.sp = sp
	w := s.order[sg.i]
	recv := &s.received[sg.i]
	go func() {
		sink := &spoolWriter{ctx: ctx, sp: sp}
		reached := sg.from
		err := s.d.StreamRange(ctx, w.ref, w.key, sg.from, sg.end, w.size, sink, func(e progress.Event) {
			done, attempt, err := e.ItemBytes, e.Attempt, e.Err
			if err != nil {
				s.retried[sg.i].Add(1)
			}
			if done > reached {
				recv.Add(done - reached)
				reached = done
			}
			s.report(w, min(recv.Load(), w.size), attempt, err)
		})
		if err == nil || errors.Is(err, errCut) {
			err = sink.flush()
			sp.mu.Lock()
			got := sp.got
			sp.mu.Unlock()
			if got > reached {
				recv.Add(got - reached)
				reached = got
				s.report(w, min(recv.Load(), w.size), 0, nil)
			}
		}
		// Never under s.mu: open stops spools while holding it.
		s.fetched.Add(reached - sg.from)
		sp.err = err
		sp.fetched.Store(true)
		close(sp.chunks)
		if err == nil {
			// A connection is free: the next segment can start.
			s.mu.Lock()
			s.fill()
			s.mu.Unlock()
		}
	}()
}

// addFetched counts bytes a spill download fetched.
func (s *streamer) addFetched(n int64) { s.fetched.Add(n) }

// Fetched is how many bytes came over the network.
func (s *streamer) Fetched() int64 { return s.fetched.Load() }

// Segmented says whether blobs were fetched in segments.
func (s *streamer) Segmented() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.segmented
}

// stopAll ends every fetch still running.
func (s *streamer) stopAll() {
	s.mu.Lock()
	queue := s.queue
	s.queue = nil
	s.mu.Unlock()
	for _, sg := range queue {
		sg.stop()
	}
}
