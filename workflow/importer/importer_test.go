package importer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/bundle/bundletest"
	"ferry/artifacts/fault"
	"ferry/artifacts/maven"
	"ferry/workflow/prepare"
)

const (
	jar = "maven/org/example/demo/demo-api/1.0/demo-api-1.0.jar"
	pom = "maven/org/example/demo/demo-api/1.0/demo-api-1.0.pom"
)

// jarBytes is a jar big enough to span parts of 4 KiB.
func jarBytes() []byte {
	b := make([]byte, 20_000)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func demoEntries() []bundletest.Entry {
	return []bundletest.Entry{
		bundletest.File(jar, jarBytes()),
		bundletest.File(jar+".sha1", []byte("not checked by import, only by verify")),
		bundletest.File(pom, []byte("<project/>")),
		bundletest.File("files/notes.txt", []byte("plain")),
	}
}

func forge(t *testing.T, entries []bundletest.Entry) (*bundletest.Forged, *bundle.Bundle) {
	t.Helper()
	return openForged(t, bundletest.Write(t, t.TempDir(), bundletest.Spec{Name: "demo-1.0", PartSize: 4096, Entries: entries}))
}

func openForged(t *testing.T, f *bundletest.Forged) (*bundletest.Forged, *bundle.Bundle) {
	t.Helper()
	b, err := bundle.Open(f.Dir)
	require.NoError(t, err)
	return f, b
}

// files lists every file under dir, relative, with "/" separators.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	}))
	return out
}

func TestImportIntoAFolderChecksEveryFile(t *testing.T) {
	_, b := forge(t, demoEntries())
	dir := t.TempDir()
	im := &Importer{MavenDir: dir}
	r, err := im.Import(context.Background(), b)
	require.NoError(t, err)
	assert.Equal(t, []string{CheckedMaven}, r.Checked)
	assert.Equal(t, 6, r.Maven.Files, "the jar, its .sha1, an added .md5, the POM and its added .sha1 and .md5")
	data, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(jar, "maven/")))
	require.NoError(t, err)
	assert.Equal(t, jarBytes(), data)
	sha1hex, md5hex := maven.Sums(data)
	got, _ := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(jar, "maven/")+".md5"))
	assert.Equal(t, md5hex, string(got))
	got, _ = os.ReadFile(filepath.Join(dir, strings.TrimPrefix(jar, "maven/")+".sha1"))
	assert.NotEqual(t, sha1hex, string(got), "the bundle's own sidecar is copied as it is")

	// Again: everything is there already.
	r, err = im.Import(context.Background(), b)
	require.NoError(t, err)
	assert.Zero(t, r.Maven.Uploaded)
}

func TestDamagedPartNamesTheFileAndThePart(t *testing.T) {
	f, b := forge(t, demoEntries())
	part := f.FlipByte(t, jar, 9_000)
	dir := t.TempDir()
	// What an earlier, killed run left half-written.
	stale := filepath.Join(dir, "org/example/demo/demo-api/1.0/demo-api-1.0.jar.ferry-tmp")
	require.NoError(t, os.MkdirAll(filepath.Dir(stale), 0o755))
	require.NoError(t, os.WriteFile(stale, []byte("half"), 0o644))

	_, err := (&Importer{MavenDir: dir}).Import(context.Background(), b)
	require.Error(t, err)
	var de *DamagedFileError
	require.ErrorAs(t, err, &de)
	require.NotNil(t, de.Part)
	assert.Equal(t, part, de.Part.N)
	assert.ErrorIs(t, err, bundle.ErrDamagedPart)
	assert.ErrorIs(t, err, maven.ErrDamaged)
	assert.Equal(t, jar+" in the bundle is damaged: it lies in part "+strconv.Itoa(part)+" of "+strconv.Itoa(len(f.Index.Parts))+" ("+f.Index.Parts[part-1].Name+
		"), which no longer matches its checksum: copy that part again from the original media, then run the import again", err.Error())
	assert.Empty(t, files(t, dir), "nothing of the damaged jar, no sidecar, no temporary file")
}

