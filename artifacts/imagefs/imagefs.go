package imagefs

import (
	"archive/tar"
	"context"
	"errors"
	"ferry/artifacts/progress"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
)

// ErrNoFolder is what a *NoFolderError matches with errors.Is.
var ErrNoFolder = errors.New("no such folder in the image")

// NoFolderError says that the image's final filesystem has no folder at
// the path asked for, and why when the path is there as something else.
type NoFolderError struct {
	// Dir is the folder asked for, cleaned, with a leading slash.
	Dir string
	// Why is empty when nothing is there, else says what stands in the
	// way: "/home/kogito is a symbolic link to /opt/kogito".
	Why string
}

// Error gives one sentence a user can act on.
func (e *NoFolderError) Error() string {
	if e.Why == "" {
		return fmt.Sprintf("the image has no folder %s: check the path in the catalog", e.Dir)
	}
	return fmt.Sprintf("the image has no folder %s (%s): check the path in the catalog", e.Dir, e.Why)
}

// Is makes errors.Is(err, ErrNoFolder) true.
func (e *NoFolderError) Is(target error) bool { return target == ErrNoFolder }

// File is one regular file under the folder, as the image's final
// filesystem has it.
type File struct {
	// Path is relative to the folder, slash-separated, cleaned.
	Path string
	Size int64
	// Mode holds the permission bits the image gives the file.
	Mode fs.FileMode
	// SHA1 and SHA256 are the content's sums in lowercase hex.
	SHA1, SHA256 string
}

// Symlink is a symbolic link under the folder, reported and not followed.
type Symlink struct {
	// Path is relative to the folder, slash-separated, cleaned.
	Path string
	// Target is the link's target as the image stores it.
	Target string
}

// Result is what List or Extract found, and what reading it cost.
type Result struct {
	// Dir is the folder read, cleaned, with a leading slash.
	Dir string
	// Files are the regular files under Dir, sorted by Path.
	Files []File
	// Symlinks are the symbolic links under Dir, sorted by Path.
	Symlinks []Symlink
	// LayerReads counts passes over layers; a layer read a second time
	// for hard links counts twice.
	LayerReads int
	// BytesRead is how many bytes of compressed layers were read.
	BytesRead int64
}

// Options tunes List and Extract.
type Options struct {
	// Progress, when set, hears as layers are read, for a progress bar:
	// when a layer starts, about every MiB of compressed bytes (Reading),
	// and when it is done (Checked). Item is the layer's digest, ItemsDone
	// of ItemsTotal its position from 1 at the base; BytesDone counts the
	// compressed bytes read so far, of BytesTotal (which grows when a
	// layer is read a second time, for hard links in the folder whose
	// targets are outside it: Label says so then). It is called on the
	// goroutine that called List or Extract and should not block.
	Progress progress.Sink
}

// List reads every layer of img once (a layer twice when hard links in the
// folder point outside it) and reports the regular files and
// symbolic links under dir (with or without a leading slash) in the
// image's final filesystem, with sizes and sums. Nothing is written.
func List(ctx context.Context, img v1.Image, dir string, opts Options) (*Result, error) {
	return read(ctx, img, dir, "", opts)
}

// Extract does what List does and also writes the regular files under dir
// into dest, which must be empty or not exist yet, at their paths relative
// to dir. Hard links in the image become hard links in dest, or copies
// where the filesystem refuses them. On error dest may hold part of the
// files; remove it.
func Extract(ctx context.Context, img v1.Image, dir, dest string, opts Options) (*Result, error) {
	if dest == "" {
		return nil, errors.New("extract needs a destination folder")
	}
	if err := prepareDest(dest); err != nil {
		return nil, err
	}
	return read(ctx, img, dir, dest, opts)
}

func prepareDest(dest string) error {
	entries, err := os.ReadDir(dest)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dest, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dest, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("open %s: %w", dest, err)
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty: extract into an empty or new folder, so the image's files are not mixed with others", dest)
	}
	return nil
}

// cleanDir turns the folder as a catalog names it into a path relative to
// the image's root, "" for the root itself.
func cleanDir(dir string) (string, error) {
	if strings.TrimSpace(dir) == "" {
		return "", errors.New("no folder given: name the folder inside the image, for example /home/kogito/.m2/repository")
	}
	p := path.Clean(strings.TrimLeft(dir, "/"))
	switch {
	case p == ".":
		return "", nil
	case p == ".." || strings.HasPrefix(p, "../"):
		return "", fmt.Errorf("%q climbs out of the image's root: name the folder from the root, for example /home/kogito/.m2/repository", dir)
	}
	return p, nil
}

