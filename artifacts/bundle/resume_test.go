package bundle

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resumeSample is a bundle's entries: a small manifest and two blobs.
type resumeSample struct {
	manifest []byte
	blobs    [][]byte
}

func newResumeSample(t *testing.T, sizes ...int) resumeSample {
	s := resumeSample{manifest: []byte(`{"formatVersion":1}`)}
	for _, n := range sizes {
		b := make([]byte, n)
		_, err := rand.Read(b)
		require.NoError(t, err)
		s.blobs = append(s.blobs, b)
	}
	return s
}

// blobName is a blob's entry, named by its digest as in a real bundle.
func (s resumeSample) blobName(i int) string { return "images/blobs/sha256/" + hexOf(s.blobs[i]) }

// write writes the sample; stopAt >= 0 stops inside blob stopAt after
// half of it, as a killed run would (the writer is left with Abort).
// offsets records the offset each blob's content was asked from.
func (s resumeSample) write(t *testing.T, dir string, partSize int64, stopAt int, offsets map[int]int64) (*Writer, Index) {
	t.Helper()
	w, err := Create(dir, "demo", partSize, time.Unix(0, 0))
	require.NoError(t, err)
	_, err = w.AddBytes(ManifestName, s.manifest)
	require.NoError(t, err)
	for i, b := range s.blobs {
		_, err := w.AddFrom(s.blobName(i), int64(len(b)), func(off int64) (io.Reader, error) {
			if offsets != nil {
				offsets[i] = off
			}
			if i == stopAt {
				return io.MultiReader(bytes.NewReader(b[off:len(b)/2]), failing{}), nil
			}
			return bytes.NewReader(b[off:]), nil
		})
		if i == stopAt {
			require.Error(t, err)
			w.Abort()
			return w, Index{}
		}
		require.NoError(t, err)
	}
	idx, err := w.Close(Index{Target: "demo"})
	require.NoError(t, err)
	return w, idx
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("the network went away") }

func partFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = b
	}
	return out
}

func TestInterruptedBundleResumesInsideTheBlob(t *testing.T) {
	for _, partSize := range []int64{0, 64 << 10, 1 << 20} {
		s := newResumeSample(t, 300_000, 2_500_000, 40_000)
		fresh := t.TempDir()
		_, want := s.write(t, fresh, partSize, -1, nil)

		dir := t.TempDir()
		s.write(t, dir, partSize, 1, nil)
		assert.NoFileExists(t, filepath.Join(dir, IndexName("demo")))
		offsets := map[int]int64{}
		w, got := s.write(t, dir, partSize, -1, offsets)
		assert.Equal(t, want, got, "part size %d", partSize)
		assert.Equal(t, partFiles(t, fresh), partFiles(t, dir), "no temporary or stale file left")
		// Blob 0 came whole from the earlier parts, blob 1 from its middle.
		_, asked := offsets[0]
		assert.False(t, asked, "blob 0 was not asked for again")
		assert.Greater(t, offsets[1], int64(1_000_000))
		assert.LessOrEqual(t, offsets[1], int64(1_250_000))
		assert.Greater(t, w.Reused(), int64(1_300_000))
		partsIntact(t, dir)
	}
}

func TestPartsOfADifferentRunAreReplaced(t *testing.T) {
	a := newResumeSample(t, 300_000, 500_000)
	b := newResumeSample(t, 300_000, 500_000)
	b.blobs[0] = a.blobs[0] // same first blob, different second
	fresh := t.TempDir()
	_, want := b.write(t, fresh, 100_000, -1, nil)

	dir := t.TempDir()
	a.write(t, dir, 100_000, -1, nil)
	_, got := b.write(t, dir, 100_000, -1, nil)
	assert.Equal(t, want, got)
	assert.Equal(t, partFiles(t, fresh), partFiles(t, dir))

	// A different manifest: nothing is reused.
	c := b
	c.manifest = []byte(`{"formatVersion":1,"other":true}`)
	w, _ := c.write(t, dir, 100_000, -1, nil)
	assert.Less(t, w.Reused(), int64(1024))
}

