package bundletest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
)

func entries() []Entry {
	return []Entry{
		File("maven/org/x/x/1/x-1.jar", make([]byte, 9000)),
		File("maven/org/x/x/1/x-1.pom", []byte("<project/>")),
		File("files/notes.txt", []byte("plain")),
	}
}

// verify checks the forged bundle the way `ferry verify` does.
func verify(t *testing.T, f *Forged, quick bool) error {
	t.Helper()
	b, err := bundle.Open(f.Dir)
	require.NoError(t, err)
	_, err = b.Verify(t.Context(), quick, nil)
	return err
}

func TestAForgedBundleIsWhole(t *testing.T) {
	f := Write(t, t.TempDir(), Spec{PartSize: 4096, Entries: entries()})
	require.Len(t, f.Index.Parts, 4)
	assert.NoError(t, verify(t, f, false))
	assert.Len(t, f.Manifest.Maven, 2)
	assert.Len(t, f.Manifest.Files, 1)
	name := "maven/org/x/x/1/x-1.pom"
	assert.Equal(t, f.Offset(t, name), ContentOffset(t, f.Dir, f.Index, name))
}

func TestADamagedEntryKeepsItsParts(t *testing.T) {
	e := entries()
	e[0] = e[0].Damaged(10)
	f := Write(t, t.TempDir(), Spec{PartSize: 4096, Entries: e})
	assert.NoError(t, verify(t, f, true), "every part matches the index")
	assert.ErrorIs(t, verify(t, f, false), bundle.ErrDigest)
}

func TestAFlippedByteDamagesItsPart(t *testing.T) {
	f := Write(t, t.TempDir(), Spec{PartSize: 4096, Entries: entries()})
	n := f.FlipByte(t, "maven/org/x/x/1/x-1.jar", 5000)
	err := verify(t, f, true)
	var pe *bundle.PartError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, n, pe.N)
}

func TestHostileEntries(t *testing.T) {
	for name, e := range map[string]Entry{
		"symlink":  Symlink("maven/org/x/x/1/link", "/etc/passwd"),
		"escaping": File("maven/../../evil", []byte("owned")),
	} {
		t.Run(name, func(t *testing.T) {
			f := Write(t, t.TempDir(), Spec{Entries: append(entries(), e)})
			assert.ErrorIs(t, verify(t, f, false), bundle.ErrUnsafePath)
		})
	}
	pom := "maven/org/x/x/1/x-1.pom"
	f := Write(t, t.TempDir(), Spec{Entries: append(entries(), entries()[1])})
	assert.Len(t, f.Manifest.Maven, 3, "a duplicate is listed twice")
	assert.Greater(t, f.Offset(t, pom), ContentOffset(t, f.Dir, f.Index, pom), "Offset is the last copy, ContentOffset the first")
}
