package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"ferry/artifacts/progress"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"ferry/artifacts/fault"
	"ferry/artifacts/size"

	"github.com/spf13/afero"
)

// Bundle is a bundle found on disk: its index and the folder of its parts.
type Bundle struct {
	Dir   string
	Index Index
}

var partPattern = regexp.MustCompile(`^(.+)\.part\d{3,}$`)

// Open finds a bundle from its index file, any of its parts, or the folder
// that holds it. Errors are sentences.
func Open(path string) (*Bundle, error) {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%w: %s does not exist: give the bundle's folder, its .ferry.json index or one of its parts", ErrNotABundle, path)
		}
		return nil, err
	}
	indexPath := path
	switch {
	case st.IsDir():
		found, _ := filepath.Glob(filepath.Join(path, "*.ferry.json"))
		switch len(found) {
		case 0:
			return nil, fmt.Errorf("%w: %s holds no bundle (no .ferry.json index): give the folder the bundle was written to", ErrNotABundle, path)
		case 1:
			indexPath = found[0]
		default:
			return nil, fmt.Errorf("%s holds %d bundles: name one of their .ferry.json files", path, len(found))
		}
	case partPattern.MatchString(filepath.Base(path)):
		m := partPattern.FindStringSubmatch(filepath.Base(path))
		indexPath = filepath.Join(filepath.Dir(path), IndexName(m[1]))
	}
	data, err := readIndexFile(afero.NewOsFs(), indexPath)
	if err != nil {
		return nil, err
	}
	idx, err := parseIndex(data, indexPath)
	if err != nil {
		return nil, err
	}
	b := &Bundle{Dir: filepath.Dir(indexPath), Index: idx}
	// A part that is not a regular file (a FIFO, a device) would block or
	// never end when read: it is refused before anything opens it.
	for i := range idx.Parts {
		if _, err := b.checkPartFile(i); err != nil && !errors.Is(err, ErrMissingPart) {
			return nil, err
		}
	}
	return b, nil
}

// ReadIndex reads and checks the sidecar index at path through fsys, as
// Open does from the disk, without opening the bundle: for finding bundles
// on media.
func ReadIndex(fsys afero.Fs, path string) (Index, error) {
	data, err := readIndexFile(fsys, path)
	if err != nil {
		return Index{}, err
	}
	return parseIndex(data, path)
}

// readIndexFile reads the sidecar index, refusing anything but a regular
// file of a sane size before opening it.
func readIndexFile(fsys afero.Fs, indexPath string) ([]byte, error) {
	st, err := fsys.Stat(indexPath)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%w: the bundle index %s is missing: copy the .ferry.json file from the original media too", ErrNotABundle, indexPath)
		}
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fault.New(ErrNotABundle, "the bundle index %s is not a regular file: copy the .ferry.json file from the original media", indexPath)
	}
	if st.Size() > MaxIndexFileSize {
		return nil, fault.New(ErrTooLarge, "the bundle index %s is %s, more than the 16 MiB a bundle index may be: copy the .ferry.json file again from the original media", indexPath, size.Format(st.Size()))
	}
	f, err := fsys.Open(indexPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxIndexFileSize))
}

// ParseIndex reads a sidecar index (read by the caller from indexPath)
// and checks that it can name parts
// safely: known kind and version, at least one part, every part inside
// the folder and named once, and sizes that add up to the stream's.
func parseIndex(data []byte, indexPath string) (Index, error) {
	var idx Index
	if err := json.Unmarshal(data, &idx); err != nil || idx.Kind != IndexKind {
		return idx, fmt.Errorf("%w: %s is not a ferry bundle index", ErrNotABundle, indexPath)
	}
	if !readsFormat(idx.FormatVersion) {
		return idx, fmt.Errorf("%w: %s is bundle format %d and this ferry reads formats %d and %d: use the ferry that travels with the bundle", ErrFormat, indexPath, idx.FormatVersion, FormatVersion, DeltaFormatVersion)
	}
	if len(idx.Parts) == 0 {
		return idx, fmt.Errorf("%w: %s names no parts", ErrNotABundle, indexPath)
	}
	names := make(map[string]bool, len(idx.Parts))
	var total int64
	for _, p := range idx.Parts {
		if filepath.Base(p.Name) != p.Name || !strings.HasPrefix(p.Name, idx.Name+".part") || strings.ContainsAny(p.Name, "/\\\x00") {
			return idx, fmt.Errorf("%w: %s names a part %q outside its folder", ErrUnsafePath, indexPath, p.Name)
		}
		if names[p.Name] {
			return idx, fault.New(ErrNotABundle, "the bundle index %s names the part %s twice: copy the .ferry.json file again from the original media", indexPath, p.Name)
		}
		names[p.Name] = true
		if p.Size < 0 || total > math.MaxInt64-p.Size {
			return idx, fault.New(ErrNotABundle, "the bundle index %s gives the part %s an impossible size: copy the .ferry.json file again from the original media", indexPath, p.Name)
		}
		total += p.Size
	}
	if total != idx.Size {
		return idx, fault.New(ErrNotABundle, "the bundle index %s says the bundle is %d bytes but its parts add up to %d: copy the .ferry.json file again from the original media", indexPath, idx.Size, total)
	}
	return idx, nil
}

