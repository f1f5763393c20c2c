package eksa

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/targets/catalog"
)

// A shortened Bundles manifest in the real format (from the
// release-0.18 bundle used by EKS Anywhere's own tests).
const manifest = `apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Bundles
metadata:
  name: bundles-57
spec:
  number: 57
  versionsBundles:
  - kubeVersion: "1.28"
    certManager:
      controller:
        arch: [amd64, arm64]
        imageDigest: sha256:1111111111111111111111111111111111111111111111111111111111111111
        name: cert-manager-controller
        os: linux
        uri: public.ecr.aws/release-container-registry/cert-manager/cert-manager-controller:v1.13.0-eks-a-57
    eksD:
      containerd:
        uri: https://distro.eks.amazonaws.com/containerd-linux-amd64.tar.gz
        sha256: 2222222222222222222222222222222222222222222222222222222222222222
        sha512: "00"
      kindNode:
        imageDigest: sha256:3333333333333333333333333333333333333333333333333333333333333333
        uri: public.ecr.aws/release-container-registry/kubernetes-sigs/kind/node:v1.28.3-eks-d-1-28-8-eks-a-57
    vSphere:
      manager:
        imageDigest: sha256:4444444444444444444444444444444444444444444444444444444444444444
        uri: public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api-provider-vsphere/release/manager:v1.8.5-eks-a-57
  - kubeVersion: "1.27"
    certManager:
      controller:
        imageDigest: sha256:1111111111111111111111111111111111111111111111111111111111111111
        uri: public.ecr.aws/release-container-registry/cert-manager/cert-manager-controller:v1.13.0-eks-a-57
`

func TestParseFiltersSections(t *testing.T) {
	c, err := Parse("m.yaml", []byte(manifest), catalog.BundlesRef{KubeVersion: "1.28", Exclude: []string{"vSphere"}})
	require.NoError(t, err)
	assert.Equal(t, []Image{
		{URI: "public.ecr.aws/release-container-registry/cert-manager/cert-manager-controller:v1.13.0-eks-a-57", Digest: "sha256:" + strings.Repeat("1", 64)},
		{URI: "public.ecr.aws/release-container-registry/kubernetes-sigs/kind/node:v1.28.3-eks-d-1-28-8-eks-a-57", Digest: "sha256:" + strings.Repeat("3", 64)},
	}, c.Images)
	assert.Empty(t, c.Archives, "archives only when asked")

	c, err = Parse("m.yaml", []byte(manifest), catalog.BundlesRef{KubeVersion: "1.28", Include: []string{"vSphere"}})
	require.NoError(t, err)
	assert.Equal(t, "public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api-provider-vsphere/release/manager:v1.8.5-eks-a-57", c.Images[0].URI)

	c, err = Parse("m.yaml", []byte(manifest), catalog.BundlesRef{KubeVersion: "1.28", Include: []string{"eksD"}, Archives: true})
	require.NoError(t, err)
	require.Len(t, c.Archives, 1)
	assert.Regexp(t, `^eks-anywhere/[^/]+/(.+/)?containerd-linux-amd64\.tar\.gz$`, c.Archives[0].Name, "archives are named by URL, as manifests are")
	assert.Equal(t, strings.Repeat("2", 64), c.Archives[0].SHA256)

	// One key of a section, in or out.
	c, err = Parse("m.yaml", []byte(manifest), catalog.BundlesRef{KubeVersion: "1.28", Include: []string{"eksD.kindNode"}, Archives: true})
	require.NoError(t, err)
	assert.Equal(t, []Image{{URI: "public.ecr.aws/release-container-registry/kubernetes-sigs/kind/node:v1.28.3-eks-d-1-28-8-eks-a-57", Digest: "sha256:" + strings.Repeat("3", 64)}}, c.Images)
	assert.Empty(t, c.Archives)
	c, err = Parse("m.yaml", []byte(manifest), catalog.BundlesRef{KubeVersion: "1.28", Exclude: []string{"vSphere", "eksD.kindNode"}})
	require.NoError(t, err)
	require.Len(t, c.Images, 1)
	assert.Contains(t, c.Images[0].URI, "cert-manager-controller")

	_, err = Parse("m.yaml", []byte(manifest), catalog.BundlesRef{KubeVersion: "1.22"})
	assert.EqualError(t, err, "m.yaml has no versionsBundle for Kubernetes 1.22 (it has 1.28, 1.27): choose one of those")
	_, err = Parse("m.yaml", []byte("kind: Cluster\n"), catalog.BundlesRef{KubeVersion: "1.28"})
	assert.EqualError(t, err, "m.yaml is not an EKS Anywhere Bundles manifest")
}

func TestReadOverHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/releases/bundles/57/manifest.yaml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(manifest))
	}))
	defer srv.Close()
	c, err := (&Reader{}).Read(context.Background(), catalog.BundlesRef{URL: srv.URL + "/releases/bundles/57/manifest.yaml", KubeVersion: "1.27"})
	require.NoError(t, err)
	assert.Len(t, c.Images, 1)
	_, err = (&Reader{}).Read(context.Background(), catalog.BundlesRef{URL: srv.URL + "/releases/bundles/99/manifest.yaml", KubeVersion: "1.27"})
	assert.ErrorContains(t, err, "answered HTTP 404")
}
