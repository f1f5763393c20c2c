package loadnode

import (
	"testing"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
)

// TestPinsAreWrittenThroughTheFileSystemGiven: the CRI-O drop-in goes
// where the loader's file system puts it, whole, with no temporary file
// left beside it.
func TestPinsAreWrittenThroughTheFileSystemGiven(t *testing.T) {
	fsys := afero.NewMemMapFs()
	l := &Loader{FS: fsys}
	path := "/etc/crio/crio.conf.d/50-ferry-app-1.conf"
	images := []bundle.Image{{Reference: "docker.io/apache/app:1", Digest: "sha256:aa"}}
	require.NoError(t, l.writePins(path, bundle.Index{Name: "app-1", ShortCode: "AAAA-BBBB"}, images))
	data, err := afero.ReadFile(fsys, path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "pinned_images = [\n  \""+storeName(images[0].Reference, images[0].Digest)+"\",\n]")
	assert.Contains(t, string(data), "app-1 (code AAAA-BBBB)")
	_, err = fsys.Stat(path + ".ferry-tmp")
	assert.Error(t, err, "no temporary file is left")
}