// checkPartFile checks that part i is present and a regular file, without
// opening it.
func (b *Bundle) checkPartFile(i int) (os.FileInfo, error) {
	p := b.Index.Parts[i]
	st, err := os.Stat(filepath.Join(b.Dir, p.Name))
	if err != nil {
		return nil, &PartError{N: i + 1, Of: len(b.Index.Parts), Name: p.Name, Kind: ErrMissingPart, What: "is missing"}
	}
	if !st.Mode().IsRegular() {
		return nil, &PartError{N: i + 1, Of: len(b.Index.Parts), Name: p.Name, Kind: ErrDamagedPart, What: "is " + modeName(st.Mode()) + ", not a regular file"}
	}
	return st, nil
}

func modeName(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeDevice != 0, m&os.ModeCharDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	}
	return "not a plain file"
}

// PartError names a part that is missing or damaged, and what to do.
type PartError struct {
	N, Of int
	Name  string
	Kind  error
	What  string
}

func (e *PartError) Error() string {
	return fmt.Sprintf("part %d of %d (%s) %s: copy it again from the original media", e.N, e.Of, e.Name, e.What)
}

// Unwrap returns ErrMissingPart or ErrDamagedPart.
func (e *PartError) Unwrap() error { return e.Kind }

// CheckParts checks every part's presence and size, and with hashes its
// sha256, reporting each part checked to sink (progress.StageVerify,
// Checked, with the parts and bytes checked so far). Sizes are checked for
// every part first, so a missing or truncated part is named at once. It
// stops with the context's error when ctx is cancelled.
func (b *Bundle) CheckParts(ctx context.Context, hashes bool, sink progress.Sink) error {
	var read int64
	done := func(n int, bytes int64) {
		read += bytes
		sink.Send(progress.Event{Stage: progress.StageVerify, Item: b.Index.Parts[n-1].Name, State: progress.Checked,
			BytesDone: read, BytesTotal: b.Index.Size, ItemsDone: n, ItemsTotal: len(b.Index.Parts)})
	}
	for i, p := range b.Index.Parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := b.checkPartFile(i)
		if err != nil {
			return err
		}
		if st.Size() != p.Size {
			return &PartError{N: i + 1, Of: len(b.Index.Parts), Name: p.Name, Kind: ErrDamagedPart,
				What: fmt.Sprintf("has %d bytes where %d were written (truncated or from another bundle)", st.Size(), p.Size)}
		}
		if !hashes {
			done(i+1, p.Size)
		}
	}
	if !hashes {
		return nil
	}
	s := b.stream(ctx, done)
	defer s.Close()
	_, err := io.Copy(io.Discard, s)
	return err
}

// Stream returns the bundle's tar stream read straight from its parts, in
// order, checking each part's size and sha256 as it is read: a damaged
// part fails the read with a *PartError naming it, and a cancelled ctx
// with the context's error.
func (b *Bundle) Stream(ctx context.Context) io.ReadCloser {
	return b.stream(ctx, nil)
}

// Entry handler for Walk: the tar header and its content.
type EntryFunc func(hdr *tar.Header, r io.Reader) error

// Walk reads the tar stream in one pass and calls fn for each entry,
// after the checks every reader makes (a regular file, inside the bundle,
// named once, of a size the stream holds), and reads the stream to its end
// so that every part's sha256 is checked. When fn or a check fails, the
// part holding the entry is read to its end first: a part that does not
// match the index is then named instead (copy it again), the failure
// itself only when the parts are whole. A cancelled ctx ends the walk
// between entries and inside them, with the context's error.
func (b *Bundle) Walk(ctx context.Context, fn EntryFunc) error {
	return b.walk(ctx, func(hdr *tar.Header, _ int64, r io.Reader) error { return fn(hdr, r) })
}

