package image

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/source"
)

// fixture is an in-process registry on loopback, reached as an insecure host.
type fixture struct {
	host string
	res  *Resolver
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	acc, err := source.New(source.Options{InsecureHosts: []string{host}})
	require.NoError(t, err)
	res, err := NewResolver(acc)
	require.NoError(t, err)
	return &fixture{host: host, res: res}
}

func platformImage(t *testing.T, base v1.Layer, arch string) v1.Image {
	t.Helper()
	own, err := random.Layer(2048, types.OCILayer)
	require.NoError(t, err)
	img, err := mutate.AppendLayers(empty.Image, base, own)
	require.NoError(t, err)
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	cf.OS, cf.Architecture = "linux", arch
	img, err = mutate.ConfigFile(img, cf)
	require.NoError(t, err)
	return mutate.MediaType(mutate.ConfigMediaType(img, types.OCIConfigJSON), types.OCIManifestSchema1)
}

func (f *fixture) pushIndex(t *testing.T, repo string, withAttestation bool, imgs map[string]v1.Image) (name.Reference, v1.ImageIndex) {
	t.Helper()
	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64", "s390x"} {
		if img, ok := imgs[arch]; ok {
			adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
		}
	}
	if withAttestation {
		att, err := random.Image(100, 1)
		require.NoError(t, err)
		adds = append(adds, mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
			Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"}}})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	ref, err := name.ParseReference(f.host + "/" + repo)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(ref, idx))
	return ref, idx
}

// expectedSize adds up, from the objects pushed, the index and the chosen
// platforms' manifests, configs and layers, each digest once.
func expectedSize(t *testing.T, idx v1.ImageIndex, imgs ...v1.Image) int64 {
	t.Helper()
	seen := map[v1.Hash]int64{}
	raw, err := idx.RawManifest()
	require.NoError(t, err)
	d, _ := idx.Digest()
	seen[d] = int64(len(raw))
	for _, img := range imgs {
		m, err := img.RawManifest()
		require.NoError(t, err)
		d, _ := img.Digest()
		seen[d] = int64(len(m))
		c, _ := img.RawConfigFile()
		cd, _ := img.ConfigName()
		seen[cd] = int64(len(c))
		ls, _ := img.Layers()
		for _, l := range ls {
			ld, _ := l.Digest()
			sz, _ := l.Size()
			seen[ld] = sz
		}
	}
	var n int64
	for _, s := range seen {
		n += s
	}
	return n
}

func TestResolveIndexFiltersArchitectures(t *testing.T) {
	f := newFixture(t)
	base, err := random.Layer(4096, types.OCILayer)
	require.NoError(t, err)
	amd, arm := platformImage(t, base, "amd64"), platformImage(t, base, "arm64")
	ref, idx := f.pushIndex(t, "demo/app:1", true, map[string]v1.Image{"amd64": amd, "arm64": arm})
	idxDigest, _ := idx.Digest()

	r, err := f.res.Resolve(context.Background(), ref.String(), []string{"amd64"})
	require.NoError(t, err)
	assert.Equal(t, idxDigest.String(), r.Digest, "the original index is kept")
	assert.Equal(t, []string{"linux/amd64"}, r.Platforms)
	assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, r.Available, "attestations are not platforms")
	assert.Equal(t, expectedSize(t, idx, amd), r.Size())
	assert.Len(t, r.Blobs, 1+1+1+2, "index, manifest, config, two layers")

	both, err := f.res.Resolve(context.Background(), ref.String(), []string{"amd64", "arm64"})
	require.NoError(t, err)
	assert.Equal(t, expectedSize(t, idx, amd, arm), both.Size(), "the shared base layer counts once")
	baseDigest, _ := base.Digest()
	for _, b := range both.Blobs {
		if b.Digest == baseDigest.String() {
			assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, b.Platforms)
		}
	}

	_, err = f.res.Resolve(context.Background(), ref.String(), []string{"s390x"})
	require.ErrorIs(t, err, ErrNoPlatform)
	assert.Contains(t, err.Error(), "has no image for s390x (it has linux/amd64, linux/arm64)")
}

