package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
)

// signatureStore serves sigs by digest hex in the store's layout,
// STORE/sha256=HEX/signature-1, on loopback.
func signatureStore(t *testing.T, sigs map[string][]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dir, file, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/sigs/"), "/")
		hexd, ok := strings.CutPrefix(dir, "sha256=")
		data, found := sigs[hexd]
		if !ok || file != "signature-1" || !found {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSignatureIsFetchedByTheReleaseDigest(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	ref := pushRelease(t, reg.Host, "4.17.0-x86_64", []string{reg.Host + "/art@sha256:" + fmt.Sprintf("%064d", 1)})
	r, _ := name.ParseReference(ref, name.Insecure)
	desc, err := remote.Head(r)
	require.NoError(t, err)
	sig := []byte("\x89\x02\x1c\x04\x00\x01\x08 a binary OpenPGP signature stands here")
	store := signatureStore(t, map[string][]byte{desc.Digest.Hex: sig})
	acc, err := source.New(source.Options{InsecureHosts: []string{reg.Host}})
	require.NoError(t, err)
	sr := &SignatureReader{Access: acc, Client: store.Client()}

	got, err := sr.Signature(context.Background(), store.URL+"/sigs/", ref)
	require.NoError(t, err)
	sum := sha256.Sum256(sig)
	assert.Equal(t, &Signature{Release: ref, Digest: desc.Digest.String(), URL: store.URL + "/sigs/sha256=" + desc.Digest.Hex + "/signature-1",
		Name: "openshift-release-signatures/sha256=" + desc.Digest.Hex + "/signature-1", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(sig))}, got)

	// The override replaces the catalog's store.
	sr.Store = store.URL + "/sigs"
	got, err = sr.Signature(context.Background(), "https://store.invalid/none", ref)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got.URL, store.URL+"/sigs/sha256="))

	// A release the store has not signed is one sentence naming the URL.
	ref2 := pushRelease(t, reg.Host, "4.17.1-x86_64", []string{reg.Host + "/art@sha256:" + fmt.Sprintf("%064d", 2)})
	_, err = sr.Signature(context.Background(), "", ref2)
	require.ErrorIs(t, err, ErrNoSignature)
	assert.Contains(t, err.Error(), "has no signature at "+store.URL+"/sigs/sha256=")
}
