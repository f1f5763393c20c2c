//go:build e2e

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
	"ferry/targets/catalog"
)

// TestE2EEKSAnywhereTargetReadsTheBundlesManifest plans the built-in
// eks-anywhere target against a fixture Bundles manifest on a loopback web
// server and fixture images on a distribution registry standing in for
// public.ecr.aws: the Kubernetes version and provider chosen decide what is
// carried.
func TestE2EEKSAnywhereTargetReadsTheBundlesManifest(t *testing.T) {
	reg := registrytest.StartDistribution(t)
	pushed := reg.Push(t,
		registrytest.ImageSpec{Repo: "release-container-registry/cert-manager/cert-manager-controller", Tag: "v1.13.0-eks-a-57", Platforms: []string{"linux/amd64", "linux/arm64"}, Layers: []registrytest.LayerSpec{{Name: "cm", Size: 20_000}}},
		registrytest.ImageSpec{Repo: "release-container-registry/kubernetes-sigs/cluster-api-provider-vsphere/release/manager", Tag: "v1.8.5-eks-a-57", Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{{Name: "capv", Size: 10_000}}},
		registrytest.ImageSpec{Repo: "release-container-registry/tinkerbell/tink", Tag: "v0.10.0-eks-a-57", Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{{Name: "tink", Size: 10_000}}},
	)
	manifest := fmt.Sprintf(`apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Bundles
spec:
  number: 57
  versionsBundles:
  - kubeVersion: "1.28"
    certManager:
      controller:
        imageDigest: %s
        uri: public.ecr.aws/release-container-registry/cert-manager/cert-manager-controller:v1.13.0-eks-a-57
    vSphere:
      manager:
        imageDigest: %s
        uri: public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api-provider-vsphere/release/manager:v1.8.5-eks-a-57
    tinkerbell:
      tink:
        imageDigest: %s
        uri: public.ecr.aws/release-container-registry/tinkerbell/tink:v0.10.0-eks-a-57
`, pushed[0].Digest, pushed[1].Digest, pushed[2].Digest)
	// Release v0.17.0 (bundle 45) pins cert-manager to another digest than
	// its tag now resolves to.
	moved := strings.Replace(manifest, pushed[0].Digest, "sha256:"+strings.Repeat("9", 64), 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/releases/bundles/57/manifest.yaml":
			_, _ = w.Write([]byte(manifest))
		case "/releases/bundles/45/manifest.yaml":
			_, _ = w.Write([]byte(moved))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	raw, err := catalog.BuiltinFile("eks-anywhere.yaml")
	require.NoError(t, err)
	cat := writeFile(t, "eksa.yaml", strings.ReplaceAll(string(raw), "https://anywhere-assets.eks.amazonaws.com", srv.URL))
	common := []string{"--catalog", cat, "plan", "--target", "eks-anywhere", "--arch", "amd64", "--source-mirror", "public.ecr.aws=" + reg.Host, "--insecure-source", reg.Host}

	// Defaults: Kubernetes 1.28 and vSphere.
	p, code, stderr := planJSON(t, common...)
	require.Equal(t, 0, code, stderr)
	var got []string
	for _, im := range p.Images {
		got = append(got, im.Reference)
	}
	assert.ElementsMatch(t, []string{
		"public.ecr.aws/release-container-registry/cert-manager/cert-manager-controller:v1.13.0-eks-a-57",
		"public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api-provider-vsphere/release/manager:v1.8.5-eks-a-57",
	}, got)
	for i, im := range p.Images {
		assert.Equal(t, pushed[i].Digest, im.Digest)
	}

	// Tinkerbell instead of vSphere.
	p, code, stderr = planJSON(t, append(common, "--modules", "kubernetes-1-28,tinkerbell")...)
	require.Equal(t, 0, code, stderr)
	got = nil
	for _, im := range p.Images {
		got = append(got, im.Reference)
	}
	assert.Contains(t, got, "public.ecr.aws/release-container-registry/tinkerbell/tink:v0.10.0-eks-a-57")
	assert.NotContains(t, got, "public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api-provider-vsphere/release/manager:v1.8.5-eks-a-57")

	// A tag that no longer resolves to the pinned digest is refused.
	_, code, stderr = planJSON(t, append(common, "--version", "v0.17.0")...)
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "cert-manager-controller:v1.13.0-eks-a-57 resolves to "+pushed[0].Digest+" but the Bundles manifest pins sha256:9999")

	// A Kubernetes version the manifest lacks is one sentence.
	_, code, stderr = planJSON(t, append(common, "--modules", "kubernetes-1-27")...)
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "has no versionsBundle for Kubernetes 1.27 (it has 1.28)")
}
