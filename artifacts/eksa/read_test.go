package eksa

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"ferry/targets/catalog"
)

// fixtures serves testdata's Bundles and EKS-D release manifests and a
// made-up body for every component manifest, counting requests per path.
type fixtures struct {
	srv   *httptest.Server
	mu    sync.Mutex
	asked map[string]int
	// broken paths answer 404.
	broken map[string]bool
}

func serveFixtures(t *testing.T) *fixtures {
	t.Helper()
	f := &fixtures{asked: map[string]int{}, broken: map[string]bool{}}
	read := func(name string) string {
		b, err := os.ReadFile("testdata/" + name)
		require.NoError(t, err)
		return string(b)
	}
	bundles, eksd28, eksd27 := read("bundles.yaml"), read("eksd-1-28.yaml"), read("eksd-1-27.yaml")
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.asked[r.URL.Path]++
		broken := f.broken[r.URL.Path]
		f.mu.Unlock()
		base := "http://" + r.Host
		switch {
		case broken:
			http.NotFound(w, r)
		case r.URL.Path == "/releases/bundles/7/manifest.yaml":
			_, _ = w.Write([]byte(strings.ReplaceAll(bundles, "BASE", base)))
		case r.URL.Path == "/kubernetes-1-28/kubernetes-1-28-eks-8.yaml":
			_, _ = w.Write([]byte(strings.ReplaceAll(eksd28, "BASE", base)))
		case r.URL.Path == "/kubernetes-1-27/kubernetes-1-27-eks-14.yaml":
			_, _ = w.Write([]byte(strings.ReplaceAll(eksd27, "BASE", base)))
		case strings.HasPrefix(r.URL.Path, "/artifacts/") || strings.HasPrefix(r.URL.Path, "/crds/"):
			_, _ = w.Write(body(r.URL.Path))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// body is a component manifest's made-up content.
func body(p string) []byte { return []byte("# manifest " + p + "\nkind: List\n") }

func (f *fixtures) url() string { return f.srv.URL + "/releases/bundles/7/manifest.yaml" }

func (f *fixtures) host() string {
	u, _ := url.Parse(f.srv.URL)
	return u.Host
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// The sections the built-in catalog gives each module.
var (
	coreExclude   = []string{"vSphere", "tinkerbell", "cloudStack", "nutanix", "docker", "snow", "haproxy", "kindnetd", "eksD.kindNode"}
	dockerInclude = []string{"docker", "haproxy", "kindnetd", "eksD.kindNode"}
)

func uris(imgs []Image) []string {
	var out []string
	for _, im := range imgs {
		out = append(out, im.URI)
	}
	return out
}

func TestReadCarriesTheEKSDReleaseAndTheManifests(t *testing.T) {
	f := serveFixtures(t)
	c, err := (&Reader{}).Read(context.Background(), catalog.BundlesRef{URL: f.url(), KubeVersion: "1.28", Exclude: coreExclude})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"example.test/release/cluster-api/kubeadm-bootstrap-controller:v1.5.2-eks-a-7",
		"example.test/release/cert-manager/cert-manager-controller:v1.13.0-eks-a-7",
		"example.test/release/cluster-api/cluster-api-controller:v1.5.2-eks-a-7",
		"example.test/eks-distro/coredns/coredns:v1.10.1-eks-1-28-8",
		"example.test/eks-distro/kubernetes/kube-apiserver:v1.28.3-eks-1-28-8",
	}, uris(c.Images))
	assert.Equal(t, "sha256:"+strings.Repeat("1", 64), c.Images[0].Digest)
	assert.Empty(t, c.Images[3].Digest, "EKS-D pins no digest")
	assert.Equal(t, f.srv.URL+"/kubernetes-1-28/kubernetes-1-28-eks-8.yaml", c.EKSD)
	assert.Equal(t, 2, c.EKSDImages)
	assert.Empty(t, c.Archives)
	assert.Empty(t, c.Placeholders, "cloudStack is not chosen")

	var paths []string
	for _, m := range c.Manifests {
		u, err := url.Parse(m.URL)
		require.NoError(t, err)
		paths = append(paths, u.Path)
		assert.Equal(t, "eks-anywhere/"+f.host()+u.Path, m.Name, "laid out by URL")
	}
	assert.Equal(t, []string{
		"/releases/bundles/7/manifest.yaml",
		"/artifacts/v7/cluster-api/manifests/bootstrap-kubeadm/v1.5.2/bootstrap-components.yaml",
		"/artifacts/v7/cluster-api/manifests/bootstrap-kubeadm/v1.5.2/metadata.yaml",
		"/artifacts/v7/cert-manager/manifests/v1.13.0/cert-manager.yaml",
		"/artifacts/v7/cluster-api/manifests/cluster-api/v1.5.2/core-components.yaml",
		"/artifacts/v7/cluster-api/manifests/cluster-api/v1.5.2/metadata.yaml",
		"/crds/releases.distro.eks.amazonaws.com-v1alpha1.yaml",
		"/kubernetes-1-28/kubernetes-1-28-eks-8.yaml",
	}, paths)
	b := body("/artifacts/v7/cluster-api/manifests/cluster-api/v1.5.2/core-components.yaml")
	assert.Equal(t, sum(b), c.Manifests[4].SHA256, "the sha256 of what was read")
	assert.Equal(t, int64(len(b)), c.Manifests[4].Size)
}

func TestReadGivesTheDockerProviderItsImages(t *testing.T) {
	f := serveFixtures(t)
	r := &Reader{}
	c, err := r.Read(context.Background(), catalog.BundlesRef{URL: f.url(), KubeVersion: "1.28", Include: dockerInclude})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"example.test/release/cluster-api/capd-manager:v1.5.2-eks-a-7",
		"example.test/release/kind/node:v1.28.3-eks-d-1-28-8-eks-a-7",
		"example.test/release/kind/haproxy:v0.20.0-eks-a-7",
	}, uris(c.Images))
	assert.Empty(t, c.EKSD, "the EKS-D release goes with the Kubernetes version")
	require.Len(t, c.Manifests, 5)
	assert.Contains(t, c.Manifests[4].URL, "/kindnetd/v0.20.0/kindnetd.yaml")

	core, err := r.Read(context.Background(), catalog.BundlesRef{URL: f.url(), KubeVersion: "1.28", Exclude: coreExclude})
	require.NoError(t, err)
	for _, im := range uris(core.Images) {
		assert.NotContains(t, im, "/kind/", "the kind node image and haproxy are not core")
	}
}

