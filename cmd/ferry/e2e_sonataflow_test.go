//go:build e2e

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
	"ferry/targets/catalog"
)

// TestE2ESonataFlowCarriesTheOperatorDeployment plans the built-in
// sonataflow catalog's operator module, with its file server and registries
// on loopback: the manager and its kube-rbac-proxy sidecar by digest, and
// operator.yaml with the sha256 of what was read.
func TestE2ESonataFlowCarriesTheOperatorDeployment(t *testing.T) {
	reg := registrytest.StartDistribution(t)
	reg.Push(t,
		registrytest.ImageSpec{Repo: "apache/incubator-kie-sonataflow-operator", Tag: "10.1.0", Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{{Name: "manager", Size: 20_000}}},
		registrytest.ImageSpec{Repo: "kubebuilder/kube-rbac-proxy", Tag: "v0.13.1", Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{{Name: "proxy", Size: 10_000}}})
	manifest := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: sonataflow-operator-controller-manager\n")
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/raw.githubusercontent.com/apache/incubator-kie-tools/refs/tags/10.1.0/packages/sonataflow-operator/operator.yaml" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(manifest)
	}))
	defer files.Close()
	raw, err := catalog.BuiltinFile("sonataflow.yaml")
	require.NoError(t, err)
	cat := writeFile(t, "sonataflow.yaml", strings.ReplaceAll(string(raw), "url: https://", "url: "+files.URL+"/"))

	p, code, stderr := planJSON(t, "--catalog", cat, "plan", "--target", "sonataflow", "--version", "10.1.0", "--arch", "amd64", "--modules", "operator",
		"--source-mirror", "docker.io="+reg.Host, "--source-mirror", "gcr.io="+reg.Host, "--insecure-source", reg.Host)
	require.Equal(t, 0, code, stderr)
	var refs []string
	for _, im := range p.Images {
		refs = append(refs, im.Reference)
		assert.NotEmpty(t, im.Digest)
	}
	assert.ElementsMatch(t, []string{"docker.io/apache/incubator-kie-sonataflow-operator:10.1.0", "gcr.io/kubebuilder/kube-rbac-proxy:v0.13.1"}, refs)
	require.Len(t, p.Files, 1)
	sum := sha256.Sum256(manifest)
	assert.Equal(t, "sonataflow/operator.yaml", p.Files[0].Name)
	assert.Equal(t, hex.EncodeToString(sum[:]), p.Files[0].SHA256, "the sha256 of what was read")
	assert.Equal(t, int64(len(manifest)), p.Files[0].Size)
	var notes []string
	for _, n := range p.Notes {
		notes = append(notes, n.Text)
	}
	assert.Contains(t, strings.Join(notes, "\n"), "kubectl apply -f files/sonataflow/operator.yaml")
}
