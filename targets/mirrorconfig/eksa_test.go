package mirrorconfig

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestEKSAnywhereStepsMakeTheBundlesManifestLocal runs the steps' own
// commands with sh, tar and sed on a split bundle shaped like one of the
// eks-anywhere target: the Bundles manifest they give --bundles-override
// names only files that exist.
func TestEKSAnywhereStepsMakeTheBundlesManifestLocal(t *testing.T) {
	for _, tool := range []string{"sh", "tar", "sed", "cat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	const host = "assets.example"
	bundles := "kind: Bundles\nspec:\n  versionsBundles:\n  - kubeVersion: \"1.28\"\n" +
		"    clusterAPI:\n      components:\n        uri: https://" + host + "/artifacts/capi/core-components.yaml\n" +
		"      controller:\n        uri: public.ecr.aws/release/capi:v1\n" +
		"    eksD:\n      manifestUrl: https://distro.example/kubernetes-1-28/kubernetes-1-28-eks-8.yaml\n"
	entries := map[string]string{
		"ferry-bundle.json": "{}",
		"files/eks-anywhere/" + host + "/releases/bundles/7/manifest.yaml":             bundles,
		"files/eks-anywhere/" + host + "/artifacts/capi/core-components.yaml":          "kind: List\n",
		"files/eks-anywhere/distro.example/kubernetes-1-28/kubernetes-1-28-eks-8.yaml": "kind: Release\n",
		"files/tool.tar.gz": "tool",
		"SHA256SUMS":        "",
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{"ferry-bundle.json", "files/eks-anywhere/" + host + "/artifacts/capi/core-components.yaml",
		"files/eks-anywhere/" + host + "/releases/bundles/7/manifest.yaml", "files/eks-anywhere/distro.example/kubernetes-1-28/kubernetes-1-28-eks-8.yaml",
		"files/tool.tar.gz", "SHA256SUMS"} {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(entries[name])), Format: tar.FormatPAX}))
		_, err := tw.Write([]byte(entries[name]))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	dir := t.TempDir()
	half := buf.Len() / 2
	require.NoError(t, os.WriteFile(filepath.Join(dir, "eks-anywhere-v0.18.5.part001"), buf.Bytes()[:half], 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "eks-anywhere-v0.18.5.part002"), buf.Bytes()[half:], 0o644))

	r := generate(t, "eks-anywhere", with(func(*Input) {}), Options{})
	var cmds []string
	for _, s := range r.Steps {
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(s, -1) {
			if strings.HasPrefix(m[1], "cat ") || strings.HasPrefix(m[1], "sed ") {
				cmds = append(cmds, strings.ReplaceAll(m[1], "BUNDLE", "eks-anywhere-v0.18.5"))
			}
		}
	}
	require.Len(t, cmds, 2, "the steps say how to take the manifests out and make them local")
	for _, c := range cmds {
		cmd := exec.Command("sh", "-c", c)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", c, out)
	}
	local, err := os.ReadFile(filepath.Join(dir, "bundles-local.yaml"))
	require.NoError(t, err)
	var doc struct {
		Spec struct {
			VersionsBundles []struct {
				ClusterAPI struct {
					Components struct{ URI string }
					Controller struct{ URI string }
				} `yaml:"clusterAPI"`
				EksD struct {
					ManifestURL string `yaml:"manifestUrl"`
				} `yaml:"eksD"`
			} `yaml:"versionsBundles"`
		}
	}
	require.NoError(t, yaml.Unmarshal(local, &doc))
	vb := doc.Spec.VersionsBundles[0]
	assert.Equal(t, "public.ecr.aws/release/capi:v1", vb.ClusterAPI.Controller.URI, "image references stay")
	for _, p := range []string{vb.ClusterAPI.Components.URI, vb.EksD.ManifestURL} {
		assert.True(t, filepath.IsAbs(p), p)
		_, err := os.Stat(p)
		assert.NoError(t, err, "the local manifest names a file that exists")
	}
	assert.Contains(t, strings.Join(r.Steps, "\n"), "--bundles-override bundles-local.yaml")
	_, err = os.Stat(filepath.Join(dir, "files/tool.tar.gz"))
	assert.True(t, os.IsNotExist(err), "only the EKS Anywhere manifests are taken out")
}
