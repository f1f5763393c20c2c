package bundleregistry

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
)

// carried is one image a test bundle carries: an image or an index.
type carried struct {
	ref string
	img v1.Image
	idx v1.ImageIndex
}

// testBundle is a bundle written for a test, and what it holds.
type testBundle struct {
	b *bundle.Bundle
	// manifests and blobs by digest, as written.
	manifests map[string][]byte
	blobs     map[string][]byte
}

func randomImage(t testing.TB, layerSize int64, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(layerSize, layers)
	require.NoError(t, err)
	return img
}

// writeBundle writes a bundle in the format's order: manifest, blobs,
// manifests and indexes, index.json, oci-layout. extraIndex, when set,
// replaces images/index.json.
func writeBundle(t testing.TB, partSize int64, imgs []carried, extraIndex []byte) *testBundle {
	t.Helper()
	tb := &testBundle{manifests: map[string][]byte{}, blobs: map[string][]byte{}}
	addImage := func(img v1.Image) v1.Descriptor {
		raw, err := img.RawManifest()
		require.NoError(t, err)
		mt, err := img.MediaType()
		require.NoError(t, err)
		tb.manifests[bundle.Digest(raw)] = raw
		cfg, err := img.RawConfigFile()
		require.NoError(t, err)
		tb.blobs[bundle.Digest(cfg)] = cfg
		layers, err := img.Layers()
		require.NoError(t, err)
		for _, l := range layers {
			rc, err := l.Compressed()
			require.NoError(t, err)
			data, err := io.ReadAll(rc)
			require.NoError(t, err)
			rc.Close()
			tb.blobs[bundle.Digest(data)] = data
		}
		return v1.Descriptor{MediaType: mt, Digest: mustHash(t, bundle.Digest(raw)), Size: int64(len(raw))}
	}
	var descs []v1.Descriptor
	var listed []bundle.Image
	for _, c := range imgs {
		var d v1.Descriptor
		if c.idx != nil {
			raw, err := c.idx.RawManifest()
			require.NoError(t, err)
			tb.manifests[bundle.Digest(raw)] = raw
			im, err := c.idx.IndexManifest()
			require.NoError(t, err)
			for _, m := range im.Manifests {
				img, err := c.idx.Image(m.Digest)
				require.NoError(t, err)
				addImage(img)
			}
			mt, err := c.idx.MediaType()
			require.NoError(t, err)
			d = v1.Descriptor{MediaType: mt, Digest: mustHash(t, bundle.Digest(raw)), Size: int64(len(raw))}
		} else {
			d = addImage(c.img)
		}
		d.Annotations = map[string]string{"org.opencontainers.image.ref.name": c.ref}
		descs = append(descs, d)
		listed = append(listed, bundle.Image{Reference: c.ref, Digest: d.Digest.String(), MediaType: string(d.MediaType), Size: d.Size})
	}
	index := extraIndex
	if index == nil {
		var err error
		index, err = json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: descs})
		require.NoError(t, err)
	}
	m, err := json.Marshal(bundle.Manifest{FormatVersion: bundle.FormatVersion, Kind: bundle.ManifestKind, Plan: json.RawMessage(`{}`), Images: listed})
	require.NoError(t, err)

	dir := t.TempDir()
	w, err := bundle.Create(dir, "test-1.0", partSize, time.Unix(0, 0))
	require.NoError(t, err)
	_, err = w.AddBytes(bundle.ManifestName, m)
	require.NoError(t, err)
	for _, set := range []map[string][]byte{tb.blobs, tb.manifests} {
		for _, d := range sortedKeys(set) {
			_, err = w.AddBytes(blobPath(d), set[d])
			require.NoError(t, err)
		}
	}
	_, err = w.AddBytes(bundle.ImagesDir+"/index.json", index)
	require.NoError(t, err)
	_, err = w.AddBytes(bundle.ImagesDir+"/oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	require.NoError(t, err)
	_, err = w.Close(bundle.Index{Target: "test", Version: "1.0", Archs: []string{"amd64"}})
	require.NoError(t, err)
	tb.b, err = bundle.Open(dir)
	require.NoError(t, err)
	return tb
}

func mustHash(t testing.TB, s string) v1.Hash {
	t.Helper()
	h, err := v1.NewHash(s)
	require.NoError(t, err)
	return h
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func blobPath(digest string) string {
	return bundle.ImagesDir + "/blobs/sha256/" + digest[len("sha256:"):]
}

// damageEntry flips the byte at offset at of an entry's content and rewrites
// the damaged part's sha256 in the bundle's index, so the bundle looks
// whole to a check of its parts. It returns the damaged part's number.
func damageEntry(t testing.TB, b *bundle.Bundle, entry string, at int64) int {
	t.Helper()
	c, err := b.Scan(t.Context())
	require.NoError(t, err)
	sr, ok := c.Open(entry)
	require.True(t, ok, entry)
	_, off, _ := sr.Outer()
	require.NoError(t, c.Close())
	sp := b.Index.Spans(off+at, 1)[0]
	path := filepath.Join(b.Dir, b.Index.Parts[sp.Part].Name)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	data[sp.Offset] ^= 0xff
	require.NoError(t, os.WriteFile(path, data, 0o644))
	sum := sha256.Sum256(data)
	b.Index.Parts[sp.Part].SHA256 = hex.EncodeToString(sum[:])
	idx, err := json.MarshalIndent(b.Index, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(b.Dir, bundle.IndexName(b.Index.Name)), idx, 0o644))
	return sp.Part + 1
}

// serve starts a server for reg on loopback until the test ends and
// returns its host:port.
func serve(t testing.TB, reg *Registry, o ServerOptions) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(reg, o)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
		_ = reg.Close()
	})
	return l.Addr().String()
}