// cleanName turns a tar entry's name (or a hard link's target) into a
// path relative to the image's root. It refuses the root itself and names
// that climb above the root or hold a NUL byte: a layer holding those is
// malformed or hostile, and no file of the folder can come from it.
func cleanName(name string) (string, bool) {
	p := path.Clean(strings.TrimLeft(name, "/"))
	if strings.IndexByte(p, 0) >= 0 || p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

func read(ctx context.Context, img v1.Image, dir, dest string, opts Options) (*Result, error) {
	d, err := cleanDir(dir)
	if err != nil {
		return nil, err
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("list the image's layers: %w", err)
	}
	m := &meter{ctx: ctx, progress: opts.Progress}
	sizes := make([]int64, len(layers))
	for i, l := range layers {
		if sizes[i], err = l.Size(); err != nil {
			return nil, fmt.Errorf("size of layer %d of %d: %w", i+1, len(layers), err)
		}
		m.total += sizes[i]
	}
	w := newWalker(d, dest)
	res := &Result{Dir: "/" + d}
	for i, l := range layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		digest, err := l.Digest()
		if err != nil {
			return nil, fmt.Errorf("digest of layer %d of %d: %w", i+1, len(layers), err)
		}
		m.ev = progress.Event{Item: digest.String(), ItemsDone: i + 1, ItemsTotal: len(layers)}
		w.layer = i + 1
		res.LayerReads++
		if err := m.pass(l, w.entry); err != nil {
			return nil, fmt.Errorf("read layer %d of %d (%s): %w", i+1, len(layers), digest, err)
		}
		if w.needsSecondPass() {
			m.total += sizes[i]
			m.ev.Label = fmt.Sprintf("layer %d of %d read again, for hard links", i+1, len(layers))
			res.LayerReads++
			if err := w.resolveLinks(func(fn entryFunc) error { return m.pass(l, fn) }); err != nil {
				return nil, fmt.Errorf("read layer %d of %d (%s) again for hard links: %w", i+1, len(layers), digest, err)
			}
		}
	}
	if why, ok := w.missing(); ok {
		return nil, &NoFolderError{Dir: res.Dir, Why: why}
	}
	res.Files, res.Symlinks = w.collect()
	res.BytesRead = m.read.Load()
	return res, nil
}

// entryFunc applies one tar entry; idx counts entries in the layer from 0.
type entryFunc func(hdr *tar.Header, r io.Reader, idx int) error

// meter counts compressed bytes as they are read, stops reads once the
// context is done, and sends progress events.
type meter struct {
	ctx      context.Context
	progress progress.Sink
	total    int64
	// read is added to by whichever goroutine reads the compressed stream
	// (a zstd decoder reads ahead on its own goroutines).
	read atomic.Int64
	ev   progress.Event
	next int64
}

const progressEvery = 1 << 20

func (m *meter) emit(done bool) {
	if m.progress == nil {
		return
	}
	ev := m.ev
	ev.BytesDone, ev.BytesTotal, ev.State = m.read.Load(), m.total, progress.Reading
	if done {
		ev.State = progress.Checked
	}
	m.next = ev.BytesDone + progressEvery
	m.progress(ev)
}

// pass reads one layer through to the end, handing each entry to fn.
// Reading to the end, past the tar's end marker, makes registry layers
// check their digest and counts every compressed byte.
func (m *meter) pass(l v1.Layer, fn entryFunc) error {
	m.emit(false)
	// partial decompresses (gzip, zstd or none, by magic bytes) the stream
	// this package meters; Uncompressed would hide the compressed count. A
	// layer known only uncompressed (a tarball from a plain tar) gets
	// compressed by its Compressed just to be decompressed here: wasted
	// CPU, but ferry reads images from registries and layouts, which hold
	// the compressed form.
	cl, err := partial.CompressedToLayer(meteredLayer{Layer: l, m: m})
	if err != nil {
		return err
	}
	rc, err := cl.Uncompressed()
	if err != nil {
		return err
	}
	err = m.entries(rc, fn)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	m.emit(true)
	return nil
}

func (m *meter) entries(rc io.Reader, fn entryFunc) error {
	r := &progressReader{r: rc, m: m}
	tr := tar.NewReader(r)
	for idx := 0; ; idx++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := m.ctx.Err(); err != nil {
			return err
		}
		if err := fn(hdr, tr, idx); err != nil {
			return err
		}
	}
	_, err := io.Copy(io.Discard, r)
	return err
}

// meteredLayer is a layer whose compressed stream is metered.
type meteredLayer struct {
	v1.Layer
	m *meter
}

// Compressed opens the layer's compressed stream through the meter.
func (l meteredLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	return &countingReader{rc: rc, m: l.m}, nil
}

type countingReader struct {
	rc io.ReadCloser
	m  *meter
}

func (c *countingReader) Read(b []byte) (int, error) {
	if err := c.m.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.rc.Read(b)
	c.m.read.Add(int64(n))
	return n, err
}

func (c *countingReader) Close() error { return c.rc.Close() }

// progressReader sits on the uncompressed stream, which the calling
// goroutine reads, so events go out from that goroutine.
type progressReader struct {
	r io.Reader
	m *meter
}

func (p *progressReader) Read(b []byte) (int, error) {
	if err := p.m.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := p.r.Read(b)
	if p.m.progress != nil && p.m.read.Load() >= p.m.next {
		p.m.emit(false)
	}
	return n, err
}
