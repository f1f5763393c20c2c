package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"ferry/artifacts/ctxio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// The stream is read in three stages, so that reading the medium, hashing
// the parts and whatever the reader does with the entries (hashing them
// too, when verifying) run at once: one goroutine reads each part ahead
// into a few buffers, a second hashes the part and checks it at its end,
// and the reader takes the buffers in order.
//
// Parts are read with direct I/O where the file system allows it: verify
// then checks what the medium holds, not what the kernel remembers of a
// stick written a minute ago, and a large read does not fill the page
// cache.
//
// A cancelled context stops the stream between buffers: the read-ahead
// goroutine takes no further buffer, and Read returns the context's error
// at its next call, so a verify of a large bundle ends within one buffer.

const (
	readAheadBuf     = 4 << 20
	readAheadBuffers = 4
)

// piece is a buffer of a part, a part's end, or the failure that ends the
// stream.
type piece struct {
	buf  []byte // given back once read; nil for an end or a failure
	data []byte
	end  bool // part index part ended, n bytes long
	part int
	n    int64
	err  error
}

type stream struct {
	ctx    context.Context
	b      *Bundle
	out    chan piece
	free   chan []byte
	stop   chan struct{}
	once   sync.Once
	cur    []byte
	rest   []byte
	err    error
	onPart func(n int, bytes int64)
	// ended counts the parts read to their end and found whole.
	ended int
}

func (b *Bundle) stream(ctx context.Context, onPart func(n int, bytes int64)) *stream {
	s := &stream{ctx: ctx, b: b, out: make(chan piece, readAheadBuffers+1), free: make(chan []byte, readAheadBuffers),
		stop: make(chan struct{}), onPart: onPart}
	// A small bundle (or a manifest read from one) needs no buffer larger
	// than itself.
	n := readAheadBuf
	if size := b.Index.Size; size < int64(n) {
		n = max(ioAlign, int(size+ioAlign-1)&^(ioAlign-1))
	}
	for range readAheadBuffers {
		s.free <- alignedBuffer(n)
	}
	read := make(chan piece, readAheadBuffers+1)
	go s.read(read)
	go s.hash(read)
	return s
}

// send passes p on unless the stream was closed.
func (s *stream) send(ch chan<- piece, p piece) bool {
	select {
	case ch <- p:
		return true
	case <-s.stop:
		return false
	case <-s.ctx.Done():
		return false
	}
}

func (s *stream) read(out chan<- piece) {
	defer close(out)
	parts := s.b.Index.Parts
	for i, part := range parts {
		f, err := openRead(filepath.Join(s.b.Dir, part.Name))
		if err != nil {
			s.send(out, piece{err: &PartError{N: i + 1, Of: len(parts), Name: part.Name, Kind: ErrMissingPart, What: "is missing"}})
			return
		}
		var n int64
		for {
			var buf []byte
			select {
			case buf = <-s.free:
			case <-s.stop:
				f.Close()
				return
			case <-s.ctx.Done():
				f.Close()
				return
			}
			m, err := f.readFull(buf)
			n += int64(m)
			if n > part.Size {
				f.Close()
				s.send(out, piece{err: &PartError{N: i + 1, Of: len(parts), Name: part.Name, Kind: ErrDamagedPart, What: "is longer than written (from another bundle?)"}})
				return
			}
			if m > 0 {
				if !s.send(out, piece{buf: buf, data: buf[:m]}) {
					f.Close()
					return
				}
			} else {
				s.free <- buf
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				f.Close()
				s.send(out, piece{err: fmt.Errorf("read part %d of %d (%s): %w", i+1, len(parts), part.Name, err)})
				return
			}
		}
		f.Close()
		if !s.send(out, piece{end: true, part: i, n: n}) {
			return
		}
	}
}

func (s *stream) hash(in <-chan piece) {
	defer close(s.out)
	parts := s.b.Index.Parts
	h := sha256.New()
	for p := range in {
		if p.end {
			part := parts[p.part]
			switch {
			case p.n != part.Size:
				p = piece{err: &PartError{N: p.part + 1, Of: len(parts), Name: part.Name, Kind: ErrDamagedPart,
					What: fmt.Sprintf("has %d bytes where %d were written (truncated)", p.n, part.Size)}}
			case hex.EncodeToString(h.Sum(nil)) != part.SHA256:
				p = piece{err: &PartError{N: p.part + 1, Of: len(parts), Name: part.Name, Kind: ErrDamagedPart, What: "is damaged (its checksum does not match)"}}
			}
			h.Reset()
		} else if p.err == nil {
			h.Write(p.data)
		}
		if !s.send(s.out, p) || p.err != nil {
			s.Close()
			return
		}
	}
}

