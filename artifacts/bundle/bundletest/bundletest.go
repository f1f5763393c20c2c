package bundletest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ferry/artifacts/bundle"
)

// Entry is one entry of a forged bundle, after its manifest.
type Entry struct {
	// Name is the entry's name in the tar stream, taken as it is (it may
	// escape, or repeat another's).
	Name string
	// Data is the entry's content.
	Data []byte
	// Type is the tar type flag; zero is a regular file.
	Type byte
	// Linkname is the target of a link entry.
	Linkname string
	// Recorded, when set, is what the manifest (for maven/ and files/
	// entries) and SHA256SUMS say of the entry instead of the truth.
	Recorded *Record
	// Unlisted leaves the entry out of the manifest and SHA256SUMS.
	Unlisted bool
	// HeaderSize, when set, is the size the entry's tar header declares,
	// whatever Data holds: Data follows the header as it is, so the
	// entries after it are misplaced (put it last).
	HeaderSize int64
}

// Record is what a bundle's manifest says of a file.
type Record struct {
	Size   int64
	SHA256 string // lowercase hex
}

// File is a regular file, recorded truthfully.
func File(name string, data []byte) Entry {
	return Entry{Name: name, Data: data}
}

// Symlink is a symbolic link entry pointing at target.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeSymlink, Linkname: target}
}

// Blob is an image blob holding data, named by its sha256.
func Blob(data []byte) Entry {
	return File(bundle.BlobPath(sum(data)), data)
}

// Damaged returns e with the byte at offset at flipped while the manifest
// and SHA256SUMS keep recording the original content: a bundle made wrong,
// whose parts all match the index.
func (e Entry) Damaged(at int) Entry {
	e.Recorded = &Record{Size: int64(len(e.Data)), SHA256: sum(e.Data)}
	data := bytes.Clone(e.Data)
	data[at] ^= 0xff
	e.Data = data
	return e
}

// Declared returns e with the manifest recording size bytes (and the true
// sha256).
func (e Entry) Declared(size int64) Entry {
	e.Recorded = &Record{Size: size, SHA256: sum(e.Data)}
	return e
}

// Spec is a bundle to forge.
type Spec struct {
	// Name is the bundle's name ("forged" when empty).
	Name string
	// PartSize cuts the stream into parts of this size; 0 is one part.
	PartSize int64
	// Images and Plan go into the manifest as they are (Plan is {} when
	// empty).
	Images []bundle.Image
	Plan   json.RawMessage
	// Entries follow the manifest, in this order.
	Entries []Entry
	// NoChecksums leaves out SHA256SUMS.
	NoChecksums bool
}

// Forged is a bundle written to Dir.
type Forged struct {
	Dir      string
	Index    bundle.Index
	Manifest bundle.Manifest
	// offsets is where each entry's content starts in the stream.
	offsets map[string]int64
}

// Write forges the bundle spec describes into dir.
func Write(t testing.TB, dir string, spec Spec) *Forged {
	t.Helper()
	f, err := write(dir, spec)
	if err != nil {
		t.Fatalf("forge a bundle: %v", err)
	}
	return f
}

