package bundle

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestManifestEncodesTheSameContentAlike: the manifest's lists come out in
// the format's order whatever order they were added in, and a delta's is
// marked as one, with the digest of what it leaves out.
func TestManifestEncodesTheSameContentAlike(t *testing.T) {
	build := func(images []Image, files []Entry) []byte {
		m := NewManifest(json.RawMessage(`{}`), nil)
		m.Images, m.Files = images, files
		data, err := m.Encode()
		require.NoError(t, err)
		return data
	}
	a, b := Image{Reference: "docker.io/a:1"}, Image{Reference: "quay.io/b:2"}
	f, g := Entry{Path: FilePath("a.txt")}, Entry{Path: FilePath("b.txt")}
	assert.Equal(t, build([]Image{a, b}, []Entry{f, g}), build([]Image{b, a}, []Entry{g, f}))

	m := NewManifest(json.RawMessage(`{}`), nil)
	assert.Equal(t, FormatVersion, m.FormatVersion)
	m.LeaveOut(Base{Omitted: []string{"sha256:aa"}, OmittedBytes: 3})
	assert.Equal(t, DeltaFormatVersion, m.FormatVersion)
	assert.Equal(t, ListDigest([]string{"sha256:aa"}), m.Base.OmittedDigest)
}