func (s *stream) Read(b []byte) (int, error) {
	for len(s.rest) == 0 {
		if s.cur != nil {
			s.free <- s.cur
			s.cur = nil
		}
		if s.err != nil {
			return 0, s.err
		}
		if err := s.ctx.Err(); err != nil {
			s.err = err
			s.Close()
			return 0, err
		}
		var p piece
		var ok bool
		select {
		case p, ok = <-s.out:
		case <-s.ctx.Done():
			continue
		}
		switch {
		case !ok && s.ctx.Err() != nil:
			// The stages stopped for the context, not at the end.
			continue
		case !ok:
			s.err = io.EOF
		case p.err != nil:
			s.err = p.err
		case p.end:
			s.ended = p.part + 1
			if s.onPart != nil {
				s.onPart(p.part+1, p.n)
			}
		default:
			s.cur, s.rest = p.buf, p.data
		}
	}
	n := copy(b, s.rest)
	s.rest = s.rest[n:]
	return n, nil
}

// blame reads on to the end of the part holding the stream's byte at
// pos-1, after err was found there: when that part, or one before it, does
// not match the index, its *PartError is returned instead, so damage on
// the medium is named as such (copy part N again) rather than as a bundle
// made wrong. err is returned as it is when it is the context's or already
// names a part.
func (s *stream) blame(pos int64, err error) error {
	var pe *PartError
	if errors.As(err, &pe) || s.ctx.Err() != nil {
		return stopped(s.ctx, err)
	}
	last := s.b.partAt(pos - 1)
	buf := make([]byte, 64<<10)
	for s.ended <= last {
		if _, rerr := s.Read(buf); rerr != nil {
			if errors.As(rerr, &pe) {
				return pe
			}
			return stopped(s.ctx, err)
		}
	}
	return err
}

// stopped is the context's error when ctx ended, else err.
func stopped(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// partAt is the index of the part holding the stream's byte at off,
// clamped to the first and last parts.
func (b *Bundle) partAt(off int64) int {
	var start int64
	for i, p := range b.Index.Parts {
		start += p.Size
		if off < start {
			return i
		}
	}
	return len(b.Index.Parts) - 1
}

// checkPart hashes part i whole and compares it with the index: a
// *PartError when it differs, nil when it matches. Readers that do not
// hash as they go (Scan) use it to tell damage on the medium from a bundle
// made wrong.
func (b *Bundle) checkPart(ctx context.Context, i int) error {
	p := b.Index.Parts[i]
	perr := func(what string) error {
		return &PartError{N: i + 1, Of: len(b.Index.Parts), Name: p.Name, Kind: ErrDamagedPart, What: what}
	}
	f, err := os.Open(filepath.Join(b.Dir, p.Name))
	if err != nil {
		return &PartError{N: i + 1, Of: len(b.Index.Parts), Name: p.Name, Kind: ErrMissingPart, What: "is missing"}
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, ctxio.Reader(ctx, f))
	if err != nil {
		return stopped(ctx, fmt.Errorf("read part %d of %d (%s): %w", i+1, len(b.Index.Parts), p.Name, err))
	}
	if n != p.Size {
		return perr(fmt.Sprintf("has %d bytes where %d were written (truncated)", n, p.Size))
	}
	if hex.EncodeToString(h.Sum(nil)) != p.SHA256 {
		return perr("is damaged (its checksum does not match)")
	}
	return nil
}

// blamePart is blame for readers that do not hash as they go: the part
// holding the stream's byte at pos-1 is hashed whole, and its *PartError
// returned instead of err when it does not match the index.
func (b *Bundle) blamePart(ctx context.Context, pos int64, err error) error {
	var pe *PartError
	if errors.As(err, &pe) || ctx.Err() != nil {
		return stopped(ctx, err)
	}
	if perr := b.checkPart(ctx, b.partAt(pos-1)); perr != nil {
		return perr
	}
	return err
}

// countReader counts what was read through it: under a tar reader, which
// reads no further than it needs, the count after Next is where the
// entry's content starts.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Close stops reading ahead.
func (s *stream) Close() error {
	s.once.Do(func() { close(s.stop) })
	return nil
}

// partReader reads a part, directly where it can.
type partReader struct {
	*os.File
	direct bool
	off    int64
}

func openRead(path string) (*partReader, error) {
	f, direct, err := openDirectRead(path)
	if err != nil {
		return nil, err
	}
	return &partReader{File: f, direct: direct}, nil
}

// readFull fills buf but at the end of the file, like io.ReadFull. A
// direct read the file system refuses is done again through the page
// cache.
func (r *partReader) readFull(buf []byte) (int, error) {
	if !r.direct {
		n, err := io.ReadFull(r.File, buf)
		r.off += int64(n)
		return n, err
	}
	n := 0
	for n < len(buf) {
		m, err := r.ReadAt(buf[n:], r.off)
		if err != nil && errors.Is(err, syscall.EINVAL) && m == 0 {
			if err := setDirect(r.File, false); err != nil {
				return n, err
			}
			r.direct = false
			m, err = io.ReadFull(io.NewSectionReader(r.File, r.off, int64(len(buf)-n)), buf[n:])
			n += m
			r.off += int64(m)
			return n, err
		}
		n += m
		r.off += int64(m)
		if err == io.EOF || (err == nil && m%ioAlign != 0) {
			// A short direct read ends at the end of the file.
			if n == 0 {
				return 0, io.EOF
			}
			return n, io.ErrUnexpectedEOF
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, io.ErrUnexpectedEOF
		}
	}
	return n, nil
}
