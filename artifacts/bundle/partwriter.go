package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// partWriter cuts a stream into parts. Each part is written under a
// temporary name, synced, and renamed when complete.
//
// The parts an earlier, unfinished run left in the folder (finished or
// temporary, no index naming them) are taken as a possible beginning of
// this stream: while the stream matches them byte for byte nothing is
// written, and at the first difference writing starts from there. So an
// interrupted prepare resumes where its bundle stopped, and parts from a
// different run are never taken for this one's: every byte is compared, or
// (content replayed with AddFrom) checked against its digest.
type partWriter struct {
	dir, name string
	size      int64 // 0: one part
	n         int   // current part number, 1-based
	f         *partFile
	h         hash.Hash
	written   int64 // bytes of the current part
	total     int64 // bytes of the stream
	done      []Part
	pool      chan []byte

	// The earlier run's parts: old[i] is part i+1. oldEnd is where the
	// stream they hold ends; while total < oldEnd the stream is compared.
	old    []*oldPart
	oldEnd int64
	// trusted bytes ahead are the old parts' own (read by oldReader) and
	// need no comparison.
	trusted int64
	matched int64 // bytes taken from the old parts
	scratch []byte
}

// oldPart is a part file left by an earlier run.
type oldPart struct {
	path string // where it is now (renamed to the temporary name once reused)
	size int64
	f    *os.File
}

// writebackChunk is how much of a part written through the page cache is
// written before its writeback is started.
const writebackChunk = 32 << 20

func (p *partWriter) tmpName(n int) string {
	return filepath.Join(p.dir, "."+PartName(p.name, n)+".tmp")
}

func (p *partWriter) finalName(n int) string {
	return filepath.Join(p.dir, PartName(p.name, n))
}

// findOld lists the consecutive parts an earlier run left: every one but
// the last must be a whole part of this run's size.
func (p *partWriter) findOld() {
	var end int64
	for n := 1; ; n++ {
		var op *oldPart
		for _, path := range []string{p.tmpName(n), p.finalName(n)} {
			if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
				op = &oldPart{path: path, size: st.Size()}
				break
			}
		}
		if op == nil || (p.size > 0 && op.size > p.size) {
			break
		}
		p.old = append(p.old, op)
		end += op.size
		if p.size == 0 || op.size < p.size {
			break
		}
	}
	p.oldEnd = end
}

// comparing says whether the stream is still being compared with the old
// parts.
func (p *partWriter) comparing() bool { return p.total < p.oldEnd }

// Reused is how many bytes of the stream were found already written.
func (p *partWriter) Reused() int64 { return p.matched }

