//go:build e2e

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
	"ferry/targets/catalog"
	"ferry/workflow/plan"
)

// TestE2EEKSAnywhereCarriesWhatItsManifestsNeed plans the built-in
// eks-anywhere target against a Bundles manifest with two versionsBundles,
// their EKS-D releases and component manifests on a loopback web server,
// and images on a distribution registry standing in for public.ecr.aws:
// the plan carries the EKS-D images, the manifests as files with the sha256
// of what was served, the Docker provider's images in the docker module,
// a note for the placeholder CloudStack section, and reads each manifest
// once per plan.
func TestE2EEKSAnywhereCarriesWhatItsManifestsNeed(t *testing.T) {
	reg := registrytest.StartDistribution(t)
	img := func(repo, tag string) registrytest.ImageSpec {
		return registrytest.ImageSpec{Repo: repo, Tag: tag, Platforms: []string{"linux/amd64"}, Layers: []registrytest.LayerSpec{{Name: repo, Size: 5_000}}}
	}
	pushed := reg.Push(t,
		img("release-container-registry/kubernetes-sigs/cluster-api/cluster-api-controller", "v1.5.2-eks-a-57"),
		img("release-container-registry/kubernetes-sigs/cluster-api-provider-vsphere/release/manager", "v1.8.5-eks-a-57"),
		img("release-container-registry/kubernetes-sigs/cluster-api/capd-manager", "v1.5.2-eks-a-57"),
		img("release-container-registry/kubernetes-sigs/kind/node", "v1.28.3-eks-d-1-28-8-eks-a-57"),
		img("release-container-registry/kubernetes-sigs/kind/haproxy", "v0.20.0-eks-a-57"),
		img("eks-distro/coredns/coredns", "v1.10.1-eks-1-28-8"),
		img("eks-distro/coredns/coredns", "v1.10.1-eks-1-27-14"),
	)
	const ecr = "public.ecr.aws/"
	bundles := fmt.Sprintf(`apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Bundles
spec:
  number: 57
  versionsBundles:
  - kubeVersion: "1.28"
    clusterAPI:
      components:
        uri: BASE/artifacts/v0.18.5/cluster-api/manifests/cluster-api/v1.5.2/core-components.yaml
      controller:
        imageDigest: %[1]s
        uri: public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api/cluster-api-controller:v1.5.2-eks-a-57
      metadata:
        uri: BASE/artifacts/v0.18.5/cluster-api/manifests/cluster-api/v1.5.2/metadata.yaml
    cloudStack:
      components:
        uri: <placeholder>
      version: deprecated
    docker:
      components:
        uri: BASE/artifacts/v0.18.5/cluster-api/manifests/infrastructure-docker/v1.5.2/infrastructure-components-development.yaml
      manager:
        imageDigest: %[3]s
        uri: public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api/capd-manager:v1.5.2-eks-a-57
    eksD:
      components: BASE/crds/releases.distro.eks.amazonaws.com-v1alpha1.yaml
      kindNode:
        imageDigest: %[4]s
        uri: public.ecr.aws/release-container-registry/kubernetes-sigs/kind/node:v1.28.3-eks-d-1-28-8-eks-a-57
      manifestUrl: BASE/kubernetes-1-28/kubernetes-1-28-eks-8.yaml
    haproxy:
      image:
        imageDigest: %[5]s
        uri: public.ecr.aws/release-container-registry/kubernetes-sigs/kind/haproxy:v0.20.0-eks-a-57
    vSphere:
      components:
        uri: BASE/artifacts/v0.18.5/cluster-api/manifests/infrastructure-vsphere/v1.8.5/infrastructure-components.yaml
      manager:
        imageDigest: %[2]s
        uri: public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api-provider-vsphere/release/manager:v1.8.5-eks-a-57
  - kubeVersion: "1.27"
    clusterAPI:
      components:
        uri: BASE/artifacts/v0.18.5/cluster-api/manifests/cluster-api/v1.5.2/core-components.yaml
      controller:
        imageDigest: %[1]s
        uri: public.ecr.aws/release-container-registry/kubernetes-sigs/cluster-api/cluster-api-controller:v1.5.2-eks-a-57
    eksD:
      manifestUrl: BASE/kubernetes-1-27/kubernetes-1-27-eks-14.yaml
`, pushed[0].Digest, pushed[1].Digest, pushed[2].Digest, pushed[3].Digest, pushed[4].Digest)
	eksd := func(channel, number string) string {
		return `apiVersion: distro.eks.amazonaws.com/v1alpha1
kind: Release
metadata:
  name: kubernetes-` + channel + `-eks-` + number + `
status:
  components:
  - assets:
    - arch: [amd64, arm64]
      image:
        uri: public.ecr.aws/eks-distro/coredns/coredns:v1.10.1-eks-` + channel + `-` + number + `
      name: coredns-image
      type: Image
    - archive:
        sha256: ` + strings.Repeat("a", 64) + `
        uri: BASE/kubernetes-` + channel + `/releases/` + number + `/artifacts/coredns.tar.gz
      name: coredns.tar.gz
      type: Archive
    name: coredns
`
	}
	var mu sync.Mutex
	asked := map[string]int{}
	served := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body string
		switch p := r.URL.Path; {
		case p == "/releases/bundles/57/manifest.yaml":
			body = bundles
		case p == "/kubernetes-1-28/kubernetes-1-28-eks-8.yaml":
			body = eksd("1-28", "8")
		case p == "/kubernetes-1-27/kubernetes-1-27-eks-14.yaml":
			body = eksd("1-27", "14")
		case strings.HasPrefix(p, "/artifacts/") || strings.HasPrefix(p, "/crds/"):
			body = "# " + p + "\nkind: List\n"
		default:
			http.NotFound(w, r)
			return
		}
		b := []byte(strings.ReplaceAll(body, "BASE", "http://"+r.Host))
		mu.Lock()
		asked[r.URL.Path]++
		served[r.URL.Path] = b
		mu.Unlock()
		if r.Method == http.MethodGet {
			_, _ = w.Write(b)
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	raw, err := catalog.BuiltinFile("eks-anywhere.yaml")
	require.NoError(t, err)
	cat := writeFile(t, "eksa.yaml", strings.ReplaceAll(string(raw), "https://anywhere-assets.eks.amazonaws.com", srv.URL))
	common := []string{"--catalog", cat, "plan", "--target", "eks-anywhere", "--arch", "amd64", "--source-mirror", "public.ecr.aws=" + reg.Host, "--insecure-source", reg.Host}
	byRef := func(p plan.Plan) map[string]plan.Image {
		out := map[string]plan.Image{}
		for _, im := range p.Images {
			out[strings.TrimPrefix(im.Reference, ecr)] = im
		}
		return out
	}

	// Both Kubernetes versions and vSphere.
	p, code, stderr := planJSON(t, append(common, "--modules", "kubernetes-1-28,kubernetes-1-27,vsphere")...)
	require.Equal(t, 0, code, stderr)
	imgs := byRef(p)
	assert.Len(t, imgs, 4, "%v", imgs)
	assert.Equal(t, []string{"kubernetes-1-28"}, imgs["eks-distro/coredns/coredns:v1.10.1-eks-1-28-8"].Modules, "the EKS-D images go with their Kubernetes version")
	assert.Equal(t, []string{"kubernetes-1-27"}, imgs["eks-distro/coredns/coredns:v1.10.1-eks-1-27-14"].Modules)
	assert.Equal(t, pushed[5].Digest, imgs["eks-distro/coredns/coredns:v1.10.1-eks-1-28-8"].Digest)
	assert.Contains(t, imgs, "release-container-registry/kubernetes-sigs/cluster-api-provider-vsphere/release/manager:v1.8.5-eks-a-57")
	assert.NotContains(t, imgs, "release-container-registry/kubernetes-sigs/kind/node:v1.28.3-eks-d-1-28-8-eks-a-57", "the kind node image is the docker module's")

	files := map[string]plan.File{}
	for _, f := range p.Files {
		u, err := url.Parse(f.URL)
		require.NoError(t, err)
		files[u.Path] = f
		mu.Lock()
		sum := sha256.Sum256(served[u.Path])
		mu.Unlock()
		assert.Equal(t, hex.EncodeToString(sum[:]), f.SHA256, "%s is checked by the sha256 of what was served", f.URL)
		assert.Equal(t, int64(len(served[u.Path])), f.Size)
		assert.Equal(t, "eks-anywhere/"+host+u.Path, f.Name)
	}
	for _, want := range []string{
		"/releases/bundles/57/manifest.yaml",
		"/kubernetes-1-28/kubernetes-1-28-eks-8.yaml",
		"/kubernetes-1-27/kubernetes-1-27-eks-14.yaml",
		"/crds/releases.distro.eks.amazonaws.com-v1alpha1.yaml",
		"/artifacts/v0.18.5/cluster-api/manifests/cluster-api/v1.5.2/core-components.yaml",
		"/artifacts/v0.18.5/cluster-api/manifests/cluster-api/v1.5.2/metadata.yaml",
		"/artifacts/v0.18.5/cluster-api/manifests/infrastructure-vsphere/v1.8.5/infrastructure-components.yaml",
	} {
		assert.Contains(t, files, want)
	}
	assert.Len(t, files, 7, "no docker manifest, no EKS-D archive")
	assert.ElementsMatch(t, []string{"kubernetes-1-28", "kubernetes-1-27", "vsphere"}, files["/releases/bundles/57/manifest.yaml"].Modules)
	mu.Lock()
	assert.Equal(t, 1, asked["/releases/bundles/57/manifest.yaml"], "six entries read the Bundles manifest: it is fetched once")
	assert.Equal(t, 1, asked["/kubernetes-1-28/kubernetes-1-28-eks-8.yaml"])
	mu.Unlock()
	var notes []string
	for _, n := range p.Notes {
		notes = append(notes, n.Module+": "+n.Text)
	}
	assert.Contains(t, notes, "kubernetes-1-28: read 2 images, 5 manifests and 0 archives for Kubernetes 1.28 from "+srv.URL+
		"/releases/bundles/57/manifest.yaml (1 of the images from the EKS-D release http://"+host+"/kubernetes-1-28/kubernetes-1-28-eks-8.yaml)")

	// Docker: its provider's images, the kind node image and haproxy.
	p, code, stderr = planJSON(t, append(common, "--modules", "kubernetes-1-28,docker")...)
	require.Equal(t, 0, code, stderr)
	imgs = byRef(p)
	for _, ref := range []string{
		"release-container-registry/kubernetes-sigs/cluster-api/capd-manager:v1.5.2-eks-a-57",
		"release-container-registry/kubernetes-sigs/kind/node:v1.28.3-eks-d-1-28-8-eks-a-57",
		"release-container-registry/kubernetes-sigs/kind/haproxy:v0.20.0-eks-a-57",
	} {
		assert.Equal(t, []string{"docker"}, imgs[ref].Modules, ref)
	}

	// CloudStack: a placeholder, said so instead of "read 0 images".
	p, code, stderr = planJSON(t, append(common, "--modules", "kubernetes-1-28,cloudstack")...)
	require.Equal(t, 0, code, stderr)
	notes = nil
	for _, n := range p.Notes {
		if n.Module == "cloudstack" {
			notes = append(notes, n.Text)
		}
	}
	require.Len(t, notes, 1, "%v", notes)
	assert.Contains(t, notes[0], "cloudStack is only a placeholder in "+srv.URL+"/releases/bundles/57/manifest.yaml for Kubernetes 1.28")

	// The bundle carries the manifests laid out by URL, and the configure
	// steps' commands make a Bundles manifest naming only local files.
	out := t.TempDir()
	prep := append([]string{}, common...)
	prep[2] = "prepare"
	code, _, stderr = ferry(t, append(prep, "--cache", t.TempDir(), "--output", out, "--progress", "none", "--no-binary")...)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = ferry(t, "verify", out)
	require.Equal(t, 0, code, stderr)
	cfg := t.TempDir()
	code, _, stderr = ferry(t, "configure", "--bundle", out, "--registry", "registry.site:5000/mirror", "--platform", "eks-anywhere", "--output", cfg)
	require.Equal(t, 0, code, stderr)
	steps, err := os.ReadFile(filepath.Join(cfg, "eks-anywhere", "STEPS.md"))
	require.NoError(t, err)
	parts, err := filepath.Glob(filepath.Join(out, "*.part001"))
	require.NoError(t, err)
	require.Len(t, parts, 1)
	name := strings.TrimSuffix(filepath.Base(parts[0]), ".part001")
	var cmds []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(string(steps), -1) {
		if strings.HasPrefix(m[1], "cat ") || strings.HasPrefix(m[1], "sed ") {
			// The loopback server speaks plain HTTP where the real one
			// speaks HTTPS.
			c := strings.ReplaceAll(m[1], "BUNDLE", name)
			cmds = append(cmds, strings.Replace(c, "s#https://#", "s#http://#", 1))
		}
	}
	require.Len(t, cmds, 2, string(steps))
	for _, c := range cmds {
		cmd := exec.Command("sh", "-c", c)
		cmd.Dir = out
		o, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", c, o)
	}
	local, err := os.ReadFile(filepath.Join(out, "bundles-local.yaml"))
	require.NoError(t, err)
	assert.NotContains(t, string(local), "http://"+host, "every manifest it names is local")
	for _, m := range regexp.MustCompile(`(?m)(?:uri|components|manifestUrl): (/\S+)$`).FindAllStringSubmatch(string(local), -1) {
		if strings.Contains(m[1], "kubernetes-1-27") || strings.Contains(m[1], "infrastructure-docker") {
			continue // not chosen: Kubernetes 1.28 and vSphere are
		}
		assert.FileExists(t, m[1])
	}
	assert.Len(t, regexp.MustCompile(`(?m)(?:uri|components|manifestUrl): /`).FindAllString(string(local), -1), 8)
	assert.FileExists(t, filepath.Join(out, "files/eks-anywhere", host, "kubernetes-1-28/kubernetes-1-28-eks-8.yaml"))
}