func TestFileMadeWrongAsksForANewBundle(t *testing.T) {
	entries := demoEntries()
	entries[0] = entries[0].Damaged(100)
	_, b := forge(t, entries)
	dir := t.TempDir()
	_, err := (&Importer{MavenDir: dir}).Import(context.Background(), b)
	require.Error(t, err)
	assert.ErrorIs(t, err, bundle.ErrDigest)
	assert.Equal(t, jar+" in the bundle does not match the size and sha256 its manifest records, though the parts holding it are intact: make the bundle again", err.Error())
	assert.Empty(t, files(t, dir))
}

func TestHostileMavenEntriesAreRefusedBeforeAnyWrite(t *testing.T) {
	cases := []struct {
		name  string
		edit  func([]bundletest.Entry) []bundletest.Entry
		want  string
		isErr error
	}{
		{"not in the manifest", func(e []bundletest.Entry) []bundletest.Entry {
			return append(e, bundletest.Entry{Name: "maven/org/evil/evil.jar", Data: []byte("x"), Unlisted: true})
		}, "the bundle carries maven/org/evil/evil.jar, which its manifest does not list: make the bundle again", bundle.ErrDigest},
		{"a duplicate name", func(e []bundletest.Entry) []bundletest.Entry {
			return append(e, bundletest.File(pom, []byte("<project>other</project>")))
		}, "the bundle carries " + pom + " twice, and the second copy could replace the first, so the bundle is refused: make the bundle again", bundle.ErrUnsafePath},
		{"a size other than recorded", func(e []bundletest.Entry) []bundletest.Entry {
			e[0] = e[0].Declared(19_999)
			return e
		}, jar + " in the bundle does not match the size and sha256 its manifest records", maven.ErrDamaged},
		{"a path escaping", func(e []bundletest.Entry) []bundletest.Entry {
			return append(e, bundletest.File("maven/../../etc/evil", []byte("owned")))
		}, `path escapes the bundle: the entry "maven/../../etc/evil" points outside the bundle`, bundle.ErrUnsafePath},
		{"a symlink", func(e []bundletest.Entry) []bundletest.Entry {
			return append(e, bundletest.Symlink("maven/org/evil/link.jar", "/etc/passwd"))
		}, "maven/org/evil/link.jar is a symbolic link, not a regular file", bundle.ErrUnsafePath},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, b := forge(t, tc.edit(demoEntries()))
			dir := t.TempDir()
			_, err := (&Importer{MavenDir: dir}).Import(context.Background(), b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.ErrorIs(t, err, tc.isErr)
			assert.Empty(t, files(t, dir))
		})
	}
}

func TestNoRoomInTheFolderIsOneSentence(t *testing.T) {
	_, b := forge(t, demoEntries())
	dir := t.TempDir()
	im := &Importer{MavenDir: dir, Space: func(string) (prepare.Space, error) { return prepare.Space{Free: 10_000}, nil }}
	_, err := im.Import(context.Background(), b)
	require.Error(t, err)
	assert.Equal(t, "loading the Maven files needs 40.0 KiB on "+dir+" but only 9.8 KiB is free: free space there or choose another folder (the Maven folder setting)", err.Error())
	assert.Empty(t, files(t, dir))

	// Once the files are there, a second run needs nothing more.
	im.Space = nil
	_, err = im.Import(context.Background(), b)
	require.NoError(t, err)
	im.Space = func(string) (prepare.Space, error) { return prepare.Space{Free: 0}, nil }
	_, err = im.Import(context.Background(), b)
	require.NoError(t, err)
}

func TestNoMavenDestinationSaysTheFilesWereNotLoaded(t *testing.T) {
	_, b := forge(t, demoEntries())
	r, err := (&Importer{}).Import(context.Background(), b)
	require.NoError(t, err)
	assert.Equal(t, 3, r.MavenSkipped)
	assert.Empty(t, r.Checked)
	assert.Equal(t, "nothing checked at a destination; the bundle's 3 Maven files were not loaded (no Maven destination): run the import again with the Maven repository URL setting or the Maven folder setting to load them", r.Summary())
	assert.Contains(t, r.SummaryIn(func(s fault.Setting, _ ...string) string { return string(s) }), "run the import again with MavenURL or MavenDir to load them")
	assert.Contains(t, r.Markdown(), "## Still to do\n\n- the bundle's 3 Maven files were not loaded")
	assert.False(t, errors.Is(err, maven.ErrDamaged))
}
