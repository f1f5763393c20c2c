package mirrorconfig

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestOpenShiftWritesTheReleaseSignaturesConfigMap(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	sig := []byte("\x89\x02 signature bytes")
	in := Input{Registry: "registry.site:5000", Name: "openshift-4-17-0",
		Mirrors:           []Mirror{{Source: "quay.io/openshift-release-dev/ocp-release", Target: "registry.site:5000/openshift-release-dev/ocp-release"}},
		ReleaseSignatures: []ReleaseSignature{{Digest: d, Data: sig}}}
	r, err := Generate("openshift", in, Options{})
	require.NoError(t, err)
	var cm []byte
	for _, f := range r.Files {
		if f.Path == "openshift/release-signatures.yaml" {
			cm = f.Content
		}
	}
	require.NotNil(t, cm, "the ConfigMap is written")
	var got struct {
		APIVersion, Kind string
		Metadata         struct {
			Name, Namespace string
			Labels          map[string]string
		}
		BinaryData map[string]string `yaml:"binaryData"`
	}
	require.NoError(t, yaml.Unmarshal(cm, &got))
	assert.Equal(t, "ConfigMap", got.Kind)
	assert.Equal(t, "openshift-config-managed", got.Metadata.Namespace)
	assert.Contains(t, got.Metadata.Labels, "release.openshift.io/verification-signatures")
	assert.Equal(t, map[string]string{"sha256-" + strings.Repeat("ab", 32) + "-1": base64.StdEncoding.EncodeToString(sig)}, got.BinaryData)
	assert.Contains(t, strings.Join(r.Steps, "\n"), "oc apply -f openshift/release-signatures.yaml")

	// From a plan the content is not at hand: a warning says where it is.
	in.ReleaseSignatures, in.SignaturesUnread = nil, []string{d}
	r, err = Generate("openshift", in, Options{})
	require.NoError(t, err)
	for _, f := range r.Files {
		assert.NotEqual(t, "openshift/release-signatures.yaml", f.Path)
	}
	assert.Contains(t, strings.Join(r.Warnings, "\n"), "configure from the bundle itself")
}