func write(dir string, spec Spec) (*Forged, error) {
	if spec.Name == "" {
		spec.Name = "forged"
	}
	if spec.Plan == nil {
		spec.Plan = json.RawMessage("{}")
	}
	m := bundle.Manifest{FormatVersion: bundle.FormatVersion, Kind: bundle.ManifestKind, Plan: spec.Plan,
		Images: spec.Images, Maven: []bundle.Entry{}, Files: []bundle.Entry{}}
	if m.Images == nil {
		m.Images = []bundle.Image{}
	}
	var sums []string
	for _, e := range spec.Entries {
		if e.Unlisted {
			continue
		}
		r := Record{Size: int64(len(e.Data)), SHA256: sum(e.Data)}
		if e.Recorded != nil {
			r = *e.Recorded
		}
		be := bundle.Entry{Path: e.Name, Size: r.Size, SHA256: r.SHA256}
		switch {
		case strings.HasPrefix(e.Name, bundle.MavenDir+"/"):
			m.Maven = append(m.Maven, be)
		case strings.HasPrefix(e.Name, bundle.FilesDir+"/"):
			m.Files = append(m.Files, be)
		}
		sums = append(sums, r.SHA256+"  "+e.Name)
	}
	mj, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	entries := append([]Entry{File(bundle.ManifestName, mj)}, spec.Entries...)
	sums = append([]string{sum(mj) + "  " + bundle.ManifestName}, sums...)
	if !spec.NoChecksums {
		entries = append(entries, File(bundle.ChecksumsName, []byte(strings.Join(sums, "\n")+"\n")))
	}

	var stream bytes.Buffer
	tw := tar.NewWriter(&stream)
	offsets := map[string]int64{}
	for _, e := range entries {
		typ := e.Type
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Typeflag: typ, Name: e.Name, Linkname: e.Linkname, Mode: 0o644, Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			hdr.Size = int64(len(e.Data))
		}
		if e.HeaderSize != 0 {
			// The header is written on its own and the data after it
			// raw: a tar writer would refuse to write less than declared.
			if err := tw.Flush(); err != nil {
				return nil, fmt.Errorf("entry %q: %w", e.Name, err)
			}
			hdr.Size = e.HeaderSize
			var hb bytes.Buffer
			if err := tar.NewWriter(&hb).WriteHeader(hdr); err != nil {
				return nil, fmt.Errorf("entry %q: %w", e.Name, err)
			}
			stream.Write(hb.Bytes())
			offsets[e.Name] = int64(stream.Len())
			stream.Write(e.Data)
			stream.Write(make([]byte, (512-len(e.Data)%512)%512))
			continue
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("entry %q: %w", e.Name, err)
		}
		// The header is written through at once: the content starts here.
		offsets[e.Name] = int64(stream.Len())
		if typ == tar.TypeReg {
			if _, err := tw.Write(e.Data); err != nil {
				return nil, fmt.Errorf("entry %q: %w", e.Name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	all := stream.Bytes()
	size := spec.PartSize
	if size <= 0 {
		size = int64(len(all))
	}
	idx := bundle.Index{FormatVersion: bundle.FormatVersion, Kind: bundle.IndexKind, Name: spec.Name, Target: "forged",
		Archs: []string{}, Modules: []string{}, ManifestDigest: bundle.Digest(mj), ShortCode: bundle.ShortCode(bundle.Digest(mj)),
		Size: int64(len(all)), PartSize: size}
	for n := 1; len(all) > 0; n++ {
		chunk := all[:min(int64(len(all)), size)]
		all = all[len(chunk):]
		name := bundle.PartName(spec.Name, n)
		if err := os.WriteFile(filepath.Join(dir, name), chunk, 0o644); err != nil {
			return nil, err
		}
		idx.Parts = append(idx.Parts, bundle.Part{Name: name, Size: int64(len(chunk)), SHA256: sum(chunk)})
	}
	ij, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, bundle.IndexName(spec.Name)), append(ij, '\n'), 0o644); err != nil {
		return nil, err
	}
	return &Forged{Dir: dir, Index: idx, Manifest: m, offsets: offsets}, nil
}

// Offset is where the content of the entry called name starts in the
// stream (of its last copy, for a name carried twice).
func (f *Forged) Offset(t testing.TB, name string) int64 {
	t.Helper()
	off, ok := f.offsets[name]
	if !ok {
		t.Fatalf("the forged bundle has no entry %q", name)
	}
	return off
}

// FlipByte damages the entry called name on the medium: the byte at
// offset at of its content is flipped in the part that holds it, which then
// no longer matches the index. It returns the part's 1-based number.
func (f *Forged) FlipByte(t testing.TB, name string, at int64) int {
	t.Helper()
	return FlipStreamByte(t, f.Dir, f.Index, f.Offset(t, name)+at)
}

// ContentOffset is where the content of the entry called name starts in
// the stream of the bundle in dir described by idx (any bundle, forged or
// written by prepare), found by reading the tar headers.
func ContentOffset(t testing.TB, dir string, idx bundle.Index, name string) int64 {
	t.Helper()
	var readers []io.Reader
	for _, p := range idx.Parts {
		f, err := os.Open(filepath.Join(dir, p.Name))
		if err != nil {
			t.Fatalf("read the bundle: %v", err)
		}
		defer f.Close()
		readers = append(readers, f)
	}
	cr := &countingReader{r: io.MultiReader(readers...)}
	tr := tar.NewReader(cr)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("the bundle has no entry %q: %v", name, err)
		}
		if hdr.Name == name {
			return cr.n
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// FlipStreamByte flips the byte at offset off of a bundle's stream in the
// part that holds it, as a bad medium would, and returns the part's
// 1-based number. It works on any bundle in dir described by idx.
func FlipStreamByte(t testing.TB, dir string, idx bundle.Index, off int64) int {
	t.Helper()
	spans := idx.Spans(off, 1)
	if len(spans) != 1 {
		t.Fatalf("offset %d is beyond the bundle's %d bytes", off, idx.Size)
	}
	p := filepath.Join(dir, idx.Parts[spans[0].Part].Name)
	fh, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("damage a part: %v", err)
	}
	defer fh.Close()
	b := make([]byte, 1)
	if _, err := fh.ReadAt(b, spans[0].Offset); err != nil {
		t.Fatalf("damage a part: %v", err)
	}
	b[0] ^= 0xff
	if _, err := fh.WriteAt(b, spans[0].Offset); err != nil {
		t.Fatalf("damage a part: %v", err)
	}
	return spans[0].Part + 1
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
