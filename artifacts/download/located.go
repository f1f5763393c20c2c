package download

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// A Location says where a written bundle holds a blob, so that a later
// prepare reads it from there instead of fetching it again, and the cache
// need not hold a second copy of every byte. The bundle's parts are
// ordinary files that may be moved, changed or deleted: a part whose size
// or modification time differs from when the location was recorded is not
// read, and what is read is checked against the blob's digest by the
// caller.
type Location struct {
	Size     int64     `json:"size"`
	Segments []Segment `json:"segments"`
}

// Segment is a stretch of one part file.
type Segment struct {
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
	// The part file's size and modification time (Unix nanoseconds) when
	// the location was recorded.
	FileSize int64 `json:"fileSize"`
	ModTime  int64 `json:"modTime"`
}

func (c *Cache) locationPath(digest string) string {
	h, _ := hexOf(digest)
	return filepath.Join(c.Dir, "located", "sha256", h)
}

// Locate returns where a written bundle holds the blob, if its part files
// are still as they were.
func (c *Cache) Locate(digest string, size int64) (*Location, bool) {
	if _, err := hexOf(digest); err != nil {
		return nil, false
	}
	raw, err := os.ReadFile(c.locationPath(digest))
	if err != nil {
		return nil, false
	}
	var l Location
	if json.Unmarshal(raw, &l) != nil || l.Size != size || !l.intact() {
		return nil, false
	}
	return &l, true
}

func (l *Location) intact() bool {
	var n int64
	for _, s := range l.Segments {
		st, err := os.Stat(s.Path)
		if err != nil || !st.Mode().IsRegular() || st.Size() != s.FileSize || st.ModTime().UnixNano() != s.ModTime || s.Offset+s.Size > st.Size() {
			return false
		}
		n += s.Size
	}
	return n == l.Size && len(l.Segments) > 0
}

// Record notes where a written bundle holds the blob; the part files must
// be complete.
func (c *Cache) Record(digest string, l Location) error {
	if _, err := hexOf(digest); err != nil {
		return err
	}
	for i, s := range l.Segments {
		st, err := os.Stat(s.Path)
		if err != nil {
			return err
		}
		l.Segments[i].FileSize, l.Segments[i].ModTime = st.Size(), st.ModTime().UnixNano()
	}
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return writeFileAtomic(c.locationPath(digest), data)
}

// Forget drops what the cache holds of a blob found damaged: its copy and
// its location.
func (c *Cache) Forget(digest string) {
	if _, err := hexOf(digest); err != nil {
		return
	}
	os.Remove(c.BlobPath(digest))
	os.Remove(c.locationPath(digest))
}

// Open reads the blob from offset on.
func (l *Location) Open(offset int64) (io.ReadCloser, error) {
	if offset < 0 || offset > l.Size {
		return nil, fmt.Errorf("offset %d is outside the blob", offset)
	}
	r := &segmentReader{segs: l.Segments}
	for len(r.segs) > 0 && offset >= r.segs[0].Size {
		offset -= r.segs[0].Size
		r.segs = r.segs[1:]
	}
	r.pos = offset
	return r, nil
}

type segmentReader struct {
	segs []Segment
	pos  int64 // within segs[0]
	f    *os.File
}

func (r *segmentReader) Read(b []byte) (int, error) {
	for len(r.segs) > 0 && r.pos >= r.segs[0].Size {
		r.segs, r.pos = r.segs[1:], 0
		if r.f != nil {
			r.f.Close()
			r.f = nil
		}
	}
	if len(r.segs) == 0 {
		return 0, io.EOF
	}
	s := r.segs[0]
	if r.f == nil {
		f, err := os.Open(s.Path)
		if err != nil {
			return 0, err
		}
		r.f = f
	}
	n, err := r.f.ReadAt(b[:min(int64(len(b)), s.Size-r.pos)], s.Offset+r.pos)
	r.pos += int64(n)
	if errors.Is(err, io.EOF) {
		if r.pos < s.Size {
			return n, io.ErrUnexpectedEOF
		}
		err = nil
	}
	return n, err
}

func (r *segmentReader) Close() error {
	if r.f != nil {
		return r.f.Close()
	}
	return nil
}
