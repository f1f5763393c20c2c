package inventory

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
)

const planJSON = `{"selection":{"target":"app","version":"2"},"images":[{"reference":"r.example/a:2","blobs":[
 {"digest":"sha256:aa","kind":"index"},{"digest":"sha256:bb","kind":"manifest"},
 {"digest":"sha256:cc","kind":"config"},{"digest":"sha256:dd","kind":"layer"}]}]}`

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestReadEachKind(t *testing.T) {
	ctx := context.Background()
	manifest, err := json.Marshal(bundle.Manifest{FormatVersion: 1, Kind: bundle.ManifestKind, Plan: json.RawMessage(planJSON)})
	require.NoError(t, err)
	cases := []struct {
		name, content string
		blobs         []string
		bundle        string
		registry      string
	}{
		{"inventory.json", `{"formatVersion":1,"kind":"FerryInventory","registry":"site:5000/m","blobs":["sha256:cc"],"manifests":["sha256:bb"],
			"bundles":[{"name":"app-1","shortCode":"AAAA-BBBB"}]}`, []string{"sha256:cc"}, "app-1", "site:5000/m"},
		{"ferry-bundle.json", string(manifest), []string{"sha256:cc", "sha256:dd"}, "app-2", ""},
		{"import.json", `{"bundle":"app-1","code":"AAAA-BBBB","digest":"sha256:ee","registry":"site:5000","blobs":{"present":["sha256:dd"]}}`,
			[]string{"sha256:dd"}, "app-1", "site:5000"},
	}
	for _, c := range cases {
		h, err := Read(ctx, afero.NewOsFs(), write(t, c.name, c.content))
		require.NoError(t, err, c.name)
		assert.Equal(t, c.blobs, Sorted(h.Blobs), c.name)
		require.Len(t, h.Bundles, 1, c.name)
		assert.Equal(t, c.bundle, h.Bundles[0].Name, c.name)
		if c.registry != "" {
			assert.Equal(t, []string{c.registry}, h.Registries, c.name)
		}
	}
	// A manifest's short code is the bundle's: the sha256 of its bytes.
	h, err := Read(ctx, afero.NewOsFs(), write(t, "ferry-bundle.json", string(manifest)))
	require.NoError(t, err)
	assert.Equal(t, bundle.ShortCode(bundle.Digest(manifest)), h.Bundles[0].ShortCode)
}

func TestReadRefusesWhatIsNoInventory(t *testing.T) {
	ctx := context.Background()
	for name, content := range map[string]string{
		"report.json":  `{"bundle":"app-1","code":"AAAA-BBBB","digest":"sha256:ee"}`,
		"other.json":   `{"kind":"Something"}`,
		"broken.json":  `{`,
		"version.json": `{"formatVersion":9,"kind":"FerryInventory"}`,
	} {
		_, err := Read(ctx, afero.NewOsFs(), write(t, name, content))
		assert.ErrorIs(t, err, ErrNotAnInventory, name)
	}
	_, err := Read(ctx, afero.NewOsFs(), filepath.Join(t.TempDir(), "absent.json"))
	assert.ErrorIs(t, err, ErrNotAnInventory)
}

func TestHaveAddMerges(t *testing.T) {
	h := &Have{}
	h.Add(&Have{Blobs: map[string]bool{"a": true}, Bundles: []bundle.BaseBundle{{Name: "x", ShortCode: "1"}}, Registries: []string{"r"}})
	h.Add(&Have{Blobs: map[string]bool{"b": true}, Bundles: []bundle.BaseBundle{{Name: "x", ShortCode: "1"}}, Registries: []string{"r"}})
	assert.Equal(t, []string{"a", "b"}, Sorted(h.Blobs))
	assert.Len(t, h.Bundles, 1)
	assert.Len(t, h.Registries, 1)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"formatVersion":1,"kind":"FerryInventory","blobs":["sha256:cc"]}`))
	f.Add([]byte(`{"bundle":"a","code":"b","blobs":{"present":["x"]}}`))
	f.Add([]byte(`{"formatVersion":1,"kind":"FerryBundle","plan":` + planJSON + `}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A bundle index is opened from disk; the rest parse or fail
		// with a sentence, never panic.
		if h, err := Parse(context.Background(), filepath.Join(t.TempDir(), "x.json"), data); err == nil && h.Blobs == nil {
			t.Fatal("a parsed inventory has a set of blobs")
		}
	})
}

// TestReadGoesThroughTheFileSystemGiven: an inventory is read where the
// caller's file system has it, not from the disk.
func TestReadGoesThroughTheFileSystemGiven(t *testing.T) {
	fsys := afero.NewMemMapFs()
	inv := Inventory{FormatVersion: FormatVersion, Kind: Kind, Registry: "registry.site:5000", Blobs: []string{"sha256:aa"}}
	data, err := json.Marshal(inv)
	require.NoError(t, err)
	require.NoError(t, afero.WriteFile(fsys, "/carried/back/site.json", data, 0o644))
	h, err := Read(context.Background(), fsys, "/carried/back/site.json")
	require.NoError(t, err)
	assert.True(t, h.Blobs["sha256:aa"])
}
