//go:build e2e

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"ferry/artifacts/bundle"
	"ferry/artifacts/registrytest"
)

// TestE2ESkopeoPullsThroughTheGeneratedMirrorConfig: a bundle whose images
// name a registry that does not exist here is imported into a site
// registry; skopeo, given only the generated registries.conf, copies every
// image by digest and by tag through the mirror.
func TestE2ESkopeoPullsThroughTheGeneratedMirrorConfig(t *testing.T) {
	skopeo, err := exec.LookPath("skopeo")
	require.NoError(t, err, "skopeo is needed: apt-get install skopeo")
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, demoImages()...)
	const upstream = "upstream.ferry.invalid"
	names := []string{"apache/demo-operator", "apache/demo-builder", "apache/demo-console"}
	list := ""
	for _, n := range names {
		list += upstream + "/" + n + ":1.0\n"
	}
	out := t.TempDir()
	code, _, stderr := ferry(t, "prepare", "--images", writeFile(t, "images.txt", list), "--arch", "amd64", "--arch", "arm64",
		"--source-mirror", upstream+"="+up.Host, "--insecure-source", up.Host, "--cache", t.TempDir(), "--output", out, "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)

	site := registrytest.StartDistribution(t)
	code, _, stderr = ferry(t, "import", out, "--registry", site.Host+"/mirror", "--insecure")
	require.Equal(t, 0, code, stderr)

	cfg := t.TempDir()
	code, stdout, stderr := ferry(t, "configure", "--bundle", out, "--registry", site.Host+"/mirror", "--insecure",
		"--platform", "crio,containerd,openshift", "--output", cfg)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "STEPS.md")
	assert.Contains(t, stderr, "plain-HTTP mirror")

	conf := filepath.Join(cfg, "crio/registries.conf.d/50-ferry-custom.conf")
	require.FileExists(t, conf)
	for i, n := range names {
		byDigest := "docker://" + upstream + "/" + n + "@" + pushed[i].Digest
		raw, err := exec.Command(skopeo, "--registries-conf", conf, "inspect", "--raw", "--no-tags", byDigest).CombinedOutput()
		require.NoError(t, err, string(raw))
		assert.Equal(t, pushed[i].Digest, bundle.Digest(raw), n)
		dst := "dir:" + t.TempDir()
		o, err := exec.Command(skopeo, "--registries-conf", conf, "copy", "--override-arch", "arm64", "--override-os", "linux", byDigest, dst).CombinedOutput()
		require.NoError(t, err, string(o))
		byTag := "docker://" + upstream + "/" + n + ":1.0"
		raw, err = exec.Command(skopeo, "--registries-conf", conf, "inspect", "--raw", "--no-tags", byTag).CombinedOutput()
		require.NoError(t, err, string(raw))
		assert.Equal(t, pushed[i].Digest, bundle.Digest(raw), n+" by tag")
	}

	// containerd and OpenShift files name every source.
	hosts, err := os.ReadFile(filepath.Join(cfg, "containerd/certs.d", upstream, "hosts.toml"))
	require.NoError(t, err)
	assert.Contains(t, string(hosts), `server = "http://`+site.Host+`"`)
	assert.Contains(t, string(hosts), `[host."http://`+site.Host+`/v2/mirror"]`)
	var idms struct {
		Spec struct {
			ImageDigestMirrors []struct {
				Source  string   `yaml:"source"`
				Mirrors []string `yaml:"mirrors"`
			} `yaml:"imageDigestMirrors"`
		} `yaml:"spec"`
	}
	data, err := os.ReadFile(filepath.Join(cfg, "openshift/imagedigestmirrorset.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &idms))
	var sources []string
	for _, m := range idms.Spec.ImageDigestMirrors {
		sources = append(sources, m.Source)
		assert.Equal(t, []string{site.Host + "/mirror/" + m.Source[len(upstream)+1:]}, m.Mirrors)
	}
	assert.ElementsMatch(t, []string{upstream + "/apache/demo-operator", upstream + "/apache/demo-builder", upstream + "/apache/demo-console"}, sources)
}
