package image

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
)

func resolverFor(t *testing.T, host string) *Resolver {
	t.Helper()
	acc, err := source.New(source.Options{InsecureHosts: []string{host}})
	require.NoError(t, err)
	r, err := NewResolver(acc)
	require.NoError(t, err)
	return r
}

func TestAttachmentsOfAnIndexAndOfItsPlatformManifests(t *testing.T) {
	reg := registrytest.StartWithReferrers(t)
	pushed := reg.Push(t, registrytest.ImageSpec{Repo: "apache/signed", Tag: "1.0", Platforms: []string{"linux/amd64", "linux/arm64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 4096}}})[0]
	onIndex := reg.Sign(t, "apache/signed", pushed.Digest)
	amd := pushed.Platforms["linux/amd64"].ManifestDigest
	onAmd := reg.Sign(t, "apache/signed", amd)
	arm := pushed.Platforms["linux/arm64"].ManifestDigest

	r := resolverFor(t, reg.Host)
	ctx := context.Background()
	ref := reg.Host + "/apache/signed:1.0"
	res, got, err := r.ResolveAttached(ctx, ref, []string{"amd64"}, 4)
	require.NoError(t, err)
	assert.Equal(t, pushed.Digest, res.Digest)

	byRef := map[string]Attached{}
	for _, a := range got {
		byRef[a.Reference] = a
	}
	repo := reg.Host + "/apache/signed"
	want := map[string]struct{ role, subject, digest string }{
		repo + ":" + CosignTag(pushed.Digest, ".sig"): {RoleSignature, pushed.Digest, onIndex.Signature},
		repo + ":" + CosignTag(pushed.Digest, ".att"): {RoleAttestation, pushed.Digest, onIndex.Attestation},
		repo + "@" + onIndex.Referrer:                 {RoleReferrer, pushed.Digest, onIndex.Referrer},
		repo + ":" + CosignTag(amd, ".sig"):           {RoleSignature, amd, onAmd.Signature},
		repo + ":" + CosignTag(amd, ".att"):           {RoleAttestation, amd, onAmd.Attestation},
		repo + "@" + onAmd.Referrer:                   {RoleReferrer, amd, onAmd.Referrer},
	}
	require.Len(t, got, len(want), "what is attached to the index and to the carried platform; nothing of arm64 (%s), which is not carried", arm)
	var size int64
	for r, w := range want {
		a, ok := byRef[r]
		require.True(t, ok, "%s is found", r)
		assert.Equal(t, w.role, a.Role, r)
		assert.Equal(t, w.subject, a.Subject, r)
		assert.Equal(t, w.digest, a.Digest, r)
		size += a.Size()
	}
	assert.Equal(t, onIndex.Size+onAmd.Size, size, "every byte of the artifacts is counted")
	assert.Equal(t, registrytest.SPDXType, byRef[repo+"@"+onIndex.Referrer].ArtifactType)
	assert.Equal(t, "signature of "+ref+" (linux/amd64)", byRef[repo+":"+CosignTag(amd, ".sig")].Why(ref))
	assert.Equal(t, "referrer of "+ref+" ("+registrytest.SPDXType+")", byRef[repo+"@"+onIndex.Referrer].Why(ref))
	for i := 1; i < len(got); i++ {
		assert.Less(t, got[i-1].Reference, got[i].Reference, "sorted by reference")
	}
}

func TestAttachmentsOfAnUnsignedImageAreNone(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	reg.Push(t, registrytest.ImageSpec{Repo: "apache/plain", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 1024}}})
	r := resolverFor(t, reg.Host)
	_, got, err := r.ResolveAttached(context.Background(), reg.Host+"/apache/plain:1.0", []string{"amd64"}, 4)
	require.NoError(t, err)
	assert.Empty(t, got)
}

// A registry without the referrers API answers 404 there: the fallback tag
// is read instead, and the referrers it lists are carried.
func TestAttachmentsReadTheReferrersTagFallback(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	pushed := reg.Push(t, registrytest.ImageSpec{Repo: "apache/old", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 1024}}})[0]
	signed := reg.Sign(t, "apache/old", pushed.Digest)

	r := resolverFor(t, reg.Host)
	_, got, err := r.ResolveAttached(context.Background(), reg.Host+"/apache/old:1.0", []string{"amd64"}, 4)
	require.NoError(t, err)
	var refs []string
	for _, a := range got {
		refs = append(refs, a.Reference)
	}
	assert.Contains(t, refs, reg.Host+"/apache/old@"+signed.Referrer)
	resp, err := http.Get(reg.URL + "/v2/apache/old/referrers/" + pushed.Digest)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "the registry has no referrers API")
}

// A failure other than not-found is an error, not an unsigned image.
func TestAttachmentsReportAFailingRegistry(t *testing.T) {
	inner := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasSuffix(req.URL.Path, ".att") {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		inner.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	reg := &registrytest.Registry{Host: strings.TrimPrefix(srv.URL, "http://"), URL: srv.URL}
	reg.Push(t, registrytest.ImageSpec{Repo: "apache/flaky", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 1024}}})
	r := resolverFor(t, reg.Host)
	_, _, err := r.ResolveAttached(context.Background(), reg.Host+"/apache/flaky:1.0", []string{"amd64"}, 4)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the signatures and attestations of "+reg.Host+"/apache/flaky:1.0 cannot be read")
	assert.Contains(t, err.Error(), "HTTP 500")
}
