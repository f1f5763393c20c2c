//go:build e2e

package registrytest

import (
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var twoImages = []ImageSpec{
	{Repo: "demo/a", Tag: "1", Platforms: []string{"linux/amd64", "linux/arm64"},
		Layers: []LayerSpec{{Name: "base", Size: 5000}, {Name: "a", Size: 700}, {Name: "docs", Size: 300, SharedAcrossPlatforms: true}}},
	{Repo: "demo/b", Tag: "1", Platforms: []string{"linux/amd64"},
		Layers: []LayerSpec{{Name: "base", Size: 5000}, {Name: "b", Size: 900}}},
}

// checkPushed reads back what was pushed and compares it with the record.
func checkPushed(t *testing.T, r *Registry, pushed []Pushed) {
	t.Helper()
	opts := []remote.Option{remote.WithTransport(r.Transport()), remote.WithAuth(r.Auth())}
	for _, p := range pushed {
		ref, err := name.ParseReference(p.Ref, name.Insecure)
		require.NoError(t, err)
		d, err := remote.Get(ref, opts...)
		require.NoError(t, err)
		assert.Equal(t, p.Digest, d.Digest.String())
		if p.IndexSize > 0 {
			assert.EqualValues(t, p.IndexSize, len(d.Manifest))
			idx, err := v1.ParseIndexManifest(bytesReader(d.Manifest))
			require.NoError(t, err)
			assert.Len(t, idx.Manifests, len(p.Platforms))
			for _, m := range idx.Manifests {
				pp := p.Platforms[m.Platform.OS+"/"+m.Platform.Architecture]
				assert.Equal(t, pp.ManifestDigest, m.Digest.String())
				assert.Equal(t, pp.ManifestSize, m.Size)
			}
		}
		for _, pp := range p.Platforms {
			md, err := remote.Get(ref.Context().Digest(pp.ManifestDigest), opts...)
			require.NoError(t, err)
			m, err := v1.ParseManifest(bytesReader(md.Manifest))
			require.NoError(t, err)
			assert.Equal(t, pp.ConfigSize, m.Config.Size)
			for _, l := range m.Layers {
				assert.Equal(t, pp.Layers[l.Digest.String()], l.Size)
			}
		}
	}
}

func TestPushRecordsWhatTheRegistryServes(t *testing.T) {
	for name, start := range map[string]func(*testing.T) *Registry{
		"distribution": func(t *testing.T) *Registry { return StartDistribution(t) },
		"in-process":   func(t *testing.T) *Registry { return StartInProcess(t) },
	} {
		t.Run(name, func(t *testing.T) {
			r := start(t)
			pushed := r.Push(t, twoImages...)
			checkPushed(t, r, pushed)
			// The base layer of amd64 is shared by both images.
			base := pushed[0].Platforms["linux/amd64"]
			other := pushed[1].Platforms["linux/amd64"]
			shared := 0
			for d := range base.Layers {
				if _, ok := other.Layers[d]; ok {
					shared++
				}
			}
			assert.Equal(t, 1, shared)
			// docs is identical across a's platforms, base is not.
			assert.Less(t, ExpectedUnique(pushed), ExpectedListed(pushed))
			assert.Equal(t, ExpectedListed(pushed[:1]), ExpectedUnique(pushed[:1]), "within one image each blob counts once")
			assert.Less(t, ExpectedUnique(pushed, "arm64"), ExpectedUnique(pushed, "amd64"))
		})
	}
}

func TestTLSAndBasicAuth(t *testing.T) {
	r := StartDistribution(t, WithBasicAuth("ferry", "s3cret"))
	assert.Contains(t, r.URL, "https://")
	pushed := r.Push(t, twoImages[1])
	checkPushed(t, r, pushed)

	ref, _ := name.ParseReference(pushed[0].Ref)
	_, err := remote.Head(ref, remote.WithTransport(r.Transport()), remote.WithAuth(&authn.Basic{Username: "ferry", Password: "wrong"}))
	var terr *transport.Error
	require.ErrorAs(t, err, &terr)
	assert.Equal(t, http.StatusUnauthorized, terr.StatusCode)

	_, err = remote.Head(ref, remote.WithAuth(r.Auth()))
	assert.ErrorContains(t, err, "certificate", "the CA is not trusted by default")
}
