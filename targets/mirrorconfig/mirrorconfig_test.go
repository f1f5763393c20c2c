package mirrorconfig

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const dgst = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func input() Input {
	return Input{
		Mirrors: []Mirror{
			{Source: "docker.io/apache/incubator-kie-sonataflow-operator", Target: "registry.site:5000/mirror/apache/incubator-kie-sonataflow-operator"},
			{Source: "gcr.io/kaniko-project/executor", Target: "registry.site:5000/mirror/kaniko-project/executor"},
		},
		DigestRefs: []string{"docker.io/apache/incubator-kie-sonataflow-operator@" + dgst, "gcr.io/kaniko-project/executor@" + dgst},
		Registry:   "registry.site:5000",
		MavenURL:   "https://nexus.site/repository/maven-public",
		Name:       "sonataflow-10-1-0",
	}
}

func file(t *testing.T, r *Result, path string) []byte {
	t.Helper()
	for _, f := range r.Files {
		if f.Path == path {
			return f.Content
		}
	}
	t.Fatalf("no file %s in %v", path, r.Files)
	return nil
}

func parseYAML(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, yaml.Unmarshal(b, &m), string(b))
	return m
}

func TestOpenShift(t *testing.T) {
	in := input()
	in.CAPEM = []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	r, err := Generate("openshift", in, Options{ICSP: true})
	require.NoError(t, err)
	idms := parseYAML(t, file(t, r, "openshift/imagedigestmirrorset.yaml"))
	assert.Equal(t, "ImageDigestMirrorSet", idms["kind"])
	assert.Equal(t, "config.openshift.io/v1", idms["apiVersion"])
	mirrors := idms["spec"].(map[string]any)["imageDigestMirrors"].([]any)
	require.Len(t, mirrors, 2)
	first := mirrors[0].(map[string]any)
	assert.Equal(t, "docker.io/apache/incubator-kie-sonataflow-operator", first["source"])
	assert.Equal(t, []any{"registry.site:5000/mirror/apache/incubator-kie-sonataflow-operator"}, first["mirrors"])
	assert.Equal(t, "NeverContactSource", first["mirrorSourcePolicy"])
	itms := parseYAML(t, file(t, r, "openshift/imagetagmirrorset.yaml"))
	assert.Len(t, itms["spec"].(map[string]any)["imageTagMirrors"], 2)
	icsp := parseYAML(t, file(t, r, "openshift/imagecontentsourcepolicy.yaml"))
	assert.Equal(t, "operator.openshift.io/v1alpha1", icsp["apiVersion"])
	assert.NotContains(t, icsp["spec"].(map[string]any)["repositoryDigestMirrors"].([]any)[0], "mirrorSourcePolicy")
	cm := parseYAML(t, file(t, r, "openshift/user-ca-bundle.yaml"))
	assert.Equal(t, "openshift-config", cm["metadata"].(map[string]any)["namespace"])
	assert.Equal(t, string(in.CAPEM), cm["data"].(map[string]any)["registry.site..5000"], "the key is host..port")
	assert.Contains(t, strings.Join(r.Steps, "\n"), `"additionalTrustedCA":{"name":"sonataflow-10-1-0-registry-ca"}`)
}

func TestRegistriesConfExact(t *testing.T) {
	in := input()
	in.Mirrors = in.Mirrors[:1]
	in.Insecure = true
	r, err := Generate("crio", in, Options{})
	require.NoError(t, err)
	assert.Equal(t, `# Written by ferry for sonataflow-10-1-0: pull these repositories from the site mirror.

[[registry]]
prefix = "docker.io/apache/incubator-kie-sonataflow-operator"
location = "docker.io/apache/incubator-kie-sonataflow-operator"

[[registry.mirror]]
location = "registry.site:5000/mirror/apache/incubator-kie-sonataflow-operator"
insecure = true
`, string(file(t, r, "crio/registries.conf.d/50-ferry-sonataflow-10-1-0.conf")))
	assert.NotEmpty(t, r.Warnings)
	p, err := Generate("podman", input(), Options{})
	require.NoError(t, err)
	assert.NotContains(t, string(file(t, p, "podman/registries.conf.d/50-ferry-sonataflow-10-1-0.conf")), "insecure")
}

func TestContainerd(t *testing.T) {
	in := input()
	in.CAPEM = []byte("pem")
	r, err := Generate("containerd", in, Options{})
	require.NoError(t, err)
	assert.Equal(t, `# Written by ferry: pull docker.io from the site mirror only.
server = "https://registry.site:5000"

[host."https://registry.site:5000/v2/mirror"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/etc/containerd/certs.d/docker.io/ca.crt"
`, string(file(t, r, "containerd/certs.d/docker.io/hosts.toml")))
	assert.Contains(t, string(file(t, r, "containerd/certs.d/gcr.io/hosts.toml")), `server = "https://registry.site:5000"`)
	assert.Contains(t, string(file(t, r, "containerd/config-snippet-1.x.toml")), `[plugins."io.containerd.grpc.v1.cri".registry]`)
	assert.Contains(t, string(file(t, r, "containerd/config-snippet-2.x.toml")), `[plugins."io.containerd.cri.v1.images".registry]`)

	// No prefix: the mirror host itself, no override_path.
	in = input()
	in.Mirrors = []Mirror{{Source: "quay.io/org/app", Target: "registry.site:5000/org/app"}}
	in.Insecure = true
	r, err = Generate("containerd", in, Options{})
	require.NoError(t, err)
	h := string(file(t, r, "containerd/certs.d/quay.io/hosts.toml"))
	assert.Contains(t, h, `[host."http://registry.site:5000"]`)
	assert.Contains(t, h, "skip_verify = true")
	assert.NotContains(t, h, "override_path")
}

