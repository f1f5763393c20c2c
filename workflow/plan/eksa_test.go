package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/eksa"
	"ferry/targets/catalog"
	"ferry/workflow/selection"
)

// fakeBundles answers by the first section a reference includes.
type fakeBundles map[string]*eksa.Contents

func (f fakeBundles) Read(_ context.Context, ref catalog.BundlesRef) (*eksa.Contents, error) {
	key := "core"
	if len(ref.Include) > 0 {
		key = ref.Include[0]
	}
	return f[key], nil
}

func TestBundlesCarryManifestsAndWarnOfPlaceholders(t *testing.T) {
	cat, err := catalog.Load(writeCatalog(t, `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: eksa
    title: EKS Anywhere
    archs: [amd64]
    versions: [{version: v1}]
    modules:
      - name: kubernetes
        title: Kubernetes
        required: true
        bundles: [{url: "https://assets.example/bundles/7/manifest.yaml", kubeVersion: "1.28", exclude: [cloudStack]}]
      - name: cloudstack
        title: CloudStack
        bundles: [{url: "https://assets.example/bundles/7/manifest.yaml", kubeVersion: "1.28", include: [cloudStack]}]
`))
	require.NoError(t, err)
	self := eksa.File{URL: "https://assets.example/bundles/7/manifest.yaml", SHA256: strings.Repeat("a", 64), Name: "eks-anywhere/assets.example/bundles/7/manifest.yaml", Size: 123}
	comp := eksa.File{URL: "https://assets.example/capi/core-components.yaml", SHA256: strings.Repeat("b", 64), Name: "eks-anywhere/assets.example/capi/core-components.yaml", Size: 45}
	bun := fakeBundles{
		"core": {
			Images:    []eksa.Image{{URI: "example.test/capi:v1", Digest: "sha256:idx-example.test/capi:v1"}, {URI: "example.test/eks-distro/coredns:v1"}},
			Manifests: []eksa.File{self, comp}, EKSD: "https://distro.example/kubernetes-1-28-eks-8.yaml", EKSDImages: 1,
		},
		"cloudStack": {Manifests: []eksa.File{self}, Placeholders: []string{"cloudStack"}},
	}
	p := &Planner{Catalog: cat, Images: &fakeImages{fail: map[string]error{}}, Files: fakeFiles{}, Bundles: bun}
	pl, err := p.Plan(context.Background(), selection.Selection{Target: "eksa", Archs: []string{"amd64"}, Modules: []string{"kubernetes", "cloudstack"}})
	require.NoError(t, err)
	assert.Len(t, pl.Images, 2, "an image the manifest pins no digest for is carried by its tag")
	require.Len(t, pl.Files, 2)
	assert.Equal(t, File{Name: self.Name, URL: self.URL, SHA256: self.SHA256, Size: 123, Modules: []string{"kubernetes", "cloudstack"}}, pl.Files[0])
	assert.Equal(t, int64(45), pl.Files[1].Size, "the size read at plan time, not asked again")
	var notes []string
	for _, n := range pl.Notes {
		notes = append(notes, n.Module+": "+n.Text)
	}
	assert.Equal(t, []string{
		"kubernetes: read 2 images, 2 manifests and 0 archives for Kubernetes 1.28 from https://assets.example/bundles/7/manifest.yaml (1 of the images from the EKS-D release https://distro.example/kubernetes-1-28-eks-8.yaml)",
		"cloudstack: cloudStack is only a placeholder in https://assets.example/bundles/7/manifest.yaml for Kubernetes 1.28 (its URIs are <placeholder>): the release does not ship it, so nothing of it is carried",
	}, notes)
}
