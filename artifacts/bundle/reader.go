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
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
	data, err := os.ReadFile(indexPath)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%w: the bundle index %s is missing: copy the .ferry.json file from the original media too", ErrNotABundle, indexPath)
		}
		return nil, err
	}
	var idx Index
	if err := json.Unmarshal(data, &idx); err != nil || idx.Kind != IndexKind {
		return nil, fmt.Errorf("%w: %s is not a ferry bundle index", ErrNotABundle, indexPath)
	}
	if idx.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%w: %s is bundle format %d and this ferry reads format %d: use the ferry that travels with the bundle", ErrFormat, indexPath, idx.FormatVersion, FormatVersion)
	}
	if len(idx.Parts) == 0 {
		return nil, fmt.Errorf("%w: %s names no parts", ErrNotABundle, indexPath)
	}
	for _, p := range idx.Parts {
		if filepath.Base(p.Name) != p.Name || !strings.HasPrefix(p.Name, idx.Name+".part") {
			return nil, fmt.Errorf("%w: %s names a part %q outside its folder", ErrUnsafePath, indexPath, p.Name)
		}
	}
	return &Bundle{Dir: filepath.Dir(indexPath), Index: idx}, nil
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
		st, err := os.Stat(filepath.Join(b.Dir, p.Name))
		if err != nil {
			return &PartError{N: i + 1, Of: len(b.Index.Parts), Name: p.Name, Kind: ErrMissingPart, What: "is missing"}
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

// Walk reads the tar stream in one pass and calls fn for each regular
// entry, after checking its name cannot escape the bundle. A cancelled ctx
// ends the walk between entries and inside them (the stream fails its
// next read), with the context's error.
func (b *Bundle) Walk(ctx context.Context, fn EntryFunc) error {
	s := b.Stream(ctx)
	defer s.Close()
	tr := tar.NewReader(s)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			var pe *PartError
			if errors.As(err, &pe) {
				return pe
			}
			return fmt.Errorf("%w: the bundle's tar stream is broken (%v): copy the parts again from the original media", ErrDamagedPart, err)
		}
		if err := checkPath(hdr.Name); err != nil {
			return err
		}
		if hdr.Typeflag != tar.TypeReg {
			return fmt.Errorf("%w: %q is not a regular file", ErrUnsafePath, hdr.Name)
		}
		if err := fn(hdr, tr); err != nil {
			return err
		}
	}
}

// ReadManifest reads only the first entry, the manifest.
func (b *Bundle) ReadManifest(ctx context.Context) (*Manifest, error) {
	s := b.Stream(ctx)
	defer s.Close()
	tr := tar.NewReader(s)
	hdr, err := tr.Next()
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		var pe *PartError
		if errors.As(err, &pe) {
			return nil, pe
		}
		return nil, fmt.Errorf("%w: the first part does not start with a bundle manifest", ErrNotABundle)
	}
	if hdr.Name != ManifestName || hdr.Size > 256<<20 {
		return nil, fmt.Errorf("%w: the first entry is %q, not %s", ErrNotABundle, hdr.Name, ManifestName)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, tr); err != nil {
		return nil, err
	}
	if got := Digest(buf.Bytes()); got != b.Index.ManifestDigest {
		return nil, fmt.Errorf("%w: the manifest's digest is %s, the index says %s: the parts and the index come from different bundles", ErrDigest, got, b.Index.ManifestDigest)
	}
	var m Manifest
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m.Kind != ManifestKind {
		return nil, fmt.Errorf("%w: the manifest cannot be read", ErrNotABundle)
	}
	if m.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%w: the bundle is format %d and this ferry reads format %d: use the ferry that travels with the bundle", ErrFormat, m.FormatVersion, FormatVersion)
	}
	return &m, nil
}