func TestDockerEKSAMavenGradle(t *testing.T) {
	r, err := Generate("docker", input(), Options{})
	require.NoError(t, err)
	var d map[string][]string
	require.NoError(t, json.Unmarshal(file(t, r, "docker/daemon.json"), &d))
	assert.Equal(t, []string{"https://registry.site:5000"}, d["registry-mirrors"])
	assert.Contains(t, r.Warnings[0], "Docker mirrors only Docker Hub")
	assert.Contains(t, strings.Join(r.Steps, "\n"), "docker pull registry.site:5000/mirror/kaniko-project/executor:TAG")

	in := input()
	in.CAPEM = []byte("pem")
	r, err = Generate("eks-anywhere", in, Options{})
	require.NoError(t, err)
	e := parseYAML(t, file(t, r, "eks-anywhere/registry-mirror.yaml"))["registryMirrorConfiguration"].(map[string]any)
	assert.Equal(t, "registry.site", e["endpoint"])
	assert.Equal(t, "5000", e["port"])
	assert.Equal(t, "pem", e["caCertContent"])
	assert.Equal(t, []any{map[string]any{"registry": "docker.io", "namespace": "mirror"}, map[string]any{"registry": "gcr.io", "namespace": "mirror"}}, e["ociNamespaces"])

	r, err = Generate("maven", input(), Options{})
	require.NoError(t, err)
	var s settings
	require.NoError(t, xml.Unmarshal(file(t, r, "maven/settings.xml"), &s))
	assert.Equal(t, "*", s.Mirrors.Mirror[0].MirrorOf)
	assert.Equal(t, "https://nexus.site/repository/maven-public", s.Mirrors.Mirror[0].URL)
	assert.Equal(t, s.Mirrors.Mirror[0].ID, s.Servers.Server[0].ID)
	assert.Equal(t, "REPLACE_WITH_PASSWORD", s.Servers.Server[0].Password)

	r, err = Generate("gradle", input(), Options{})
	require.NoError(t, err)
	assert.Contains(t, string(file(t, r, "gradle/init.d/ferry-mirror.gradle")), "url = uri('https://nexus.site/repository/maven-public')")
	in = input()
	in.MavenURL = ""
	_, err = Generate("maven", in, Options{})
	assert.EqualError(t, err, "maven needs the site's Maven repository: give --maven-url")
}

func TestRegistryLess(t *testing.T) {
	r, err := Generate("registry-less", input(), Options{})
	require.NoError(t, err)
	conf := string(file(t, r, "registry-less/99-ferry-pinned-images.conf"))
	assert.Contains(t, conf, `"gcr.io/kaniko-project/executor@`+dgst+`"`)
	mc := parseYAML(t, file(t, r, "registry-less/machineconfig.yaml"))
	f := mc["spec"].(map[string]any)["config"].(map[string]any)["storage"].(map[string]any)["files"].([]any)[0].(map[string]any)
	assert.Equal(t, "/etc/crio/crio.conf.d/99-ferry-pinned-images.conf", f["path"])
	src := f["contents"].(map[string]any)["source"].(string)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:text/plain;charset=utf-8;base64,"))
	require.NoError(t, err)
	assert.Equal(t, conf, string(raw))
	pis := parseYAML(t, file(t, r, "registry-less/pinnedimageset.yaml"))
	assert.Equal(t, "PinnedImageSet", pis["kind"])
	assert.Len(t, pis["spec"].(map[string]any)["pinnedImages"], 2)
}

func TestUnknownPlatformAndWrite(t *testing.T) {
	_, err := Generate("nomad", input(), Options{})
	assert.EqualError(t, err, `there is no platform "nomad": choose one of openshift, crio, podman, containerd, docker, eks-anywhere, maven, gradle, registry-less`)
	_, err = Generate("crio", Input{}, Options{})
	assert.Error(t, err)

	dir := t.TempDir()
	r, err := Generate("crio", input(), Options{})
	require.NoError(t, err)
	require.NoError(t, Write(dir, r))
	assert.FileExists(t, filepath.Join(dir, "crio/registries.conf.d/50-ferry-sonataflow-10-1-0.conf"))
	steps, err := os.ReadFile(filepath.Join(dir, "crio/STEPS.md"))
	require.NoError(t, err)
	assert.Contains(t, string(steps), "1. On every host, copy crio/registries.conf.d/50-ferry-sonataflow-10-1-0.conf")
}
