package plan

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/release"
	"ferry/targets/catalog"
	"ferry/workflow/selection"
)

type fakeReleases map[string][]string

// Components names each component after the last path segment of its
// image, "c1" for ".../c1@sha256:…".
func (f fakeReleases) Components(_ context.Context, ref string) ([]release.Component, error) {
	c, ok := f[ref]
	if !ok {
		return nil, errors.New(ref + " does not exist on quay.io: check the repository name and the tag")
	}
	var out []release.Component
	for _, im := range c {
		n, _, _ := strings.Cut(im[strings.LastIndex(im, "/")+1:], "@")
		out = append(out, release.Component{Name: n, Image: im})
	}
	return out, nil
}

func TestReleasePayloadsJoinThePlan(t *testing.T) {
	cat, err := catalog.Load(writeCatalog(t, `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: ocp
    title: OpenShift
    archs: [amd64, arm64]
    versions: [{version: 4.16.0}]
    modules:
      - name: release
        title: Release payload
        required: true
        releases: ["quay.io/openshift-release-dev/ocp-release:${version}-${uarch}"]
`))
	require.NoError(t, err)
	d := "@sha256:" + strings.Repeat("1", 64)
	rel := fakeReleases{
		"quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64":  {"quay.io/openshift-release-dev/ocp-v4.0-art-dev" + d, "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + strings.Repeat("2", 64)},
		"quay.io/openshift-release-dev/ocp-release:4.16.0-aarch64": {"quay.io/openshift-release-dev/ocp-v4.0-art-dev" + d},
	}
	imgs := &fakeImages{fail: map[string]error{}}
	p := &Planner{Catalog: cat, Images: imgs, Releases: rel}
	pl, err := p.Plan(context.Background(), selection.Selection{Target: "ocp", Archs: []string{"amd64", "arm64"}})
	require.NoError(t, err)
	var refs []string
	for _, im := range pl.Images {
		refs = append(refs, im.Reference)
		assert.Equal(t, []string{"release"}, im.Modules)
	}
	assert.ElementsMatch(t, []string{
		"quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64", "quay.io/openshift-release-dev/ocp-release:4.16.0-aarch64",
		"quay.io/openshift-release-dev/ocp-v4.0-art-dev" + d, "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + strings.Repeat("2", 64),
	}, refs, "a component in both payloads is carried once")
	require.Len(t, pl.Notes, 2)
	assert.Equal(t, "read 2 component images from quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64 (release-manifests/image-references)", pl.Notes[0].Text)

	// A payload that cannot be read is reported with the rest.
	delete(rel, "quay.io/openshift-release-dev/ocp-release:4.16.0-aarch64")
	pl, err = p.Plan(context.Background(), selection.Selection{Target: "ocp", Archs: []string{"amd64", "arm64"}})
	require.ErrorIs(t, err, ErrIncomplete)
	require.Len(t, pl.Errors, 1)
	assert.Equal(t, "release", pl.Errors[0].Kind)
	assert.Len(t, pl.Images, 3)
}

func TestReleaseComponentsPickByName(t *testing.T) {
	cat, err := catalog.Load(writeCatalog(t, `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: ocp
    title: OpenShift
    archs: [amd64]
    versions: [{version: 4.16.0}]
    modules:
      - name: layering
        title: On-cluster layering
        required: true
        releaseComponents:
          - release: quay.io/openshift-release-dev/ocp-release:${version}-${uarch}
            components: [rhel-coreos, machine-config-operator]
`))
	require.NoError(t, err)
	d := "@sha256:" + strings.Repeat("1", 64)
	rel := fakeReleases{"quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64": {
		"quay.io/art/rhel-coreos" + d, "quay.io/art/machine-config-operator" + d, "quay.io/art/console" + d,
	}}
	p := &Planner{Catalog: cat, Images: &fakeImages{fail: map[string]error{}}, Releases: rel}
	pl, err := p.Plan(context.Background(), selection.Selection{Target: "ocp", Archs: []string{"amd64"}})
	require.NoError(t, err)
	var refs []string
	for _, im := range pl.Images {
		refs = append(refs, im.Reference)
	}
	assert.Equal(t, []string{"quay.io/art/rhel-coreos" + d, "quay.io/art/machine-config-operator" + d}, refs, "only the named components, not the release image")
	require.Len(t, pl.Notes, 1)
	assert.Equal(t, "picked rhel-coreos, machine-config-operator from the 3 components of quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64 (release-manifests/image-references)", pl.Notes[0].Text)

	rel["quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64"] = []string{"quay.io/art/rhel-coreos" + d}
	pl, err = p.Plan(context.Background(), selection.Selection{Target: "ocp", Archs: []string{"amd64"}})
	require.ErrorIs(t, err, ErrIncomplete)
	require.Len(t, pl.Errors, 1)
	assert.Contains(t, pl.Errors[0].Message, `has no component "machine-config-operator"`)
}
