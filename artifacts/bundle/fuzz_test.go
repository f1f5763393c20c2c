package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Fuzz targets for everything the far side reads from the medium: the
// sidecar index, the bundle manifest, and the tar stream with its entries
// and image graph. Each must end in an error or a result, never a panic or
// a hang. Run one with: go test -fuzz FuzzStream ./artifacts/bundle

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"formatVersion":1,"kind":"FerryBundleIndex","name":"b","size":3,"partSize":3,"parts":[{"name":"b.part001","size":3,"sha256":"00"}]}`))
	f.Add([]byte(`{"formatVersion":1,"kind":"FerryBundleIndex","name":"b","size":0,"parts":[{"name":"b.part001","size":-1},{"name":"b.part001","size":1}]}`))
	f.Add([]byte(`{"formatVersion":1,"kind":"FerryBundleIndex","name":"b","parts":[{"name":"../b.part001"}]}`))
	f.Add([]byte(`{"formatVersion":2,"kind":"FerryBundleIndex"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := parseIndex(data, "b.ferry.json")
		if err != nil {
			return
		}
		var total int64
		for _, p := range idx.Parts {
			if p.Size < 0 || filepath.Base(p.Name) != p.Name {
				t.Fatalf("accepted part %+v", p)
			}
			total += p.Size
		}
		if len(idx.Parts) == 0 || total != idx.Size {
			t.Fatalf("accepted an index whose parts add up to %d, not %d", total, idx.Size)
		}
		for i := range idx.Parts {
			_ = idx.Spans(int64(i), 1)
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"formatVersion":1,"kind":"FerryBundle","plan":{},"images":[],"maven":[],"files":[]}`))
	f.Add([]byte(`{"formatVersion":1,"kind":"FerryBundle","images":[{"reference":"x","digest":"sha256:00","missing":["a"]}],"maven":[{"path":"maven/../x","size":-5}]}`))
	f.Add([]byte(`{"formatVersion":7,"kind":"FerryBundle"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data)
		if err == nil && (m.Kind != ManifestKind || m.FormatVersion != FormatVersion) {
			t.Fatalf("accepted a manifest of kind %q, version %d", m.Kind, m.FormatVersion)
		}
	})
}

// FuzzStream writes the input as the one part of a bundle whose index
// matches it, then verifies it fully, scans it and reads its manifest.
func FuzzStream(f *testing.F) {
	for _, seed := range streamSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(fuzzStreamBody)
}

func fuzzStreamBody(t *testing.T, data []byte) {
	dir := t.TempDir()
	idx := Index{FormatVersion: FormatVersion, Kind: IndexKind, Name: "z", Size: int64(len(data)), PartSize: int64(len(data)),
		Parts: []Part{{Name: PartName("z", 1), Size: int64(len(data)), SHA256: hexDigest(data)}}}
	// The manifest digest is the first entry's, when there is one, so
	// that the checks past it are reached.
	if hdr, err := tar.NewReader(bytes.NewReader(data)).Next(); err == nil && hdr.Size >= 0 && hdr.Size < 1<<20 {
		tr := tar.NewReader(bytes.NewReader(data))
		_, _ = tr.Next()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(tr)
		idx.ManifestDigest = Digest(buf.Bytes())
	}
	ij, _ := json.Marshal(idx)
	if err := os.WriteFile(filepath.Join(dir, IndexName("z")), ij, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, PartName("z", 1)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatalf("open a bundle whose index matches its part: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, verr := b.Verify(ctx, false, nil)
	c, serr := b.Scan(ctx)
	if serr == nil {
		for _, n := range c.Names() {
			if err := checkPath(n); err != nil {
				t.Fatalf("scan accepted %q", n)
			}
		}
		c.Close()
	}
	_, _ = b.ReadManifest(ctx)
	if ctx.Err() != nil {
		t.Fatal("reading a small bundle took 20 s")
	}
	if verr == nil && serr != nil {
		t.Fatalf("verify accepted what scan refused: %v", serr)
	}
}

func hexDigest(b []byte) string { return Digest(b)[len("sha256:"):] }

// streamSeeds are a whole bundle, a part of one, and hostile shapes.
func streamSeeds(f *testing.F) [][]byte {
	dir := f.TempDir()
	idx := writeSample(f, dir, 0)
	whole, err := os.ReadFile(filepath.Join(dir, idx.Parts[0].Name))
	if err != nil {
		f.Fatal(err)
	}
	tarOf := func(hdrs ...*tar.Header) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, h := range hdrs {
			_ = tw.WriteHeader(h)
			if h.Typeflag == tar.TypeReg {
				_, _ = tw.Write(make([]byte, h.Size))
			}
		}
		_ = tw.Close()
		return buf.Bytes()
	}
	m := &tar.Header{Name: ManifestName, Typeflag: tar.TypeReg, Size: 2}
	return [][]byte{
		whole,
		whole[:len(whole)/2],
		tarOf(m, &tar.Header{Name: "maven/a", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}),
		tarOf(m, &tar.Header{Name: "files/a", Typeflag: tar.TypeReg, Size: 3}, &tar.Header{Name: "files/a", Typeflag: tar.TypeReg, Size: 1}),
		tarOf(m, &tar.Header{Name: "../x", Typeflag: tar.TypeReg, Size: 1}),
	}
}
