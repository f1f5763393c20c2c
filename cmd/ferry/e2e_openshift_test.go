//go:build e2e

package main

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
)

// TestE2EOpenShiftTargetReadsTheReleasePayload plans the built-in
// openshift target against a fixture release image on a distribution
// registry standing in for quay.io: the release and every component it
// lists, by digest.
func TestE2EOpenShiftTargetReadsTheReleasePayload(t *testing.T) {
	reg := registrytest.StartDistribution(t)
	names := []string{"rhel-coreos", "rhel-coreos-extensions", "machine-config-operator", "docker-builder", "console"}
	var specs []registrytest.ImageSpec
	for i, n := range names {
		specs = append(specs, registrytest.ImageSpec{Repo: "openshift-release-dev/ocp-v4.0-art-dev", Tag: n, Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{{Name: n, Size: int64(10_000 * (i + 1))}}})
	}
	comps := reg.Push(t, specs...)
	var tags []string
	for i, c := range comps {
		tags = append(tags, fmt.Sprintf(`{"name":%q,"from":{"kind":"DockerImage","name":"quay.io/openshift-release-dev/ocp-v4.0-art-dev@%s"}}`, names[i], c.Digest))
	}
	refs := `{"kind":"ImageStream","apiVersion":"image.openshift.io/v1","metadata":{"name":"4.17.0"},"spec":{"tags":[` + strings.Join(tags, ",") + `]}}`
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "release-manifests/image-references", Mode: 0o644, Size: int64(len(refs)), Typeflag: tar.TypeReg}))
	_, _ = tw.Write([]byte(refs))
	require.NoError(t, tw.Close())
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer(buf.Bytes(), types.OCIUncompressedLayer))
	require.NoError(t, err)
	cf, _ := img.ConfigFile()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	require.NoError(t, err)
	ref, _ := name.ParseReference(reg.Host+"/openshift-release-dev/ocp-release:4.17.0-x86_64", name.Insecure)
	require.NoError(t, remote.Write(ref, img))
	relDigest, err := img.Digest()
	require.NoError(t, err)

	// A signature store on loopback, in the store's layout.
	sig := []byte("\x89\x02\x1c\x04\x00\x01\x08 a binary OpenPGP signature stands here")
	sigPath := "/pub/openshift-v4/signatures/openshift/release/sha256=" + relDigest.Hex + "/signature-1"
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != sigPath {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(sig)
	}))
	defer store.Close()
	storeURL := store.URL + "/pub/openshift-v4/signatures/openshift/release"

	common := []string{"--target", "openshift", "--arch", "amd64", "--source-mirror", "quay.io=" + reg.Host, "--insecure-source", reg.Host, "--signature-store", storeURL}
	p, code, stderr := planJSON(t, append([]string{"plan"}, common...)...)
	require.Equal(t, 0, code, stderr)
	var got []string
	for _, im := range p.Images {
		got = append(got, im.Reference)
	}
	require.Len(t, p.Files, 1, "the release image's signature")
	assert.Equal(t, store.URL+sigPath, p.Files[0].URL)
	assert.Equal(t, "openshift-release-signatures/sha256="+relDigest.Hex+"/signature-1", p.Files[0].Name)
	assert.Equal(t, int64(len(sig)), p.Files[0].Size)
	want := []string{"quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64"}
	for _, c := range comps {
		want = append(want, "quay.io/openshift-release-dev/ocp-v4.0-art-dev@"+c.Digest)
	}
	assert.ElementsMatch(t, want, got)
	var notes []string
	for _, n := range p.Notes {
		notes = append(notes, n.Text)
	}
	assert.Contains(t, strings.Join(notes, "\n"), "read 5 component images from quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64")
	var releaseSize int64
	for _, im := range p.Images {
		if strings.Contains(im.Reference, "ocp-release") {
			releaseSize = im.Size
		}
	}
	assert.Equal(t, registrytest.ExpectedUnique(comps, "amd64")+releaseSize, p.Totals.Images.Unique)
	assert.Contains(t, strings.Join(notes, "\n"), "carried the signature of quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64 ("+relDigest.String()+")")

	// The bundle carries the signature, and configure writes the ConfigMap
	// the cluster reads it from.
	out := t.TempDir()
	code, _, stderr = ferry(t, append([]string{"prepare"}, append(common, "--modules", "release", "--cache", t.TempDir(), "--output", out, "--progress", "none", "--no-binary")...)...)
	require.Equal(t, 0, code, stderr)
	cfg := t.TempDir()
	code, _, stderr = ferry(t, "configure", "--bundle", out, "--registry", "registry.site:5000", "--platform", "openshift", "--output", cfg)
	require.Equal(t, 0, code, stderr)
	cm, err := os.ReadFile(filepath.Join(cfg, "openshift", "release-signatures.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(cm), "namespace: openshift-config-managed")
	assert.Contains(t, string(cm), "release.openshift.io/verification-signatures")
	assert.Contains(t, string(cm), "sha256-"+relDigest.Hex+"-1: "+base64.StdEncoding.EncodeToString(sig))

	// On-cluster layering alone in 4.17: the three components its builds
	// pull, picked by name, without the release image, docker-builder or
	// the rest.
	p, code, stderr = planJSON(t, "plan", "--target", "openshift", "--modules", "on-cluster-layering", "--arch", "amd64", "--source-mirror", "quay.io="+reg.Host, "--insecure-source", reg.Host)
	require.Equal(t, 0, code, stderr)
	got = nil
	for _, im := range p.Images {
		got = append(got, im.Reference)
	}
	assert.ElementsMatch(t, want[1:4], got)
	assert.Empty(t, p.Files, "the signature travels with the release module")

	// A version whose release image is missing is one sentence.
	_, code, stderr = planJSON(t, "plan", "--target", "openshift", "--version", "4.16.0", "--arch", "amd64", "--source-mirror", "quay.io="+reg.Host, "--insecure-source", reg.Host)
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64 does not exist")
}
