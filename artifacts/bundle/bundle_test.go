package bundle

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"ferry/artifacts/progress"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func hexOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// writeSample writes a bundle with an image-less manifest, a Maven file with
// a deliberately wrong .sha1 sidecar, and a plain file.
func writeSample(t testing.TB, dir string, partSize int64) Index {
	t.Helper()
	jar := []byte(strings.Repeat("jar-bytes ", 300))
	file := []byte(strings.Repeat("file ", 400))
	m := Manifest{FormatVersion: FormatVersion, Kind: ManifestKind, Plan: json.RawMessage(`{}`),
		Maven: []Entry{{Path: "maven/org/x/a/1/a-1.jar", Size: int64(len(jar)), SHA256: hexOf(jar)}},
		Files: []Entry{{Path: "files/tool.tgz", Size: int64(len(file)), SHA256: hexOf(file)}}}
	mb, err := json.Marshal(m)
	require.NoError(t, err)
	w, err := Create(dir, "demo-1.0", partSize, time.Unix(0, 0))
	require.NoError(t, err)
	_, err = w.AddBytes(ManifestName, mb)
	require.NoError(t, err)
	_, err = w.AddBytes("maven/org/x/a/1/a-1.jar", jar)
	require.NoError(t, err)
	_, err = w.AddBytes("maven/org/x/a/1/a-1.jar.sha1", []byte("8d8bff8d1b8b2fd4e87d2f5f5a5e1bfc27b4c12d"))
	require.NoError(t, err)
	_, err = w.AddBytes("files/tool.tgz", file)
	require.NoError(t, err)
	idx, err := w.Close(Index{Target: "demo", Version: "1.0", Archs: []string{"amd64"}})
	require.NoError(t, err)
	return idx
}

func TestWriteSplitDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	ia := writeSample(t, a, 1024)
	ib := writeSample(t, b, 1024)
	assert.Equal(t, ia, ib, "same content, same parts")
	assert.Greater(t, len(ia.Parts), 3)
	for i, p := range ia.Parts {
		assert.Equal(t, PartName("demo-1.0", i+1), p.Name)
		if i < len(ia.Parts)-1 {
			assert.EqualValues(t, 1024, p.Size)
		}
		da, _ := os.ReadFile(filepath.Join(a, p.Name))
		db, _ := os.ReadFile(filepath.Join(b, p.Name))
		assert.Equal(t, da, db)
	}
	assert.Regexp(t, `^[0-9A-Z]{4}-[0-9A-Z]{4}$`, ia.ShortCode)
	entries, _ := os.ReadDir(a)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), "."), "no temporary file left: %s", e.Name())
	}
	// A rewrite with bigger parts removes the earlier run's extra parts.
	ic := writeSample(t, a, 0)
	assert.Len(t, ic.Parts, 1)
	left, _ := filepath.Glob(filepath.Join(a, "demo-1.0.part*"))
	assert.Len(t, left, 1)
}

func TestVerifyFindsDamage(t *testing.T) {
	dir := t.TempDir()
	idx := writeSample(t, dir, 1024)
	b, err := Open(dir)
	require.NoError(t, err)
	_, err = b.Verify(t.Context(), false, nil)
	require.Error(t, err, "the sample's .sha1 sidecar is deliberately wrong")
	assert.Contains(t, err.Error(), "the Maven file org/x/a/1/a-1.jar does not match its .sha1 checksum")

	// Parts only: fine, the parts are as written.
	_, err = b.Verify(t.Context(), true, nil)
	require.NoError(t, err)

	// A flipped byte in part 2.
	p2 := filepath.Join(dir, idx.Parts[1].Name)
	data, _ := os.ReadFile(p2)
	data[100] ^= 0xff
	require.NoError(t, os.WriteFile(p2, data, 0o644))
	_, err = b.Verify(t.Context(), true, nil)
	var pe *PartError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "part 2 of "+strconv.Itoa(len(idx.Parts))+" (demo-1.0.part002) is damaged (its checksum does not match): copy it again from the original media", err.Error())
	_, err = b.Verify(t.Context(), false, nil)
	require.ErrorIs(t, err, ErrDamagedPart)
	data[100] ^= 0xff
	require.NoError(t, os.WriteFile(p2, data, 0o644))

	// A truncated last part, then a missing one.
	last := filepath.Join(dir, idx.Parts[len(idx.Parts)-1].Name)
	full, _ := os.ReadFile(last)
	require.NoError(t, os.WriteFile(last, full[:len(full)-10], 0o644))
	_, err = b.Verify(t.Context(), false, nil)
	require.ErrorIs(t, err, ErrDamagedPart)
	assert.Contains(t, err.Error(), "truncated or from another bundle")
	require.NoError(t, os.Remove(last))
	_, err = b.Verify(t.Context(), true, nil)
	require.ErrorIs(t, err, ErrMissingPart)
	assert.Contains(t, err.Error(), "is missing: copy it again from the original media")
}