func TestResolveSingleManifestByTagAndDigest(t *testing.T) {
	f := newFixture(t)
	base, _ := random.Layer(1000, types.OCILayer)
	img := platformImage(t, base, "arm64")
	ref, _ := name.ParseReference(f.host + "/demo/single:1")
	require.NoError(t, remote.Write(ref, img))
	d, _ := img.Digest()

	r, err := f.res.Resolve(context.Background(), ref.String(), []string{"arm64"})
	require.NoError(t, err)
	assert.Equal(t, d.String(), r.Digest)
	assert.Equal(t, []string{"linux/arm64"}, r.Platforms)
	m, _ := img.RawManifest()
	c, _ := img.RawConfigFile()
	ls, _ := img.Layers()
	want := int64(len(m) + len(c))
	for _, l := range ls {
		s, _ := l.Size()
		want += s
	}
	assert.Equal(t, want, r.Size())

	byDigest := f.host + "/demo/single@" + d.String()
	r2, err := f.res.Resolve(context.Background(), byDigest, []string{"arm64"})
	require.NoError(t, err)
	assert.Equal(t, r.Blobs, r2.Blobs)

	_, err = f.res.Resolve(context.Background(), ref.String(), []string{"amd64"})
	require.ErrorIs(t, err, ErrNoPlatform)
	assert.Contains(t, err.Error(), "is built only for linux/arm64, not for amd64")
}

func TestResolveMissingTagIsOneSentence(t *testing.T) {
	f := newFixture(t)
	_, err := f.res.Resolve(context.Background(), f.host+"/demo/none:9", []string{"amd64"})
	require.ErrorIs(t, err, source.ErrNotFound)
	assert.Equal(t, f.host+"/demo/none:9 does not exist on "+f.host+": check the repository name and the tag", err.Error())
}

func TestResolveStaticArtifactHasNoPlatform(t *testing.T) {
	f := newFixture(t)
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer([]byte("chart"), "application/vnd.cncf.helm.chart.content.v1.tar+gzip"))
	require.NoError(t, err)
	img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), "application/vnd.cncf.helm.config.v1+json")
	ref, _ := name.ParseReference(f.host + "/charts/demo:1")
	require.NoError(t, remote.Write(ref, img))
	r, err := f.res.Resolve(context.Background(), ref.String(), []string{"amd64"})
	require.NoError(t, err)
	assert.Empty(t, r.Platforms[0], "an OCI artifact is carried for any architecture")
}

func TestParseList(t *testing.T) {
	in := "# images\nquay.io/a/b:1\n\n  docker.io/library/alpine:3.20   # trailing comment\nquay.io/a/b:1\nghcr.io/x/y@sha256:" + strings.Repeat("ab", 32) + "\n"
	refs, err := ParseList("images.txt", strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []string{"quay.io/a/b:1", "docker.io/library/alpine:3.20", "ghcr.io/x/y@sha256:" + strings.Repeat("ab", 32)}, refs)

	for line, want := range map[string]string{
		"quay.io/a/b:1 quay.io/c/d:2": `images.txt:2: "quay.io/a/b:1 quay.io/c/d:2" holds more than one word`,
		"quay.io/UPPER/x:1":           `images.txt:2: "quay.io/UPPER/x:1" is not an image reference`,
		"quay.io/a/b@sha256:short":    `images.txt:2: "quay.io/a/b@sha256:short" is not an image reference`,
	} {
		_, err := ParseList("images.txt", strings.NewReader("# ok\n"+line+"\n"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
	}
}

func FuzzParseList(f *testing.F) {
	f.Add("quay.io/a/b:1\n# c\n")
	f.Fuzz(func(t *testing.T, s string) {
		refs, err := ParseList("f", strings.NewReader(s))
		if err != nil {
			return
		}
		for _, r := range refs {
			if _, err := name.ParseReference(r); err != nil {
				t.Fatalf("accepted %q: %v", r, err)
			}
		}
	})
}

// TestResolveNestedIndexesVisitsEachDigestOnce resolves an index whose
// children are the same nested index many times over: four levels of
// fan-out 20 are 160,000 paths to one image, and each digest is fetched
// once.
func TestResolveNestedIndexesVisitsEachDigestOnce(t *testing.T) {
	var gets atomic.Int64
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/") {
			gets.Add(1)
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	acc, err := source.New(source.Options{InsecureHosts: []string{host}})
	require.NoError(t, err)
	res, err := NewResolver(acc)
	require.NoError(t, err)

	base, err := random.Layer(1024, types.OCILayer)
	require.NoError(t, err)
	var idx v1.ImageIndex = mutate.IndexMediaType(mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: platformImage(t, base, "amd64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}}), types.OCIImageIndex)
	for range 4 {
		var adds []mutate.IndexAddendum
		for range 20 {
			adds = append(adds, mutate.IndexAddendum{Add: idx})
		}
		idx = mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	}
	ref, err := name.ParseReference(host + "/nested/bomb:1")
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(ref, idx))

	gets.Store(0)
	r, err := res.Resolve(t.Context(), ref.String(), []string{"amd64"})
	require.NoError(t, err)
	assert.Equal(t, []string{"linux/amd64"}, r.Platforms)
	assert.LessOrEqual(t, gets.Load(), int64(10), "each of the 6 manifests is fetched once (a GET or two for the first)")
}