func TestAWholeEarlierBundleIsReusedWithoutWriting(t *testing.T) {
	s := newResumeSample(t, 300_000, 200_000)
	dir := t.TempDir()
	_, want := s.write(t, dir, 0, -1, nil)
	offsets := map[int]int64{}
	w, got := s.write(t, dir, 0, -1, offsets)
	assert.Equal(t, want, got)
	assert.Empty(t, offsets, "no content asked for")
	assert.Equal(t, want.Size, w.Reused())
}

func TestCutLeavesTheStreamBeforeTheEntry(t *testing.T) {
	s := newResumeSample(t, 300_000, 400_000, 1000)
	dir := t.TempDir()
	w, err := Create(dir, "demo", 128<<10, time.Unix(0, 0))
	require.NoError(t, err)
	_, err = w.AddBytes(ManifestName, s.manifest)
	require.NoError(t, err)
	_, err = w.AddBytes(s.blobName(0), s.blobs[0])
	require.NoError(t, err)
	// Blob 1 arrives damaged: the caller sees the wrong sum and cuts.
	bad := bytes.Clone(s.blobs[1])
	bad[1000] ^= 1
	_, err = w.AddBytes(s.blobName(1), bad)
	require.NoError(t, err)
	start := w.starts[s.blobName(1)]
	require.NoError(t, w.Cut(s.blobName(1)))
	var held int64
	for _, b := range partFiles(t, dir) {
		held += int64(len(b))
	}
	assert.Equal(t, start, held, "the stream ends where blob 1 began")

	offsets := map[int]int64{}
	_, got := s.write(t, dir, 128<<10, -1, offsets)
	assert.Zero(t, offsets[1], "blob 1 is fetched again from its start")
	_, asked := offsets[0]
	assert.False(t, asked)
	partsIntact(t, dir)
	assert.NotEmpty(t, got.Parts)
}

func TestDamagedEarlierContentIsNotTrusted(t *testing.T) {
	s := newResumeSample(t, 300_000, 400_000)
	dir := t.TempDir()
	_, idx := s.write(t, dir, 0, -1, nil)
	part := filepath.Join(dir, idx.Parts[0].Name)
	data, err := os.ReadFile(part)
	require.NoError(t, err)
	data[len(data)/2] ^= 1
	require.NoError(t, os.WriteFile(part, data, 0o644))
	// The blob read back from the old part hashes wrong: the caller sees
	// it and cuts there, and the next run asks for it from the start.
	w, err := Create(dir, "demo", 0, time.Unix(0, 0))
	require.NoError(t, err)
	_, err = w.AddBytes(ManifestName, s.manifest)
	require.NoError(t, err)
	sums := []string{hexOf(s.blobs[0]), hexOf(s.blobs[1])}
	for i, b := range s.blobs {
		sum, err := w.AddFrom(s.blobName(i), int64(len(b)), func(off int64) (io.Reader, error) { return bytes.NewReader(b[off:]), nil })
		require.NoError(t, err)
		if sum != sums[i] {
			require.NoError(t, w.Cut(s.blobName(i)))
			break
		}
	}
	offsets := map[int]int64{}
	_, _ = s.write(t, dir, 0, -1, offsets)
	partsIntact(t, dir)
	assert.Len(t, offsets, 1, "only the damaged blob is asked for")
}

// partsIntact checks every part's size and sha256 against the index.
func partsIntact(t *testing.T, dir string) {
	t.Helper()
	b, err := Open(dir)
	require.NoError(t, err)
	require.NoError(t, b.CheckParts(t.Context(), true, nil))
}

func TestSpansCrossParts(t *testing.T) {
	idx := Index{Parts: []Part{{Size: 100}, {Size: 100}, {Size: 30}}}
	assert.Equal(t, []Span{{Part: 0, Offset: 90, Size: 10}, {Part: 1, Offset: 0, Size: 100}, {Part: 2, Offset: 0, Size: 5}}, idx.Spans(90, 115))
	assert.Equal(t, []Span{{Part: 1, Offset: 0, Size: 100}}, idx.Spans(100, 100))
	assert.Empty(t, idx.Spans(10, 0))
}