func TestOpenFindsTheBundle(t *testing.T) {
	dir := t.TempDir()
	idx := writeSample(t, dir, 0)
	for _, p := range []string{dir, filepath.Join(dir, IndexName("demo-1.0")), filepath.Join(dir, idx.Parts[0].Name)} {
		b, err := Open(p)
		require.NoError(t, err, p)
		assert.Equal(t, idx, b.Index)
		m, err := b.ReadManifest(t.Context())
		require.NoError(t, err)
		assert.Equal(t, ManifestKind, m.Kind)
	}
	_, err := Open(t.TempDir())
	assert.ErrorIs(t, err, ErrNotABundle)

	// Another format version is refused with what to do.
	raw, _ := os.ReadFile(filepath.Join(dir, IndexName("demo-1.0")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, IndexName("demo-1.0")), []byte(strings.Replace(string(raw), `"formatVersion": 1`, `"formatVersion": 7`, 1)), 0o644))
	_, err = Open(dir)
	require.ErrorIs(t, err, ErrFormat)
	assert.Contains(t, err.Error(), "use the ferry that travels with the bundle")
}

func TestUnsafePathsAreRefused(t *testing.T) {
	w, err := Create(t.TempDir(), "x", 0, time.Unix(0, 0))
	require.NoError(t, err)
	defer w.Abort()
	for _, p := range []string{"../etc/passwd", "/abs", "a/../../b", "a//b", "", "a\\b"} {
		_, err := w.AddBytes(p, []byte("x"))
		assert.True(t, errors.Is(err, ErrUnsafePath), p)
	}
}

func TestShortCode(t *testing.T) {
	assert.Equal(t, "", ShortCode("nonsense"))
	c := ShortCode("sha256:" + strings.Repeat("ab", 32))
	assert.Regexp(t, `^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`, c)
}

// TestReadingStopsWhenCancelled checks every reading operation returns the
// context's error, and that a full verify stops within the entry it is
// reading rather than at the end of the stream.
func TestReadingStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	big := make([]byte, 24<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	m := Manifest{FormatVersion: FormatVersion, Kind: ManifestKind, Plan: json.RawMessage(`{}`),
		Files: []Entry{{Path: "files/big.bin", Size: int64(len(big)), SHA256: hexOf(big)}}}
	mb, err := json.Marshal(m)
	require.NoError(t, err)
	w, err := Create(dir, "big", 0, time.Unix(0, 0))
	require.NoError(t, err)
	_, err = w.AddBytes(ManifestName, mb)
	require.NoError(t, err)
	_, err = w.AddBytes("files/big.bin", big)
	require.NoError(t, err)
	_, err = w.Close(Index{Target: "big"})
	require.NoError(t, err)
	b, err := Open(dir)
	require.NoError(t, err)

	done, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = b.Verify(done, false, nil)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = b.Verify(done, true, nil)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = b.ReadManifest(done)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = b.Scan(done)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, b.CheckParts(done, true, nil), context.Canceled)
	assert.ErrorIs(t, b.Walk(done, func(*tar.Header, io.Reader) error { return nil }), context.Canceled)

	// Cancelled once the first bytes of the big entry were read: the
	// verify ends inside it, long before its end.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var last int64
	_, err = b.Verify(ctx, false, func(e progress.Event) {
		last = e.BytesDone
		if e.BytesDone > 0 {
			cancel()
		}
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, last, int64(len(big)), "no entry was reported after the cancel")

	var read int64
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	err = b.Walk(ctx2, func(hdr *tar.Header, r io.Reader) error {
		if hdr.Name != "files/big.bin" {
			return nil
		}
		buf := make([]byte, 1<<20)
		for {
			n, err := r.Read(buf)
			read += int64(n)
			cancel2()
			if err != nil {
				return err
			}
		}
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, read, int64(len(big)), "the stream stopped inside the entry")
}

func TestLayoutOrder(t *testing.T) {
	l := NewLayout()
	l.AddFile("b.tgz")
	l.AddMaven("org/x/a/1/a-1.pom")
	l.AddBlob("sha256:cc", 3, BlobIndex)
	l.AddBlob("sha256:bb", 2, BlobManifest)
	l.AddBlob("sha256:dd", 4, BlobContent)
	l.AddBlob("sha256:aa", 1, BlobContent)
	l.AddFile("a.tgz")
	l.AddMaven("org/x/a/1/a-1.jar")
	l.AddMaven("org/x/a/1/a-1.jar")
	l.AddImage(LayoutImage{Reference: "r/x:1", Digest: "sha256:" + strings.Repeat("c", 64), MediaType: "application/vnd.oci.image.index.v1+json", Size: 3})
	var paths []string
	for _, e := range l.Entries() {
		k, ok := KindOf(e.Path)
		require.True(t, ok, e.Path)
		assert.Equal(t, e.Kind, k, e.Path)
		paths = append(paths, e.Path)
	}
	assert.Equal(t, []string{ManifestName,
		"images/blobs/sha256/aa", "images/blobs/sha256/dd", "images/blobs/sha256/bb", "images/blobs/sha256/cc",
		"images/index.json", "images/oci-layout",
		"maven/org/x/a/1/a-1.jar", "maven/org/x/a/1/a-1.pom",
		"files/a.tgz", "files/b.tgz", ChecksumsName}, paths)
	idx, err := l.LayoutIndex()
	require.NoError(t, err)
	assert.Contains(t, string(idx), `"org.opencontainers.image.ref.name":"r/x:1"`)

	// Without images, no layout files.
	l = NewLayout()
	l.AddFile("a.tgz")
	assert.Len(t, l.Entries(), 3)
}
