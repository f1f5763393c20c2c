package prepare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"ferry/artifacts/bundle"
	"ferry/artifacts/ctxio"
	"ferry/artifacts/download"
	"ferry/artifacts/fault"
	"ferry/artifacts/image"
	"ferry/artifacts/progress"
	"ferry/workflow/plan"
)

// write writes the bundle from the cache in the format's order, waiting
// for each entry's download.
func (p *Preparer) write(ctx context.Context, pl *plan.Plan, o Options, items []*work, wait func(key string) error, tr *tracker, st *streamer) (_ bundle.Index, err error) {
	// The manifest needs every image manifest and index (to list the
	// absent children of sparse indexes) and every Maven file's sha256.
	for _, im := range pl.Images {
		for _, b := range im.Blobs {
			if b.Kind == image.KindIndex || b.Kind == image.KindManifest {
				if err := wait(b.Digest); err != nil {
					return bundle.Index{}, err
				}
			}
		}
	}
	for _, mv := range pl.Maven {
		if err := wait(mavenKey(mv)); err != nil {
			return bundle.Index{}, err
		}
	}
	cache := p.Downloader.Cache
	mtime := o.ModTime
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	c, err := compose(pl, o, cache)
	if err != nil {
		return bundle.Index{}, err
	}
	layoutJSON, err := c.layout.LayoutIndex()
	if err != nil {
		return bundle.Index{}, err
	}

	w, err := bundle.Create(o.Output, o.Name, o.PartSize, mtime)
	if err != nil {
		return bundle.Index{}, err
	}
	defer func() {
		switch {
		case err == nil:
		case errors.Is(err, syscall.ENOSPC):
			// Nothing on a full medium is worth resuming from.
			w.Discard()
		default:
			// What was written stays for the next run to resume from.
			w.Abort()
		}
	}()
	total := EstimateSize(pl)
	var written int64
	wrote := func(path string, size int64) {
		written += size
		p.emit(progress.Event{Stage: progress.StageWrite, Item: path, State: progress.Writing, BytesDone: written, BytesTotal: total})
	}
	add := func(path, src, key, want string) error {
		if key != "" {
			if err := wait(key); err != nil {
				return err
			}
		}
		size := fileSize(src)
		open, done := openFile(ctx, src)
		sum, err := w.AddFrom(path, size, open)
		done()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // stopped: what is written stays to resume from
			}
			return describeWrite(o.Output, err)
		}
		if want != "" && sum != want {
			// The cache copy went bad after it was verified (a power cut,
			// a failing disk): drop it so the next run fetches it again,
			// and end the bundle's stream before it.
			os.Remove(src)
			w.Cut(path)
			return fmt.Errorf("the cached copy of %s is damaged: it was removed from the cache; run prepare again to fetch it", path)
		}
		wrote(path, size)
		return nil
	}
	addBytes := func(path string, data []byte) error {
		if _, err := w.AddBytes(path, data); err != nil {
			return describeWrite(o.Output, err)
		}
		return nil
	}
	byKey := map[string]*work{}
	for _, it := range items {
		byKey[it.key] = it
	}
	// located are the blobs this bundle holds without a copy in the cache.
	var located []entry
	addBlob := func(b bundle.LayoutEntry) error {
		path, hex := b.Path, strings.TrimPrefix(b.Name, "sha256:")
		it := byKey[b.Name]
		if it == nil || it.kind != "blob" || it.from == fromCopy || it.from == fromDownload {
			return add(path, cache.BlobPath(b.Name), b.Name, hex)
		}
		if spilled, err := st.spilledWait(b.Name); spilled {
			// Downloaded into the cache while the writer waited on the
			// network.
			if err != nil {
				tr.update(it, "", 0, progress.Failed, 0, err)
				return err
			}
			if err := add(path, cache.BlobPath(b.Name), "", hex); err != nil {
				return err
			}
			tr.update(it, "", b.Size, progress.Verified, 0, nil)
			return nil
		}
		var loc *download.Location
		if it.from == fromLocated {
			loc, _ = cache.Locate(b.Name, b.Size)
		}
		var body io.ReadCloser
		sum, err := w.AddFrom(path, b.Size, func(offset int64) (io.Reader, error) {
			if loc != nil {
				if r, err := loc.Open(offset); err == nil {
					body = r
					return r, nil
				}
				loc = nil
			}
			body = st.open(b.Name, offset)
			return body, nil
		})
		if body != nil {
			body.Close()
		}
		if err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return ctx.Err()
			}
			var fe *fault.Error
			if errors.As(err, &fe) {
				return err
			}
			return describeWrite(o.Output, err)
		}
		if sum != hex {
			w.Cut(path)
			tr.update(it, "", 0, progress.Failed, 0, nil)
			if loc != nil {
				cache.Forget(b.Name)
				return fmt.Errorf("the copy of %s in the earlier bundle at %s is damaged: the cache no longer points there; run prepare again to fetch it", path, filepath.Dir(loc.Segments[0].Path))
			}
			return p.Downloader.DigestMismatch(it.ref, b.Name, "sha256:"+sum)
		}
		state := progress.Verified
		if loc != nil || it.from == fromLocated {
			state = progress.Cached
		}
		tr.update(it, "", b.Size, state, 0, nil)
		located = append(located, entry{path, b.Size})
		wrote(path, b.Size)
		return nil
	}
	for _, e := range c.layout.Entries() {
		var err error
		switch e.Kind {
		case bundle.KindManifest:
			err = addBytes(e.Path, c.manifest)
		case bundle.KindBlob:
			err = addBlob(e)
		case bundle.KindLayoutIndex:
			err = addBytes(e.Path, layoutJSON)
		case bundle.KindOCILayout:
			err = addBytes(e.Path, bundle.OCILayout())
		case bundle.KindMaven:
			err = add(e.Path, cache.MavenPath(e.Name), c.maven[e.Name].key, c.maven[e.Name].sha256)
		case bundle.KindFile:
			err = add(e.Path, c.files[e.Name].src, c.files[e.Name].key, c.files[e.Name].sha256)
		case bundle.KindChecksums:
			// Close writes it, from what was added.
		}
		if err != nil {
			return bundle.Index{}, err
		}
	}
	var modules []string
	for _, md := range pl.Selection.Modules {
		modules = append(modules, md.Name)
	}
	version := bundle.FormatVersion
	if pl.Have != nil {
		version = bundle.DeltaFormatVersion
	}
	idx, err := w.Close(bundle.Index{FormatVersion: version, Target: pl.Selection.Target, Version: pl.Selection.Version, Archs: pl.Selection.Archs, Modules: modules})
	if err != nil {
		return bundle.Index{}, describeWrite(o.Output, err)
	}
	p.recordLocations(w, idx, o.Output, located)
	return idx, nil
}