// walk is Walk, telling fn where each entry's content starts in the stream.
func (b *Bundle) walk(ctx context.Context, fn func(hdr *tar.Header, off int64, r io.Reader) error) error {
	s := b.stream(ctx, nil)
	defer s.Close()
	cr := &countReader{r: s}
	tr := tar.NewReader(cr)
	check := newEntryCheck(b.Index.Size)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			_, err := io.Copy(io.Discard, cr)
			return stopped(ctx, err)
		}
		if err != nil {
			return s.blame(cr.n, b.brokenTar(cr.n, err))
		}
		off := cr.n
		if err := check.check(hdr, off); err != nil {
			return s.blame(off, err)
		}
		if err := fn(hdr, off, tr); err != nil {
			return s.blame(cr.n, err)
		}
	}
}

// brokenTar words a tar stream that cannot be read at pos, once the parts
// were found to match the index.
func (b *Bundle) brokenTar(pos int64, err error) error {
	var pe *PartError
	if errors.As(err, &pe) {
		return pe
	}
	i := b.partAt(pos - 1)
	return fault.New(ErrDamagedPart, "the bundle's tar stream is broken in part %d of %d (%s) although the parts match their index (%v): make the bundle again", i+1, len(b.Index.Parts), b.Index.Parts[i].Name, err)
}

// ReadManifest reads only the first entry, the manifest, after the checks
// every reader makes of an entry; a manifest over MaxBundleManifestSize is
// refused before it is read.
func (b *Bundle) ReadManifest(ctx context.Context) (*Manifest, error) {
	s := b.stream(ctx, nil)
	defer s.Close()
	cr := &countReader{r: s}
	tr := tar.NewReader(cr)
	hdr, err := tr.Next()
	if err != nil {
		var pe *PartError
		if errors.As(err, &pe) {
			return nil, stopped(ctx, pe)
		}
		return nil, s.blame(cr.n, fmt.Errorf("%w: the first part does not start with a bundle manifest", ErrNotABundle))
	}
	if err := newEntryCheck(b.Index.Size).check(hdr, cr.n); err != nil {
		return nil, s.blame(cr.n, err)
	}
	var buf bytes.Buffer
	buf.Grow(int(hdr.Size))
	if _, err := io.Copy(&buf, tr); err != nil {
		return nil, s.blame(cr.n, err)
	}
	if got := Digest(buf.Bytes()); got != b.Index.ManifestDigest {
		return nil, s.blame(cr.n, fmt.Errorf("%w: the manifest's digest is %s, the index says %s: the parts and the index come from different bundles", ErrDigest, got, b.Index.ManifestDigest))
	}
	m, err := parseManifest(buf.Bytes())
	if err != nil {
		return nil, err
	}
	if err := b.sameFormat(m); err != nil {
		return nil, err
	}
	return m, nil
}

// sameFormat refuses a manifest of another format than the index's: a
// full bundle's index cannot vouch for a delta, nor the reverse.
func (b *Bundle) sameFormat(m *Manifest) error {
	if m.FormatVersion != b.Index.FormatVersion {
		return fmt.Errorf("%w: the bundle index says format %d and its manifest format %d: the index and the parts come from different bundles", ErrFormat, b.Index.FormatVersion, m.FormatVersion)
	}
	return nil
}

// parseManifest reads the bundle manifest and checks its kind and version.
func parseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Kind != ManifestKind {
		return nil, fmt.Errorf("%w: the bundle manifest cannot be read", ErrNotABundle)
	}
	if !readsFormat(m.FormatVersion) {
		return nil, fmt.Errorf("%w: the bundle is format %d and this ferry reads formats %d and %d: use the ferry that travels with the bundle", ErrFormat, m.FormatVersion, FormatVersion, DeltaFormatVersion)
	}
	if (m.FormatVersion == DeltaFormatVersion) != (m.Base != nil) {
		return nil, fmt.Errorf("%w: the bundle manifest is format %d but does not say what it leaves out", ErrNotABundle, m.FormatVersion)
	}
	if m.Base != nil && !sort.StringsAreSorted(m.Base.Omitted) {
		return nil, fmt.Errorf("%w: the bundle manifest's list of left-out blobs is not sorted", ErrNotABundle)
	}
	return &m, nil
}
