package bundle

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// A part is written through a small pipeline: the tar stream fills one
// aligned buffer while a second goroutine hashes the one before it and a
// third writes the one before that. Where the file system allows it the writes bypass the page cache
// (O_DIRECT): the bytes go to the medium in large sequential requests as
// they come, instead of piling up as dirty pages that the kernel writes
// back in small pieces and that the final sync then waits for. A file
// system that refuses direct writes gets the same pipeline through the
// page cache, with writeback started as it goes.

const (
	// ioAlign is the alignment direct writes need, for offset, length and
	// memory (the largest logical block size in common use).
	ioAlign = 4096
	// ioBuf is the size of each buffer handed to the writing goroutine.
	ioBuf = 4 << 20
	// ioBuffers is how many buffers a part writer cycles through: one
	// filling, one hashing, one writing, and room for each stage to run
	// ahead by one.
	ioBuffers = 6
)

// alignedBuffer returns n bytes whose address is a multiple of ioAlign.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+ioAlign)
	off := int(uintptr(unsafe.Pointer(&b[0])) & (ioAlign - 1))
	if off != 0 {
		off = ioAlign - off
	}
	return b[off : off+n : off+n]
}

// partFile is one part being written.
type partFile struct {
	f      *os.File
	direct bool        // owned by the writing goroutine
	synced int64       // start of the range not yet handed to writeback
	cur    []byte      // the buffer being filled
	free   chan []byte // buffers ready to be filled, shared by a bundle's parts
	todo   chan chunk  // what to hash, in order
	hashed chan chunk  // what to write, in order
	done   chan struct{}
	hash   func([]byte)
	noHash int       // leading bytes already hashed (a resumed part's head)
	start  int64     // where the first buffer goes in the file
	last   time.Time // when a buffer was last handed on
	mu     sync.Mutex
	err    error
}

// chunk is bytes to write; buf, when set, goes back to the pool after.
type chunk struct{ b, buf []byte }

// flushEvery bounds how long written bytes wait in a buffer, so that an
// interrupted run leaves almost all it received on disk.
const flushEvery = 100 * time.Millisecond

// openPart starts writing the file from base (0: created anew, else the
// bytes before base are kept and already hashed) and starts its writing
// goroutine; hash sees every new byte in order, on that goroutine.
func openPart(path string, base int64, pool chan []byte, hash func([]byte)) (*partFile, error) {
	f, direct, err := openDirect(path, base == 0)
	if err != nil {
		return nil, err
	}
	p := &partFile{f: f, direct: direct, free: pool, todo: make(chan chunk, ioBuffers+1), hashed: make(chan chunk, ioBuffers+1),
		done: make(chan struct{}), hash: hash, last: time.Now()}
	p.cur = (<-pool)[:0]
	if base > 0 {
		// Direct writes start at a block boundary: the block's head is
		// read back into the first buffer and written again.
		p.start = base &^ (ioAlign - 1)
		p.noHash = int(base - p.start)
		if err := f.Truncate(base); err != nil {
			f.Close()
			return nil, err
		}
		if p.noHash > 0 {
			r, err := os.Open(path)
			if err == nil {
				_, err = r.ReadAt(p.cur[:p.noHash], p.start)
				r.Close()
			}
			if err != nil {
				f.Close()
				return nil, err
			}
			p.cur = p.cur[:p.noHash]
		}
	}
	go p.hashLoop()
	go p.writeLoop()
	return p, nil
}

func (p *partFile) hashLoop() {
	defer close(p.hashed)
	for c := range p.todo {
		if p.failed() == nil && len(c.b) > 0 {
			k := min(p.noHash, len(c.b))
			p.noHash -= k
			p.hash(c.b[k:])
		}
		p.hashed <- c
	}
}

func (p *partFile) writeLoop() {
	defer close(p.done)
	off := p.start
	for c := range p.hashed {
		if p.failed() == nil && len(c.b) > 0 {
			if err := p.writeAt(c.b, off); err != nil {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
			}
			off += int64(len(c.b))
		}
		if c.buf != nil {
			p.free <- c.buf[:0]
		}
	}
}

func (p *partFile) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// writeAt writes b at off; a direct write the file system refuses is done
// again through the page cache, and the file stays that way.
func (p *partFile) writeAt(b []byte, off int64) error {
	if p.direct && len(b)%ioAlign != 0 {
		if err := setDirect(p.f, false); err != nil {
			return err
		}
		p.direct = false
	}
	_, err := p.f.WriteAt(b, off)
	if err != nil && p.direct && errors.Is(err, syscall.EINVAL) {
		if err := setDirect(p.f, false); err != nil {
			return err
		}
		p.direct = false
		_, err = p.f.WriteAt(b, off)
	}
	if err == nil && !p.direct {
		if end := off + int64(len(b)); end-p.synced >= writebackChunk {
			startWriteback(p.f, p.synced, end-p.synced)
			p.synced = end
		}
	}
	return err
}

// Write copies b into the current buffer, handing full buffers on; it
// reports an error the writing goroutine met.
func (p *partFile) Write(b []byte) error {
	for len(b) > 0 {
		n := copy(p.cur[len(p.cur):cap(p.cur)], b)
		p.cur = p.cur[:len(p.cur)+n]
		b = b[n:]
		if len(p.cur) == cap(p.cur) {
			p.todo <- chunk{p.cur, p.cur}
			p.cur = (<-p.free)[:0]
			p.last = time.Now()
		}
	}
	if aligned := len(p.cur) &^ (ioAlign - 1); aligned > 0 && time.Since(p.last) > flushEvery {
		// A slow stream: hand on the whole blocks, keep the rest.
		next := <-p.free
		next = next[:copy(next[:cap(next)], p.cur[aligned:])]
		p.todo <- chunk{p.cur[:aligned], p.cur}
		p.cur = next
		p.last = time.Now()
	}
	return p.failed()
}

// finish writes what is left, waits for the writing goroutine, syncs and
// closes the file.
func (p *partFile) finish() error {
	tail := p.cur
	p.cur = nil
	if aligned := len(tail) / ioAlign * ioAlign; aligned > 0 && aligned < len(tail) {
		// The aligned head can still go direct.
		p.todo <- chunk{b: tail[:aligned]}
		p.todo <- chunk{tail[aligned:], tail}
	} else {
		p.todo <- chunk{tail, tail}
	}
	close(p.todo)
	<-p.done
	err := p.failed()
	if err == nil {
		err = p.f.Sync()
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// abort stops the writing goroutine and closes the file.
func (p *partFile) abort() {
	if p.cur != nil {
		p.todo <- chunk{buf: p.cur}
		p.cur = nil
		close(p.todo)
		<-p.done
	}
	p.f.Close()
}
