package containerstore

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
)

func TestLayerIDIsTheLibrariesChainID(t *testing.T) {
	diff := "sha256:" + "ab" + string(bytes.Repeat([]byte("0"), 62))
	assert.Equal(t, diff[7:], LayerID("", diff))
	// sha256("PARENT+DIFFHEX"), as containers/image computes it.
	assert.Equal(t, bundle.Digest([]byte("p+" + diff[7:]))[7:], LayerID("p", diff))
}

func TestBigDataFileNames(t *testing.T) {
	assert.Equal(t, "manifest", bigDataFile("manifest"))
	assert.Equal(t, "=c2hhMjU2OmFi", bigDataFile("sha256:ab"))
	assert.Equal(t, "=bWFuaWZlc3Qtc2hhMjU2OmFi", bigDataFile("manifest-sha256:ab"))
}

func TestNameAsTheLibrariesStoreIt(t *testing.T) {
	for in, want := range map[string]string{
		"busybox:1":                  "docker.io/library/busybox:1",
		"apache/x:1":                 "docker.io/apache/x:1",
		"docker.io/busybox@sha256:a": "docker.io/library/busybox@sha256:a",
		"127.0.0.1:5000/a/b:1":       "127.0.0.1:5000/a/b:1",
		"localhost/a:1":              "localhost/a:1",
		"quay.example/a/b:c":         "quay.example/a/b:c",
	} {
		assert.Equal(t, want, Name(in), in)
	}
}

func tarOf(t *testing.T, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(h.Linkname))
		}
		body := h.Linkname
		if h.Typeflag == tar.TypeReg {
			h.Linkname = ""
		}
		require.NoError(t, tw.WriteHeader(h))
		if h.Typeflag == tar.TypeReg {
			_, _ = tw.Write([]byte(body))
		}
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

func file(name, body string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Linkname: body}
}

func put(t *testing.T, s *Store, parent string, raw []byte) (string, error) {
	t.Helper()
	return s.PutLayer(context.Background(), Layer{Parent: parent, DiffID: bundle.Digest(raw), Digest: bundle.Digest(raw), Size: int64(len(raw)),
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }})
}

func TestLayersStackAndImagesAreRecorded(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a layer's owners are written as root writes them, on a node")
	}
	root := t.TempDir()
	s, err := Open(root)
	require.NoError(t, err)
	base := tarOf(t, file("a/keep", "k"), file("a/gone", "g"), &tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/../../etc"})
	id1, err := put(t, s, "", base)
	require.NoError(t, err)
	top := tarOf(t, &tar.Header{Name: "a/.wh.gone", Typeflag: tar.TypeReg}, file("link/escape", "no"), file("b", "new"))
	id2, err := put(t, s, id1, top)
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(root, "vfs/dir", id2, "a/keep"))
	assert.NoFileExists(t, filepath.Join(root, "vfs/dir", id2, "a/gone"))
	assert.FileExists(t, filepath.Join(root, "vfs/dir", id1, "a/gone"))
	// A symbolic link out of the tree leads to the tree's own root.
	assert.FileExists(t, filepath.Join(root, "vfs/dir", id2, "etc/escape"))
	assert.FileExists(t, filepath.Join(root, "vfs-layers", id2+".tar-split.gz"))

	cfg := []byte(`{"rootfs":{"type":"layers","diff_ids":[]}}`)
	man := []byte(`{"schemaVersion":2}`)
	require.NoError(t, s.PutImage(Image{Name: "example.com/a:1", TopLayer: id2, Config: cfg, Manifest: man}))
	require.NoError(t, s.PutImage(Image{Name: "example.com/a:2", TopLayer: id2, Config: cfg, Manifest: man}))
	require.NoError(t, s.Close())

	var layers []layerRecord
	data, err := os.ReadFile(filepath.Join(root, layersJSON))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &layers))
	require.Len(t, layers, 2)
	assert.Equal(t, id1, layers[1].Parent)
	assert.Equal(t, bundle.Digest(top), layers[1].UncompressedDigest)
	assert.Equal(t, int64(len(top)), layers[1].UncompressedSize)

	var images []imageRecord
	data, err = os.ReadFile(filepath.Join(root, imagesJSON))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &images))
	require.Len(t, images, 1, "one config, one image")
	im := images[0]
	assert.Equal(t, bundle.Digest(cfg)[7:], im.ID)
	assert.Equal(t, bundle.Digest(man), im.Digest)
	assert.Equal(t, []string{"example.com/a:1", "example.com/a:2"}, im.Names)
	assert.Equal(t, []string{bundle.Digest(cfg), "manifest-" + bundle.Digest(man), "manifest"}, im.BigDataNames)
	assert.FileExists(t, filepath.Join(root, imagesDir, im.ID, bigDataFile(bundle.Digest(cfg))))
	lock, err := os.ReadFile(filepath.Join(root, imagesLock))
	require.NoError(t, err)
	assert.Len(t, lock, 64, "a writer's mark, so readers reload")

	s, err = Open(root)
	require.NoError(t, err)
	defer s.Close()
	dg, ok := s.Lookup("example.com/a:2", map[string]bool{bundle.Digest(man): true})
	assert.True(t, ok)
	assert.Equal(t, bundle.Digest(man), dg)
	_, ok = s.Lookup("example.com/a:3", map[string]bool{bundle.Digest(man): true})
	assert.False(t, ok)
	again, err := put(t, s, id1, top)
	require.NoError(t, err)
	assert.Equal(t, id2, again, "a layer held is not written twice")
}

func TestALayerThatDoesNotMatchIsNotRecorded(t *testing.T) {
	root := t.TempDir()
	s, err := Open(root)
	require.NoError(t, err)
	defer s.Close()
	raw := tarOf(t, file("x", "y"))
	_, err = s.PutLayer(context.Background(), Layer{DiffID: bundle.Digest([]byte("other")), Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}})
	assert.True(t, errors.Is(err, ErrDigestMismatch), "%v", err)
	entries, _ := os.ReadDir(filepath.Join(root, "vfs/dir"))
	assert.Empty(t, entries, "nothing half-written left")
	_, err = os.Stat(filepath.Join(root, layersJSON))
	assert.True(t, os.IsNotExist(err))
}

func TestAStoreThatCannotBeWritten(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	_, err := Open(filepath.Join(blocker, "store"))
	assert.ErrorIs(t, err, ErrNotWritable)
	assert.Contains(t, err.Error(), "cannot be written (not a directory)")
}