// recordLocations tells the cache where the bundle holds the blobs it has
// no copy of. A cache that cannot take them is no reason to fail a bundle
// that is written: the next prepare fetches those blobs again.
func (p *Preparer) recordLocations(w *bundle.Writer, idx bundle.Index, dir string, entries []entry) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		off, ok := w.ContentOffset(e.path)
		if !ok {
			continue
		}
		loc := download.Location{Size: e.size}
		for _, sp := range idx.Spans(off, e.size) {
			loc.Segments = append(loc.Segments, download.Segment{Path: filepath.Join(abs, idx.Parts[sp.Part].Name), Offset: sp.Offset, Size: sp.Size})
		}
		_ = p.Downloader.Cache.Record("sha256:"+e.path[strings.LastIndex(e.path, "/")+1:], loc)
	}
}

// entry is a bundle entry and its size.
type entry struct {
	path string
	size int64
}

// fileSize is a cached file's size (0 when it is gone: the write then
// reports it short).
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// openFile opens a cached file from an offset, for Writer.AddFrom; done
// closes it.
func openFile(ctx context.Context, path string) (open func(int64) (io.Reader, error), done func()) {
	var f *os.File
	open = func(offset int64) (io.Reader, error) {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return nil, err
		}
		return ctxio.Reader(ctx, f), nil
	}
	return open, func() {
		if f != nil {
			f.Close()
		}
	}
}

// describeWrite turns a write failure into a sentence; a full disk says so.
func describeWrite(dir string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return mediumFull{dir}
	}
	return fmt.Errorf("cannot write the bundle to %s: %w", dir, err)
}

// mediumFull is a write that found the medium full.
type mediumFull struct{ dir string }

func (e mediumFull) Error() string {
	return fmt.Sprintf("the medium at %s is full: nothing usable was left there; free space or use a larger medium and run again", e.dir)
}

func (e mediumFull) Unwrap() error { return syscall.ENOSPC }
