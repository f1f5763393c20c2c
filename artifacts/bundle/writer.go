package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Writer writes one bundle: a deterministic tar stream cut into parts.
// Entries must be added in the format's order; Close adds SHA256SUMS and
// writes the index. Until Close returns, no index names the parts, so a
// half-written bundle is never taken for a whole one.
type Writer struct {
	dir, name string
	mtime     time.Time
	parts     *partWriter
	tw        *tar.Writer
	sums      []string
	manifest  string
	closed    bool
	buf       []byte
}

// Create starts a bundle called name in dir. partSize 0 means one part.
// mtime is every entry's modification time (SOURCE_DATE_EPOCH, or zero).
func Create(dir, name string, partSize int64, mtime time.Time) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the output folder %s: %w", dir, err)
	}
	// An index from an earlier run would name parts about to be replaced.
	if err := os.Remove(filepath.Join(dir, IndexName(name))); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("cannot replace the earlier bundle index in %s: %w", dir, err)
	}
	pw := &partWriter{dir: dir, name: name, size: partSize}
	return &Writer{dir: dir, name: name, mtime: mtime.UTC(), parts: pw, tw: tar.NewWriter(pw)}, nil
}

// Add writes one entry of size bytes read from r and returns its sha256.
func (w *Writer) Add(path string, size int64, r io.Reader) (string, error) {
	if err := checkPath(path); err != nil {
		return "", err
	}
	hdr := &tar.Header{
		Typeflag: tar.TypeReg, Name: path, Size: size, Mode: 0o644,
		ModTime: w.mtime, Format: tar.FormatPAX,
	}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	h := sha256.New()
	if w.buf == nil {
		w.buf = make([]byte, 1<<20)
	}
	n, err := io.CopyBuffer(w.tw, io.TeeReader(io.LimitReader(r, size), h), w.buf)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if n != size {
		return "", fmt.Errorf("write %s: %d bytes where %d were expected", path, n, size)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	w.sums = append(w.sums, sum+"  "+path)
	if path == ManifestName {
		w.manifest = "sha256:" + sum
	}
	return sum, nil
}

// AddBytes writes one entry from memory.
func (w *Writer) AddBytes(path string, b []byte) (string, error) {
	return w.Add(path, int64(len(b)), bytes.NewReader(b))
}

// AddFile writes one entry from a file on disk.
func (w *Writer) AddFile(path, src string) (string, error) {
	f, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	return w.Add(path, st.Size(), f)
}

// Close writes SHA256SUMS, finishes the last part and writes the index,
// filling in its name, parts, sizes and manifest digest.
func (w *Writer) Close(idx Index) (Index, error) {
	if w.closed {
		return idx, fmt.Errorf("bundle already closed")
	}
	w.closed = true
	sums := strings.Join(w.sums, "\n") + "\n"
	if _, err := w.AddBytes(ChecksumsName, []byte(sums)); err != nil {
		w.parts.abort()
		return idx, err
	}
	if err := w.tw.Close(); err != nil {
		w.parts.abort()
		return idx, err
	}
	if err := w.parts.close(); err != nil {
		w.parts.abort()
		return idx, err
	}
	idx.FormatVersion, idx.Kind, idx.Name = FormatVersion, IndexKind, w.name
	idx.ManifestDigest, idx.ShortCode = w.manifest, ShortCode(w.manifest)
	idx.Parts, idx.Size, idx.PartSize = w.parts.done, w.parts.total, w.parts.size
	if idx.PartSize == 0 {
		idx.PartSize = idx.Size
	}
	if err := w.parts.removeStale(len(idx.Parts)); err != nil {
		return idx, err
	}
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return idx, err
	}
	if err := writeAtomic(filepath.Join(w.dir, IndexName(w.name)), append(data, '\n')); err != nil {
		return idx, err
	}
	return idx, nil
}

// Abort removes the part being written; finished parts stay (a later run
// replaces them), but no index names them.
func (w *Writer) Abort() {
	if !w.closed {
		w.closed = true
		w.parts.abort()
	}
}

// checkPath refuses entry names that could escape the bundle when
// extracted.
func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.ContainsRune(p, 0) {
		return fmt.Errorf("%w: %q", ErrUnsafePath, p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q", ErrUnsafePath, p)
		}
	}
	return nil
}

// partWriter cuts a stream into parts. Each part is written under a
// temporary name, synced, and renamed when complete.
type partWriter struct {
	dir, name string
	size      int64 // 0: one part
	n         int   // current part number, 1-based
	f         *os.File
	h         hash.Hash
	written   int64
	flushed   int64 // start of the range not yet handed to writeback
	total     int64
	done      []Part
}

// writebackChunk is how much of a part is written before its writeback is
// started.
const writebackChunk = 32 << 20

func (p *partWriter) tmpName(n int) string {
	return filepath.Join(p.dir, "."+PartName(p.name, n)+".tmp")
}

func (p *partWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		if p.f == nil {
			p.n++
			f, err := os.OpenFile(p.tmpName(p.n), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
			if err != nil {
				return written, fmt.Errorf("cannot write part %d in %s: %w", p.n, p.dir, err)
			}
			p.f, p.h, p.written, p.flushed = f, sha256.New(), 0, 0
		}
		chunk := b
		if p.size > 0 && int64(len(chunk)) > p.size-p.written {
			chunk = chunk[:p.size-p.written]
		}
		n, err := p.f.Write(chunk)
		p.h.Write(chunk[:n])
		p.written += int64(n)
		p.total += int64(n)
		written += n
		if err != nil {
			return written, fmt.Errorf("cannot write part %d in %s: %w", p.n, p.dir, err)
		}
		if p.written-p.flushed >= writebackChunk {
			startWriteback(p.f, p.flushed, p.written-p.flushed)
			p.flushed = p.written
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

// finish syncs the current part and gives it its final name.
func (p *partWriter) finish() error {
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("cannot write part %d in %s: %w", p.n, p.dir, err)
	}
	if err := p.f.Close(); err != nil {
		return fmt.Errorf("cannot write part %d in %s: %w", p.n, p.dir, err)
	}
	final := PartName(p.name, p.n)
	if err := os.Rename(p.tmpName(p.n), filepath.Join(p.dir, final)); err != nil {
		return err
	}
	p.done = append(p.done, Part{Name: final, Size: p.written, SHA256: hex.EncodeToString(p.h.Sum(nil))})
	p.f = nil
	return syncDir(p.dir)
}

func (p *partWriter) close() error {
	if p.f != nil {
		return p.finish()
	}
	return nil
}

func (p *partWriter) abort() {
	if p.f != nil {
		p.f.Close()
		os.Remove(p.tmpName(p.n))
		p.f = nil
	}
}

// removeStale deletes parts numbered above count, left by an earlier run.
func (p *partWriter) removeStale(count int) error {
	matches, err := filepath.Glob(filepath.Join(p.dir, p.name+".part[0-9][0-9][0-9]*"))
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, d := range p.done {
		keep[d.Name] = true
	}
	sort.Strings(matches)
	for _, m := range matches {
		if !keep[filepath.Base(m)] {
			if err := os.Remove(m); err != nil {
				return fmt.Errorf("cannot remove the stale part %s: %w", m, err)
			}
		}
	}
	return nil
}

// writeAtomic writes a file under a temporary name, syncs it and renames it
// into place.
func writeAtomic(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // not every file system syncs folders (FAT does not)
	return nil
}