func TestReadNamesPlaceholderSections(t *testing.T) {
	f := serveFixtures(t)
	c, err := (&Reader{}).Read(context.Background(), catalog.BundlesRef{URL: f.url(), KubeVersion: "1.28", Include: []string{"cloudStack"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"cloudStack"}, c.Placeholders)
	assert.Empty(t, c.Images)
	require.Len(t, c.Manifests, 1, "only the Bundles manifest")

	c, err = (&Reader{}).Read(context.Background(), catalog.BundlesRef{URL: f.url(), KubeVersion: "1.27"})
	require.NoError(t, err)
	assert.Equal(t, []string{"cloudStack"}, c.Placeholders, "every section chosen: only the placeholder one is named")
	assert.Contains(t, uris(c.Images), "example.test/eks-distro/coredns/coredns:v1.10.1-eks-1-27-14")
}

func TestReadArchivesLeaveTheEKSDReleaseAlone(t *testing.T) {
	f := serveFixtures(t)
	c, err := (&Reader{}).Read(context.Background(), catalog.BundlesRef{URL: f.url(), KubeVersion: "1.28",
		Include: []string{"eksD"}, Exclude: []string{"eksD.kindNode", "eksD.manifestUrl", "eksD.components"}, Archives: true})
	require.NoError(t, err)
	assert.Empty(t, c.Images)
	assert.Empty(t, c.EKSD)
	require.Len(t, c.Archives, 1)
	assert.Regexp(t, `^eks-anywhere/[^/]+/(.+/)?containerd-linux-amd64\.tar\.gz$`, c.Archives[0].Name, "archives are named by URL, as manifests are")
	assert.Len(t, c.Manifests, 1)
}

// TestReadFetchesEachManifestOnce reads what every module of a plan asks,
// at once, through one Reader: each URL is asked for once.
func TestReadFetchesEachManifestOnce(t *testing.T) {
	f := serveFixtures(t)
	r := &Reader{}
	var refs []catalog.BundlesRef
	for _, kv := range []string{"1.28", "1.27"} {
		refs = append(refs,
			catalog.BundlesRef{URL: f.url(), KubeVersion: kv, Exclude: coreExclude},
			catalog.BundlesRef{URL: f.url(), KubeVersion: kv, Include: dockerInclude},
			catalog.BundlesRef{URL: f.url(), KubeVersion: kv, Include: []string{"vSphere"}},
			catalog.BundlesRef{URL: f.url(), KubeVersion: kv, Include: []string{"cloudStack"}},
			catalog.BundlesRef{URL: f.url(), KubeVersion: kv, Include: []string{"eksD"}, Archives: true},
		)
	}
	var g errgroup.Group
	for _, ref := range refs {
		g.Go(func() error {
			_, err := r.Read(context.Background(), ref)
			return err
		})
	}
	require.NoError(t, g.Wait())
	f.mu.Lock()
	assert.Equal(t, 1, f.asked["/releases/bundles/7/manifest.yaml"])
	assert.Equal(t, 1, f.asked["/kubernetes-1-28/kubernetes-1-28-eks-8.yaml"])
	assert.Equal(t, 1, f.asked["/kubernetes-1-27/kubernetes-1-27-eks-14.yaml"])
	assert.Greater(t, len(f.asked), 10)
	for p, n := range f.asked {
		assert.Equal(t, 1, n, p)
	}
	f.mu.Unlock()

	// A new Reader, for a new plan, asks again.
	_, err := (&Reader{}).Read(context.Background(), refs[0])
	require.NoError(t, err)
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Equal(t, 2, f.asked["/releases/bundles/7/manifest.yaml"])
}

func TestReadErrorsNameTheManifest(t *testing.T) {
	f := serveFixtures(t)
	f.broken["/artifacts/v7/cluster-api/manifests/cluster-api/v1.5.2/metadata.yaml"] = true
	_, err := (&Reader{}).Read(context.Background(), catalog.BundlesRef{URL: f.url(), KubeVersion: "1.28", Exclude: coreExclude})
	assert.EqualError(t, err, "the manifest "+f.srv.URL+"/artifacts/v7/cluster-api/manifests/cluster-api/v1.5.2/metadata.yaml (named for Kubernetes 1.28 by "+f.url()+") answered HTTP 404: check the URL")

	f = serveFixtures(t)
	f.broken["/kubernetes-1-27/kubernetes-1-27-eks-14.yaml"] = true
	_, err = (&Reader{}).Read(context.Background(), catalog.BundlesRef{URL: f.url(), KubeVersion: "1.27"})
	assert.ErrorContains(t, err, "kubernetes-1-27-eks-14.yaml (named for Kubernetes 1.27")

	_, err = ParseEKSD("r.yaml", []byte("apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Bundles\n"))
	assert.EqualError(t, err, "r.yaml is not an EKS-D release manifest")
}

func TestManifestName(t *testing.T) {
	for in, want := range map[string]string{
		"https://anywhere-assets.eks.amazonaws.com/releases/bundles/57/manifest.yaml": "eks-anywhere/anywhere-assets.eks.amazonaws.com/releases/bundles/57/manifest.yaml",
		"http://127.0.0.1:8080//a/./b/../c.yaml?x=1":                                  "eks-anywhere/127.0.0.1:8080/a/c.yaml",
	} {
		got, err := ManifestName(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"file:///etc/passwd", "https://host/", "not a url"} {
		_, err := ManifestName(bad)
		assert.Error(t, err, bad)
	}
}
