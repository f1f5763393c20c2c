package session

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/download"
	"ferry/artifacts/image"
	"ferry/artifacts/registrytest"
	"ferry/targets/catalog"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
)

// The manifests and indexes a plan reads go into the download cache, so
// preparing asks the registry only for the blobs.
func TestPreparingDoesNotFetchTheManifestsThePlanRead(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	reg.Push(t, registrytest.ImageSpec{Repo: "demo/app", Tag: "1", Platforms: []string{"linux/amd64", "linux/arm64"},
		Layers: []registrytest.LayerSpec{{Name: "l", Size: 2000}}})
	p := registrytest.NewFaultProxy(t, reg)
	dir := t.TempDir()
	cat, err := catalog.Load()
	require.NoError(t, err)
	s, err := New(Options{Version: "test", CacheDir: filepath.Join(dir, "cache"), InsecureHosts: []string{p.Host}, Concurrency: 2}, cat)
	require.NoError(t, err)
	pl, err := s.Plan(context.Background(), selection.Selection{Archs: []string{"amd64", "arm64"}, Images: []string{p.Host + "/demo/app:1"}, NoSignatures: true}, nil)
	require.NoError(t, err)
	cache, err := download.OpenCache(filepath.Join(dir, "cache"))
	require.NoError(t, err)
	manifests := 0
	for _, im := range pl.Images {
		for _, b := range im.Blobs {
			if b.Kind == image.KindIndex || b.Kind == image.KindManifest {
				manifests++
				assert.True(t, cache.HasBlob(b.Digest, b.Size), "%s %s is in the cache", b.Kind, b.Digest)
			}
		}
	}
	assert.Equal(t, 3, manifests, "the index and a manifest per architecture")

	prepared := func(s *Session, out string) int64 {
		before := p.Requests()
		_, err := s.Prepare(context.Background(), pl, prepare.Options{Output: filepath.Join(dir, out), Name: "app"}, nil)
		require.NoError(t, err)
		return p.Requests() - before
	}
	kept := prepared(s, "out")
	// The same plan prepared through a cache the plan did not fill.
	other, err := New(Options{Version: "test", CacheDir: filepath.Join(dir, "other"), InsecureHosts: []string{p.Host}, Concurrency: 2}, cat)
	require.NoError(t, err)
	// Without them the download asks for each manifest again (and pings
	// the registry first for their puller).
	assert.GreaterOrEqual(t, prepared(other, "out2")-kept, int64(manifests), "the manifests were not asked for again")
}