func (p *partWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		if p.f == nil && p.h == nil {
			if err := p.startPart(); err != nil {
				return written, err
			}
		}
		chunk := b
		if p.size > 0 && int64(len(chunk)) > p.size-p.written {
			chunk = chunk[:p.size-p.written]
		}
		var n int
		var err error
		if p.comparing() {
			n, err = p.compare(chunk)
		} else {
			n, err = len(chunk), p.f.Write(chunk)
		}
		p.written += int64(n)
		p.total += int64(n)
		written += n
		if err == nil && !p.comparing() && p.f == nil && (p.size == 0 || p.written < p.size) {
			// The old parts end inside this part: write on from here.
			err = p.switchToWrite()
		}
		if err != nil {
			return written, fmt.Errorf("cannot write part %d in %s: %w", p.n, p.dir, err)
		}
		b = b[n:]
		if p.size > 0 && p.written == p.size {
			if err := p.finish(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// startPart begins the next part: compared with the old one while the
// stream is still inside what the old parts hold, else written anew.
func (p *partWriter) startPart() error {
	p.n++
	p.h, p.written = sha256.New(), 0
	if p.comparing() {
		op := p.old[p.n-1]
		if op.path != p.tmpName(p.n) {
			// A finished part being reused is unfinished again until this
			// run has checked it to its end.
			if err := os.Rename(op.path, p.tmpName(p.n)); err != nil {
				return fmt.Errorf("cannot reuse part %d in %s: %w", p.n, p.dir, err)
			}
			op.path = p.tmpName(p.n)
		}
		if op.f == nil {
			f, err := os.Open(op.path)
			if err != nil {
				return fmt.Errorf("cannot reuse part %d in %s: %w", p.n, p.dir, err)
			}
			op.f = f
		}
		return nil
	}
	return p.openWrite(0)
}

// openWrite starts writing the current part from base; the part's first
// base bytes are already hashed.
func (p *partWriter) openWrite(base int64) error {
	if p.pool == nil {
		p.pool = make(chan []byte, ioBuffers)
		for range ioBuffers {
			p.pool <- alignedBuffer(ioBuf)
		}
	}
	h := p.h
	f, err := openPart(p.tmpName(p.n), base, p.pool, func(b []byte) { h.Write(b) })
	if err != nil {
		return fmt.Errorf("cannot write part %d in %s: %w", p.n, p.dir, err)
	}
	p.f = f
	return nil
}

// compare checks b against the old part at the current offset and returns
// how many bytes matched; at the first difference it switches to writing.
func (p *partWriter) compare(b []byte) (int, error) {
	op := p.old[p.n-1]
	if left := p.oldEnd - p.total; int64(len(b)) > left {
		b = b[:left]
	}
	if p.trusted > 0 {
		n := int(min(int64(len(b)), p.trusted))
		p.trusted -= int64(n)
		p.h.Write(b[:n])
		p.matched += int64(n)
		return n, nil
	}
	if cap(p.scratch) < len(b) {
		p.scratch = make([]byte, max(len(b), 1<<20))
	}
	got := p.scratch[:len(b)]
	m, err := op.f.ReadAt(got, p.written)
	if err != nil && err != io.EOF {
		return 0, err
	}
	same := commonPrefix(b, got[:m])
	p.h.Write(b[:same])
	p.matched += int64(same)
	if same < len(b) {
		// The old stream ends here for this run.
		p.oldEnd = p.total + int64(same)
	}
	return same, nil
}

func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i+4096 <= n && bytes.Equal(a[i:i+4096], b[i:i+4096]) {
		i += 4096
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// switchToWrite leaves comparing: the current part is cut where the
// matching bytes end and written on from there.
func (p *partWriter) switchToWrite() error {
	op := p.old[p.n-1]
	op.f.Close()
	op.f = nil
	if err := os.Truncate(op.path, p.written); err != nil {
		return err
	}
	p.dropOld(p.n)
	return p.openWrite(p.written)
}

// dropOld closes the old parts from part n on; they are replaced.
func (p *partWriter) dropOld(n int) {
	for i := n - 1; i < len(p.old); i++ {
		if p.old[i].f != nil {
			p.old[i].f.Close()
			p.old[i].f = nil
		}
	}
	p.old = p.old[:min(len(p.old), n)]
}

// oldReader reads the next n bytes of the stream from the old parts, for
// content whose digest the caller checks; those bytes are then not
// compared again on their way in.
func (p *partWriter) oldReader(n int64) io.Reader {
	p.trusted = n
	return &oldStream{p: p, off: p.total, end: p.total + n}
}

type oldStream struct {
	p        *partWriter
	off, end int64
}

func (s *oldStream) Read(b []byte) (int, error) {
	if s.off >= s.end {
		return 0, io.EOF
	}
	i, in := 0, s.off
	if s.p.size > 0 {
		i, in = int(s.off/s.p.size), s.off%s.p.size
	}
	op := s.p.old[i]
	if op.f == nil {
		f, err := os.Open(op.path)
		if err != nil {
			return 0, err
		}
		op.f = f
	}
	want := min(int64(len(b)), s.end-s.off, op.size-in)
	m, err := op.f.ReadAt(b[:want], in)
	s.off += int64(m)
	if err == io.EOF && m > 0 {
		err = nil
	}
	return m, err
}

// finish syncs the current part and gives it its final name.
func (p *partWriter) finish() error {
	if p.f != nil {
		f := p.f
		p.f = nil
		if err := f.finish(); err != nil {
			os.Remove(p.tmpName(p.n))
			return fmt.Errorf("cannot write part %d in %s: %w", p.n, p.dir, err)
		}
	} else if p.n-1 < len(p.old) {
		// Reused whole (or cut short where this stream ends).
		op := p.old[p.n-1]
		if op.f != nil {
			op.f.Close()
			op.f = nil
		}
		if p.written < op.size {
			if err := os.Truncate(op.path, p.written); err != nil {
				return err
			}
		}
		if err := syncFile(op.path); err != nil {
			return fmt.Errorf("cannot write part %d in %s: %w", p.n, p.dir, err)
		}
	}
	final := PartName(p.name, p.n)
	if err := os.Rename(p.tmpName(p.n), filepath.Join(p.dir, final)); err != nil {
		return err
	}
	p.done = append(p.done, Part{Name: final, Size: p.written, SHA256: hex.EncodeToString(p.h.Sum(nil))})
	p.h = nil
	return syncDir(p.dir)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (p *partWriter) close() error {
	if p.f != nil || p.h != nil {
		return p.finish()
	}
	return nil
}

// keep stops writing and leaves what was written for the next run to
// resume from.
func (p *partWriter) keep() {
	if p.f != nil {
		p.f.finish()
		p.f = nil
	}
	p.dropOld(1)
	p.h = nil
}

// abort removes the part being written; finished parts stay (a later run
// reuses or replaces them), but no index names them.
func (p *partWriter) abort() {
	if p.f != nil {
		p.f.abort()
		p.f = nil
	}
	p.dropOld(1)
	if p.h != nil {
		os.Remove(p.tmpName(p.n))
		p.h = nil
	}
}

// cut leaves the stream on disk ending at off (an entry's start), for the
// next run to resume from there, and stops writing.
func (p *partWriter) cut(off int64) error {
	last := p.n
	p.keep()
	k, in := 1, off
	if p.size > 0 {
		k, in = int(off/p.size)+1, off%p.size
	}
	for n := k + 1; n <= max(last, len(p.done)+1); n++ {
		os.Remove(p.tmpName(n))
		os.Remove(p.finalName(n))
	}
	if _, err := os.Stat(p.finalName(k)); err == nil {
		if err := os.Rename(p.finalName(k), p.tmpName(k)); err != nil {
			return err
		}
	}
	if in == 0 {
		os.Remove(p.tmpName(k))
		return nil
	}
	return os.Truncate(p.tmpName(k), in)
}

// removeStale deletes parts numbered above count, left by an earlier run.
func (p *partWriter) removeStale(count int) error {
	matches, err := PartFiles(p.dir, p.name)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, d := range p.done {
		keep[d.Name] = true
	}
	for _, m := range matches {
		if !keep[filepath.Base(m)] {
			if err := os.Remove(m); err != nil {
				return fmt.Errorf("cannot remove the stale part %s: %w", m, err)
			}
		}
	}
	return nil
}

// PartFiles lists the part files of bundle name in dir, finished and
// temporary, whatever run wrote them, sorted.
func PartFiles(dir, name string) ([]string, error) {
	var out []string
	for _, pattern := range []string{name + ".part[0-9][0-9][0-9]*", "." + name + ".part[0-9][0-9][0-9]*.tmp"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
	}
	sort.Strings(out)
	return out, nil
}
