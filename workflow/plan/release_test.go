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

func TestReleaseComponentsNoteSaysWhatWasNotFound(t *testing.T) {
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
            components: [rhel-coreos, rhel-coreos-extensions, machine-config-operator, docker-builder]
`))
	require.NoError(t, err)
	d := "@sha256:" + strings.Repeat("1", 64)
	rel := fakeReleases{"quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64": {"quay.io/art/rhel-coreos" + d, "quay.io/art/machine-config-operator" + d}}
	p := &Planner{Catalog: cat, Images: &fakeImages{fail: map[string]error{}}, Releases: rel}
	pl, err := p.Plan(context.Background(), selection.Selection{Target: "ocp", Archs: []string{"amd64"}})
	require.ErrorIs(t, err, ErrIncomplete)
	require.Len(t, pl.Notes, 1)
	assert.Equal(t, "picked rhel-coreos, machine-config-operator from the 2 components of quay.io/openshift-release-dev/ocp-release:4.16.0-x86_64 (release-manifests/image-references); not found there, so not carried: rhel-coreos-extensions, docker-builder", pl.Notes[0].Text)
	assert.Len(t, pl.Errors, 2)
}

type fakeSignatures map[string]string

func (f fakeSignatures) Signature(_ context.Context, store, ref string) (*release.Signature, error) {
	d, ok := f[ref]
	if !ok {
		return nil, errors.New(ref + " has no signature")
	}
	return &release.Signature{Release: ref, Digest: d, URL: release.SignatureURL(store, d), Name: release.SignatureName(d), SHA256: strings.Repeat("a", 64), Size: 566}, nil
}

func TestReleaseSignaturesAreCarriedAsFiles(t *testing.T) {
	cat, err := catalog.Load(writeCatalog(t, `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: ocp
    title: OpenShift
    archs: [amd64, arm64]
    vars: {store: "https://store.example/sigs"}
    versions: [{version: 4.17.0}]
    modules:
      - name: release
        title: Release payload
        required: true
        signatures:
          - release: quay.io/openshift-release-dev/ocp-release:${version}-${uarch}
            store: ${store}
`))
	require.NoError(t, err)
	d1, d2 := "sha256:"+strings.Repeat("1", 64), "sha256:"+strings.Repeat("2", 64)
	sigs := fakeSignatures{"quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64": d1, "quay.io/openshift-release-dev/ocp-release:4.17.0-aarch64": d2}
	p := &Planner{Catalog: cat, Images: &fakeImages{fail: map[string]error{}}, Signatures: sigs}
	pl, err := p.Plan(context.Background(), selection.Selection{Target: "ocp", Archs: []string{"amd64", "arm64"}})
	require.NoError(t, err)
	require.Len(t, pl.Files, 2)
	byName := map[string]File{}
	for _, f := range pl.Files {
		byName[f.Name] = f
	}
	f, ok := byName["openshift-release-signatures/sha256="+strings.Repeat("2", 64)+"/signature-1"]
	require.True(t, ok, "the signature is named by the digest it signs")
	assert.Equal(t, "https://store.example/sigs/sha256="+strings.Repeat("2", 64)+"/signature-1", f.URL)
	assert.Equal(t, int64(566), f.Size)
	var notes []string
	for _, n := range pl.Notes {
		notes = append(notes, n.Text)
	}
	assert.Contains(t, strings.Join(notes, "\n"), "carried the signature of quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64 ("+d1+")")

	delete(sigs, "quay.io/openshift-release-dev/ocp-release:4.17.0-aarch64")
	pl, err = p.Plan(context.Background(), selection.Selection{Target: "ocp", Archs: []string{"amd64", "arm64"}})
	require.ErrorIs(t, err, ErrIncomplete)
	require.Len(t, pl.Errors, 1)
	assert.Equal(t, "signature", pl.Errors[0].Kind)
	assert.Len(t, pl.Files, 1)
}

type fakeHashes map[string]string

func (f fakeHashes) Hash(_ context.Context, url string) (string, int64, error) {
	s, ok := f[url]
	if !ok {
		return "", 0, errors.New(url + " does not exist (HTTP 404)")
	}
	return s, 1234, nil
}

func TestFileWithoutKnownSHA256IsHashedWhenPlanned(t *testing.T) {
	cat, err := catalog.Load(writeCatalog(t, `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: op
    title: Operator
    archs: [amd64]
    versions: [{version: 1.0.0}]
    modules:
      - name: operator
        title: Operator
        required: true
        files:
          - url: https://files.example/${version}/operator.yaml
            sha256: plan
`))
	require.NoError(t, err)
	sum := strings.Repeat("b", 64)
	p := &Planner{Catalog: cat, Images: &fakeImages{fail: map[string]error{}}, Hashes: fakeHashes{"https://files.example/1.0.0/operator.yaml": sum}}
	pl, err := p.Plan(context.Background(), selection.Selection{Target: "op", Archs: []string{"amd64"}})
	require.NoError(t, err)
	require.Len(t, pl.Files, 1)
	assert.Equal(t, sum, pl.Files[0].SHA256)
	assert.Equal(t, int64(1234), pl.Files[0].Size)
	assert.Equal(t, "operator.yaml", pl.Files[0].Name)
}
