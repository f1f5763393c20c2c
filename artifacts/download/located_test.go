package download

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLocationReadsAcrossParts records a blob that spans two part files
// and reads it back whole and from an offset; a part changed since is no
// longer offered.
func TestLocationReadsAcrossParts(t *testing.T) {
	c, err := OpenCache(t.TempDir())
	require.NoError(t, err)
	dir := t.TempDir()
	blob := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	p1, p2 := filepath.Join(dir, "b.part001"), filepath.Join(dir, "b.part002")
	require.NoError(t, os.WriteFile(p1, append([]byte("header--"), blob[:20]...), 0o644))
	require.NoError(t, os.WriteFile(p2, append(blob[20:], []byte("--trailer")...), 0o644))
	sum := sha256.Sum256(blob)
	digest := "sha256:" + hex.EncodeToString(sum[:])

	_, ok := c.Locate(digest, int64(len(blob)))
	assert.False(t, ok, "nothing recorded yet")
	require.NoError(t, c.Record(digest, Location{Size: int64(len(blob)), Segments: []Segment{
		{Path: p1, Offset: 8, Size: 20}, {Path: p2, Offset: 0, Size: 16}}}))
	assert.True(t, c.Have(digest, int64(len(blob))))
	assert.Zero(t, c.Missing(digest, int64(len(blob))))
	_, ok = c.Locate(digest, 99)
	assert.False(t, ok, "another size is another blob")

	loc, ok := c.Locate(digest, int64(len(blob)))
	require.True(t, ok)
	for _, off := range []int64{0, 5, 20, 27, 36} {
		r, err := loc.Open(off)
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		assert.Equal(t, string(blob[off:]), string(got), "from %d", off)
	}

	// The second part rewritten (same size, new time): not offered.
	later := time.Now().Add(time.Second)
	require.NoError(t, os.Chtimes(p2, later, later))
	_, ok = c.Locate(digest, int64(len(blob)))
	assert.False(t, ok)
	assert.Equal(t, int64(len(blob)), c.Missing(digest, int64(len(blob))))

	// Forget drops the record.
	require.NoError(t, c.Record(digest, Location{Size: int64(len(blob)), Segments: []Segment{
		{Path: p1, Offset: 8, Size: 20}, {Path: p2, Offset: 0, Size: 16}}}))
	c.Forget(digest)
	_, ok = c.Locate(digest, int64(len(blob)))
	assert.False(t, ok)
}
