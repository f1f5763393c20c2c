package olm_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/imagefs"
	"ferry/artifacts/olm"
	"ferry/artifacts/olm/olmtest"
	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
)

func reader(t *testing.T, reg *registrytest.Registry) *olm.Reader {
	t.Helper()
	acc, err := source.New(source.Options{InsecureHosts: []string{reg.Host}})
	require.NoError(t, err)
	return &olm.Reader{Access: acc, TempDir: t.TempDir()}
}

// pushBuilt writes a built catalog into reg from its generated blobs and
// the base layers the upstream catalog holds, as import would.
func pushBuilt(t *testing.T, reg *registrytest.Registry, r *olm.Reader, src *olm.Source, b *olm.Built, dest string) v1.Image {
	t.Helper()
	ref, err := name.ParseReference(dest, name.Insecure)
	require.NoError(t, err)
	opts := []remote.Option{remote.WithTransport(reg.Transport())}
	upstream, err := name.ParseReference(src.Reference, name.Insecure)
	require.NoError(t, err)
	for _, bl := range b.Blobs {
		if bl.Kind != "layer" {
			continue
		}
		var l v1.Layer
		if data, ok := b.Generated[bl.Digest]; ok {
			l = static.NewLayer(data, "application/vnd.oci.image.layer.v1.tar+gzip")
		} else {
			l, err = remote.Layer(upstream.Context().Digest(bl.Digest), opts...)
			require.NoError(t, err)
		}
		require.NoError(t, remote.WriteLayer(ref.Context(), l, opts...))
	}
	for _, bl := range b.Blobs {
		if bl.Kind == "config" {
			require.NoError(t, remote.WriteLayer(ref.Context(), static.NewLayer(b.Generated[bl.Digest], "application/vnd.oci.image.config.v1+json"), opts...))
		}
	}
	for _, bl := range b.Blobs {
		if bl.Kind == "manifest" {
			require.NoError(t, remote.Put(ref.Context().Digest(bl.Digest), rawManifest{b.Generated[bl.Digest], bl.MediaType}, opts...))
		}
	}
	if data, ok := b.Generated[b.Digest]; ok && b.MediaType != "" {
		require.NoError(t, remote.Put(ref, rawManifest{data, b.MediaType}, opts...))
	}
	back, err := remote.Image(ref, append(opts, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))...)
	require.NoError(t, err)
	return back
}

type rawManifest struct {
	data []byte
	mt   string
}

func (m rawManifest) RawManifest() ([]byte, error) { return m.data, nil }
func (m rawManifest) MediaType() (types.MediaType, error) {
	return types.MediaType(m.mt), nil
}

func TestFilteredCatalogHoldsOnlyTheChosenPackages(t *testing.T) {
	for _, platforms := range [][]string{{"linux/amd64"}, {"linux/amd64", "linux/arm64"}} {
		t.Run(platforms[len(platforms)-1], func(t *testing.T) {
			reg := registrytest.StartInProcess(t)
			cat := olmtest.Push(t, reg, olmtest.Options{Platforms: platforms})
			r := reader(t, reg)
			ctx := context.Background()
			src, err := r.Read(ctx, cat.Ref, []string{"amd64"})
			require.NoError(t, err)
			assert.Equal(t, "/configs", src.ConfigsDir)
			assert.Equal(t, "/tmp/cache", src.CacheDir)
			assert.Equal(t, []string{"data-index", "logic-operator", "other", "prom"}, src.Catalog.PackageNames())

			chosen, errs := olm.Pick(map[string]*olm.Catalog{cat.Ref: src.Catalog}, []olm.Wish{{Catalog: cat.Ref, Package: "logic-operator"}})
			require.Empty(t, errs)
			b, err := olm.Build(src, chosen)
			require.NoError(t, err)
			again, err := olm.Build(src, chosen)
			require.NoError(t, err)
			assert.Equal(t, b.Digest, again.Digest, "the same choice gives the same image")
			assert.NotEqual(t, cat.Digest, b.Digest)
			assert.Equal(t, []string{"linux/amd64"}, b.Platforms)

			back := pushBuilt(t, reg, r, src, b, reg.Host+"/mirror/catalog:filtered")
			cf, err := back.ConfigFile()
			require.NoError(t, err)
			assert.Equal(t, "/configs", cf.Config.Labels[olm.LabelConfigs], "the labels stay")
			assert.Equal(t, "ferry tests", cf.Config.Labels["org.example.vendor"])
			assert.Equal(t, []string{"serve", "/configs", "--cache-dir=/tmp/cache", "--cache-enforce-integrity=false"}, cf.Config.Cmd)

			// Read the pushed image as a catalog again.
			pushed, err := r.Read(ctx, reg.Host+"/mirror/catalog:filtered", []string{"amd64"})
			require.NoError(t, err)
			assert.Equal(t, []string{"data-index", "logic-operator", "prom"}, pushed.Catalog.PackageNames())
			logic := pushed.Catalog.Packages["logic-operator"]
			assert.Equal(t, []string{"alpha"}, logic.ChannelNames())
			assert.Equal(t, []string{"logic-operator.v1.2.0"}, keys(logic.Bundles))
			head, err := olm.Head(logic.Channels["alpha"])
			require.NoError(t, err)
			assert.Equal(t, "logic-operator.v1.2.0", head)
			assert.Equal(t, "logic-operator.v1.1.0", logic.Channels["alpha"].Entries[0].Replaces, "upgrade edges stay for clusters that run an older version")
			assert.Contains(t, string(logic.Bundles["logic-operator.v1.2.0"].Raw), `"olm.csv.metadata"`, "fields ferry does not model survive")
			assert.Equal(t, []string{"data-index.v2.1.0"}, keys(pushed.Catalog.Packages["data-index"].Bundles))

			// The cache is gone and opm's own files stay.
			res, err := imagefs.List(ctx, back, "/bin", imagefs.Options{})
			require.NoError(t, err)
			assert.Len(t, res.Files, 1)
			_, err = imagefs.List(ctx, back, "/tmp/cache", imagefs.Options{})
			assert.ErrorIs(t, err, imagefs.ErrNoFolder)
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestCatalogWithoutTheLabel(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	cat := olmtest.Push(t, reg, olmtest.Options{NoLabel: true})
	_, err := reader(t, reg).Read(context.Background(), cat.Ref, []string{"amd64"})
	require.Error(t, err)
	assert.True(t, errors.Is(err, olm.ErrNotFileBased))
	assert.Contains(t, err.Error(), "has no operators.operatorframework.io.index.configs.v1 label")
}

func TestReadLeavesNothingBehind(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	cat := olmtest.Push(t, reg, olmtest.Options{})
	r := reader(t, reg)
	_, err := r.Read(context.Background(), cat.Ref, []string{"amd64"})
	require.NoError(t, err)
	left, err := os.ReadDir(r.TempDir)
	require.NoError(t, err)
	assert.Empty(t, left)
}
