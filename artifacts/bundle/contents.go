package bundle

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Contents gives random access to a bundle's entries straight from its
// parts, without unpacking: each entry is a section of the concatenated
// parts.
type Contents struct {
	b       *Bundle
	files   []*os.File
	starts  []int64 // stream offset where each part starts
	size    int64
	entries map[string]entry
	names   []string
}

type entry struct{ off, size int64 }

// Scan opens every part and lists the entries with their offsets, seeking
// over content rather than reading it, after the checks every reader makes
// of an entry (Walk's). Parts are checked for presence and size, not
// content (use Verify for that), except that a part holding a broken or
// impossible entry is hashed, to name it when it is the part that is
// damaged. A cancelled ctx stops the scan between entries.
func (b *Bundle) Scan(ctx context.Context) (*Contents, error) {
	if err := b.CheckParts(ctx, false, nil); err != nil {
		return nil, err
	}
	c, err := b.openParts()
	if err != nil {
		return nil, err
	}
	c.entries = map[string]entry{}
	rs := io.NewSectionReader(c, 0, c.size)
	tr := tar.NewReader(rs)
	check := newEntryCheck(c.size)
	fail := func(pos int64, err error) (*Contents, error) {
		c.Close()
		return nil, b.blamePart(ctx, pos, err)
	}
	for {
		if err := ctx.Err(); err != nil {
			c.Close()
			return nil, err
		}
		hdr, err := tr.Next()
		pos, _ := rs.Seek(0, io.SeekCurrent)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(pos, b.brokenTar(pos, err))
		}
		if err := check.check(hdr, pos); err != nil {
			return fail(pos, err)
		}
		c.entries[hdr.Name] = entry{off: pos, size: hdr.Size}
		c.names = append(c.names, hdr.Name)
	}
	sort.Strings(c.names)
	return c, nil
}

// openParts opens every part for random access, listing no entries.
func (b *Bundle) openParts() (*Contents, error) {
	c := &Contents{b: b}
	var off int64
	for _, p := range b.Index.Parts {
		f, err := os.Open(filepath.Join(b.Dir, p.Name))
		if err != nil {
			c.Close()
			return nil, err
		}
		c.files = append(c.files, f)
		c.starts = append(c.starts, off)
		off += p.Size
	}
	c.size = off
	return c, nil
}

// ReadAt reads the concatenated parts.
func (c *Contents) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for len(p) > 0 {
		if off >= c.size {
			return n, io.EOF
		}
		i := sort.Search(len(c.starts), func(i int) bool { return c.starts[i] > off }) - 1
		local := off - c.starts[i]
		end := c.b.Index.Parts[i].Size
		chunk := p
		if int64(len(chunk)) > end-local {
			chunk = chunk[:end-local]
		}
		m, err := c.files[i].ReadAt(chunk, local)
		n += m
		off += int64(m)
		p = p[m:]
		if err != nil && !(errors.Is(err, io.EOF) && m == len(chunk)) {
			return n, err
		}
	}
	return n, nil
}

// Open returns an entry's content, or false when the bundle lacks it.
func (c *Contents) Open(name string) (*io.SectionReader, bool) {
	e, ok := c.entries[name]
	if !ok {
		return nil, false
	}
	return io.NewSectionReader(c, e.off, e.size), true
}

// Names lists every entry, sorted.
func (c *Contents) Names() []string { return c.names }

// Close closes the parts.
func (c *Contents) Close() error {
	for _, f := range c.files {
		f.Close()
	}
	c.files = nil
	return nil
}

// Blame says which part to copy again when the entry name was found
// damaged: each part holding its content is hashed, and the first that no
// longer matches the index is returned as a *PartError. When every part is
// whole the bundle was made wrong, and err is returned as it is.
func (c *Contents) Blame(ctx context.Context, name string, err error) error {
	e, ok := c.entries[name]
	if !ok {
		return err
	}
	for _, sp := range c.b.Index.Spans(e.off, max(e.size, 1)) {
		if perr := c.b.checkPart(ctx, sp.Part); perr != nil {
			return stopped(ctx, perr)
		}
	}
	return err
}
