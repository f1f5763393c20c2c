package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// needsOf selects modules of a built-in target and gathers what they need.
func needsOf(t *testing.T, target, version string, archs, modules []string) (images []string, files []File, sigs []ReleaseSignatures, comps []ReleaseComponents) {
	t.Helper()
	c, err := Builtin()
	require.NoError(t, err)
	tg, err := c.Target(target)
	require.NoError(t, err)
	s, err := tg.Select(Choice{Version: version, Archs: archs, Modules: modules})
	require.NoError(t, err)
	for _, n := range s.Needs {
		images = append(images, n.Images...)
		files = append(files, n.Files...)
		sigs = append(sigs, n.Signatures...)
		comps = append(comps, n.ReleaseComponents...)
	}
	return images, files, sigs, comps
}

func TestSonataFlowCarriesWhatTheOperatorDeploymentRuns(t *testing.T) {
	images, files, _, _ := needsOf(t, "sonataflow", "10.1.0", []string{"amd64"}, []string{"operator", "db-migrator"})
	assert.Contains(t, images, "docker.io/apache/incubator-kie-sonataflow-operator:10.1.0")
	assert.Contains(t, images, "gcr.io/kubebuilder/kube-rbac-proxy:v0.13.1", "the Deployment's sidecar")
	assert.Contains(t, images, "docker.io/apache/kie-kogito-db-migrator-tool:10.1.0", "the name the operator's own config gives")
	require.Len(t, files, 1)
	assert.Equal(t, "https://raw.githubusercontent.com/apache/incubator-kie-tools/refs/tags/10.1.0/packages/sonataflow-operator/operator.yaml", files[0].URL)
	assert.Equal(t, SHA256AtPlan, files[0].SHA256, "no source gives its sha256: the plan records it")
	assert.Equal(t, "sonataflow/operator.yaml", files[0].Name)
}

func TestOpenShiftLayeringPerVersion(t *testing.T) {
	images, _, _, comps := needsOf(t, "openshift", "4.16.0", []string{"amd64"}, []string{"on-cluster-layering"})
	assert.Equal(t, []string{"quay.io/buildah/stable:latest"}, images, "4.16's build pod runs Buildah's image")
	require.Len(t, comps, 1)
	assert.Equal(t, []string{"rhel-coreos", "rhel-coreos-extensions"}, comps[0].Components)

	images, _, _, comps = needsOf(t, "openshift", "4.17.0", []string{"amd64"}, []string{"on-cluster-layering"})
	assert.Empty(t, images)
	require.Len(t, comps, 1)
	assert.Equal(t, []string{"rhel-coreos", "rhel-coreos-extensions", "machine-config-operator"}, comps[0].Components, "4.17's build runs in the MCO image; no docker-builder")

	_, _, sigs, _ := needsOf(t, "openshift", "4.17.0", []string{"amd64", "arm64"}, []string{"release"})
	assert.Equal(t, []ReleaseSignatures{
		{Release: "quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64", Store: "https://mirror.openshift.com/pub/openshift-v4/signatures/openshift/release", Line: sigs[0].Line},
		{Release: "quay.io/openshift-release-dev/ocp-release:4.17.0-aarch64", Store: "https://mirror.openshift.com/pub/openshift-v4/signatures/openshift/release", Line: sigs[1].Line},
	}, sigs)
}
