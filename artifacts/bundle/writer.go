package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	// starts[path] is where an entry's header begins in the stream,
	// contents[path] where its content does.
	starts, contents map[string]int64
}

// Create starts a bundle called name in dir. partSize 0 means one part.
// mtime is every entry's modification time (SOURCE_DATE_EPOCH, or zero).
func Create(dir, name string, partSize int64, mtime time.Time) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the output folder %s: %w", dir, err)
	}
	// An index from an earlier run would name parts about to be reused or
	// replaced.
	if err := os.Remove(filepath.Join(dir, IndexName(name))); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("cannot replace the earlier bundle index in %s: %w", dir, err)
	}
	pw := &partWriter{dir: dir, name: name, size: partSize}
	pw.findOld()
	return &Writer{dir: dir, name: name, mtime: mtime.UTC(), parts: pw, tw: tar.NewWriter(pw),
		starts: map[string]int64{}, contents: map[string]int64{}}, nil
}

// Reused is how many bytes of the stream so far were found already on
// disk, left by an earlier run that stopped.
func (w *Writer) Reused() int64 { return w.parts.Reused() }

// resumable is how many bytes of the next entry's content an earlier run
// left on disk, so that AddFrom reads them from there.
func (w *Writer) resumable(size int64) int64 {
	if !w.parts.comparing() {
		return 0
	}
	return min(size, w.parts.oldEnd-w.parts.total)
}

// Add writes one entry of size bytes read from r and returns its sha256.
// Content an earlier run left on disk is compared byte for byte.
func (w *Writer) Add(path string, size int64, r io.Reader) (string, error) {
	return w.add(path, size, func(int64) (io.Reader, error) { return r, nil }, false)
}

// AddFrom writes one entry of size bytes and returns its sha256. What an
// earlier, interrupted run left on disk of this entry's content is read
// from there; open gives the rest, from offset. The caller checks the
// sha256 against what it expects and calls Cut when it differs.
func (w *Writer) AddFrom(path string, size int64, open func(offset int64) (io.Reader, error)) (string, error) {
	return w.add(path, size, open, true)
}

func (w *Writer) add(path string, size int64, open func(offset int64) (io.Reader, error), resume bool) (string, error) {
	if err := checkPath(path); err != nil {
		return "", err
	}
	if err := w.tw.Flush(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	w.starts[path] = w.parts.total
	hdr := &tar.Header{
		Typeflag: tar.TypeReg, Name: path, Size: size, Mode: 0o644,
		ModTime: w.mtime, Format: tar.FormatPAX,
	}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	w.contents[path] = w.parts.total
	h := sha256.New()
	if w.buf == nil {
		w.buf = make([]byte, 1<<20)
	}
	var n int64
	dst := io.MultiWriter(w.tw, h)
	if old := w.resumable(size); resume && old > 0 {
		m, err := io.CopyBuffer(dst, w.parts.oldReader(old), w.buf)
		n += m
		if err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
	}
	if n < size {
		r, err := open(n)
		if err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
		// A source that writes itself (io.WriterTo) saves a copy; it may
		// not give more than the entry holds.
		m, err := io.CopyBuffer(&atMost{w: dst, left: size - n}, r, w.buf)
		n += m
		if err != nil && !errors.Is(err, errTooLong) {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
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

// atMost passes on at most left bytes; more is errTooLong.
type atMost struct {
	w    io.Writer
	left int64
}

var errTooLong = errors.New("more content than the entry holds")

func (a *atMost) Write(b []byte) (int, error) {
	if int64(len(b)) > a.left {
		n, err := a.w.Write(b[:a.left])
		a.left -= int64(n)
		if err == nil {
			err = errTooLong
		}
		return n, err
	}
	n, err := a.w.Write(b)
	a.left -= int64(n)
	return n, err
}

// ContentOffset is where an entry's content starts in the stream.
func (w *Writer) ContentOffset(path string) (int64, bool) {
	off, ok := w.contents[path]
	return off, ok
}

// AddBytes writes one entry from memory.
func (w *Writer) AddBytes(path string, b []byte) (string, error) {
	return w.Add(path, int64(len(b)), bytes.NewReader(b))
}

// Close writes SHA256SUMS, finishes the last part and writes the index,
// filling in its name, parts, sizes and manifest digest, and its format
// version unless idx gives one.
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
	if idx.FormatVersion == 0 {
		// A delta bundle's writer passes DeltaFormatVersion.
		idx.FormatVersion = FormatVersion
	}
	idx.Kind, idx.Name = IndexKind, w.name
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

// Abort stops writing and leaves what was written for a later run of the
// same plan to resume from; no index names it.
func (w *Writer) Abort() {
	if !w.closed {
		w.closed = true
		w.parts.keep()
	}
}

// Discard stops writing and removes the part being written (the medium is
// full, say); finished parts stay, but no index names them.
func (w *Writer) Discard() {
	if !w.closed {
		w.closed = true
		w.parts.abort()
	}
}

// Cut stops writing and leaves the stream on disk ending where entry path
// begins: its content was wrong, and a later run resumes up to there and
// writes it anew.
func (w *Writer) Cut(path string) error {
	if w.closed {
		return nil
	}
	w.closed = true
	start, ok := w.starts[path]
	if !ok {
		w.parts.abort()
		return nil
	}
	return w.parts.cut(start)
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
