package mirrorconfig

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const dgst = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func input() Input {
	return Input{
		Mirrors: []Mirror{
			{Source: "docker.io/apache/incubator-kie-sonataflow-operator", Target: "registry.site:5000/mirror/apache/incubator-kie-sonataflow-operator"},
			{Source: "gcr.io/kaniko-project/executor", Target: "registry.site:5000/mirror/kaniko-project/executor"},
		},
		Images:     []string{"gcr.io/kaniko-project/executor:v1.9.0", "docker.io/apache/incubator-kie-sonataflow-operator:10.1.0"},
		DigestRefs: []string{"gcr.io/kaniko-project/executor@" + dgst, "docker.io/apache/incubator-kie-sonataflow-operator@" + dgst},
		Registry:   "registry.site:5000",
		MavenURL:   "https://nexus.site/repository/maven-public",
		Name:       "sonataflow-10-1-0",
	}
}

func with(f func(*Input)) Input {
	in := input()
	f(&in)
	return in
}

func generate(t *testing.T, platform string, in Input, opts Options) *Result {
	t.Helper()
	r, err := Generate(platform, in, opts)
	require.NoError(t, err)
	require.Equal(t, platform, r.Platform)
	return r
}

func file(t *testing.T, r *Result, path string) []byte {
	t.Helper()
	for _, f := range r.Files {
		if f.Path == path {
			return f.Content
		}
	}
	t.Fatalf("no file %s in %v", path, paths(r))
	return nil
}

func paths(r *Result) []string {
	var out []string
	for _, f := range r.Files {
		out = append(out, f.Path)
	}
	return out
}

func parseYAML(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, yaml.Unmarshal(b, &m), string(b))
	return m
}

// at walks a parsed YAML or JSON document by map keys and list indexes.
func at(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "%v is not a map at %q", v, k)
			v, ok = m[k]
			require.True(t, ok, "no key %q in %v", k, m)
		case int:
			l, ok := v.([]any)
			require.True(t, ok, "%v is not a list", v)
			require.Less(t, k, len(l))
			v = l[k]
		}
	}
	return v
}

// tomlKeys is a tiny reader for the flat TOML ferry writes: it returns, for
// each table header (or "" for the top), the key = value lines under it, in
// order, one entry per table occurrence. A multi-line array's lines are
// joined without spaces.
func tomlKeys(t *testing.T, text string) map[string][]map[string]string {
	t.Helper()
	out := map[string][]map[string]string{"": {{}}}
	cur := out[""][0]
	open := "" // the key of a multi-line array being read
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case open != "":
			cur[open] += line
			if line == "]" {
				open = ""
			}
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			cur = map[string]string{}
			out[line] = append(out[line], cur)
		default:
			k, v, ok := strings.Cut(line, " = ")
			require.True(t, ok, "not a key = value line: %q", line)
			cur[k] = v
			if v == "[" {
				open = k
			}
		}
	}
	return out
}

func TestUnknownPlatform(t *testing.T) {
	_, err := Generate("nomad", input(), Options{})
	assert.EqualError(t, err, `there is no platform "nomad": choose one of openshift, crio, podman, containerd, docker, eks-anywhere, maven, gradle, registry-less`)
	_, err = Generate("", Input{}, Options{})
	assert.ErrorContains(t, err, "there is no platform")
}

func TestInputErrors(t *testing.T) {
	for _, tc := range []struct {
		platform string
		in       Input
		want     string
	}{
		{"crio", Input{}, "crio needs the mirror registry (the registry address) and a bundle or plan with images"},
		{"containerd", with(func(in *Input) { in.Registry = "" }), "containerd needs the mirror registry"},
		{"maven", with(func(in *Input) { in.MavenURL = "" }), "maven needs the site's Maven repository: give it with the Maven repository URL setting"},
		{"gradle", with(func(in *Input) { in.MavenURL = "" }), "gradle needs the site's Maven repository: give it with the Maven repository URL setting"},
		{"registry-less", with(func(in *Input) { in.DigestRefs = nil }), "registry-less needs a bundle or plan with images"},
		{"openshift", with(func(in *Input) { in.Name = "Not_DNS" }), `the name "Not_DNS" cannot name resources`},
	} {
		t.Run(tc.platform, func(t *testing.T) {
			_, err := Generate(tc.platform, tc.in, Options{})
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestEveryPlatformIsDeterministicAndParses(t *testing.T) {
	for _, p := range Platforms {
		t.Run(p, func(t *testing.T) {
			in := with(func(in *Input) { in.CAPEM = []byte(pem); in.CAFile = "/tmp/ca.pem" })
			a := generate(t, p, in, Options{ICSP: true})
			// Reversed input lists give the same output.
			rev := in
			rev.Mirrors = []Mirror{in.Mirrors[1], in.Mirrors[0]}
			rev.Images = []string{in.Images[1], in.Images[0]}
			rev.DigestRefs = []string{in.DigestRefs[1], in.DigestRefs[0]}
			b := generate(t, p, rev, Options{ICSP: true})
			assert.Equal(t, a, b)
			assert.NotEmpty(t, a.Steps)
			for _, f := range a.Files {
				assert.NotEmpty(t, f.Content, f.Path)
				assert.True(t, strings.HasPrefix(f.Path, p+"/"), f.Path)
				if strings.HasSuffix(f.Path, ".yaml") {
					parseYAML(t, f.Content)
				}
				if strings.HasSuffix(f.Path, ".toml") || strings.HasSuffix(f.Path, ".conf") {
					tomlKeys(t, string(f.Content))
				}
				assert.Contains(t, strings.Join(a.Steps, "\n"), strings.SplitN(f.Path, "/", 3)[0]+"/", "the steps name the files")
			}
		})
	}
}

func TestOpenShift(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    Input
		opts  Options
		files []string
	}{
		{"plain", input(), Options{}, []string{"openshift/imagedigestmirrorset.yaml", "openshift/imagetagmirrorset.yaml"}},
		{"icsp", input(), Options{ICSP: true}, []string{"openshift/imagedigestmirrorset.yaml", "openshift/imagetagmirrorset.yaml", "openshift/imagecontentsourcepolicy.yaml"}},
		{"ca", with(func(in *Input) { in.CAPEM = []byte(pem) }), Options{}, []string{"openshift/imagedigestmirrorset.yaml", "openshift/imagetagmirrorset.yaml", "openshift/user-ca-bundle.yaml"}},
		{"insecure", with(func(in *Input) { in.Insecure = true }), Options{}, []string{"openshift/imagedigestmirrorset.yaml", "openshift/imagetagmirrorset.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := generate(t, "openshift", tc.in, tc.opts)
			assert.Equal(t, tc.files, paths(r))
			steps := strings.Join(r.Steps, "\n")

			for _, kind := range []struct{ file, kind, name, list string }{
				{"openshift/imagedigestmirrorset.yaml", "ImageDigestMirrorSet", "sonataflow-10-1-0-digest", "imageDigestMirrors"},
				{"openshift/imagetagmirrorset.yaml", "ImageTagMirrorSet", "sonataflow-10-1-0-tag", "imageTagMirrors"},
			} {
				doc := parseYAML(t, file(t, r, kind.file))
				assert.Equal(t, "config.openshift.io/v1", doc["apiVersion"])
				assert.Equal(t, kind.kind, doc["kind"])
				assert.Equal(t, kind.name, at(t, doc, "metadata", "name"))
				list := at(t, doc, "spec", kind.list).([]any)
				require.Len(t, list, 2)
				assert.Equal(t, map[string]any{
					"source":             "docker.io/apache/incubator-kie-sonataflow-operator",
					"mirrors":            []any{"registry.site:5000/mirror/apache/incubator-kie-sonataflow-operator"},
					"mirrorSourcePolicy": "NeverContactSource",
				}, list[0])
				assert.Equal(t, "gcr.io/kaniko-project/executor", at(t, list[1], "source"))
				assert.Contains(t, steps, "oc apply -f "+kind.file)
			}

			if tc.opts.ICSP {
				icsp := parseYAML(t, file(t, r, "openshift/imagecontentsourcepolicy.yaml"))
				assert.Equal(t, "operator.openshift.io/v1alpha1", icsp["apiVersion"])
				assert.Equal(t, "ImageContentSourcePolicy", icsp["kind"])
				assert.Equal(t, map[string]any{
					"source":  "docker.io/apache/incubator-kie-sonataflow-operator",
					"mirrors": []any{"registry.site:5000/mirror/apache/incubator-kie-sonataflow-operator"},
				}, at(t, icsp, "spec", "repositoryDigestMirrors", 0))
			}
			if len(tc.in.CAPEM) > 0 {
				cm := parseYAML(t, file(t, r, "openshift/user-ca-bundle.yaml"))
				assert.Equal(t, "ConfigMap", cm["kind"])
				assert.Equal(t, "openshift-config", at(t, cm, "metadata", "namespace"))
				assert.Equal(t, "sonataflow-10-1-0-registry-ca", at(t, cm, "metadata", "name"))
				assert.Equal(t, map[string]any{"registry.site..5000": pem}, cm["data"], "the key is host..port")
				assert.Contains(t, steps, `oc patch image.config.openshift.io/cluster --type=merge -p '{"spec":{"additionalTrustedCA":{"name":"sonataflow-10-1-0-registry-ca"}}}'`)
			} else {
				assert.NotContains(t, steps, "additionalTrustedCA")
			}
			if tc.in.Insecure {
				require.Len(t, r.Warnings, 1)
				assert.Contains(t, r.Warnings[0], "plain-HTTP mirror")
				assert.Contains(t, steps, `"registrySources":{"insecureRegistries":["registry.site:5000"]}`)
			} else {
				assert.Empty(t, r.Warnings)
				assert.NotContains(t, steps, "insecureRegistries")
			}
		})
	}
}

func TestRegistriesConf(t *testing.T) {
	in := input()
	in.Mirrors = in.Mirrors[:1]
	in.Insecure = true
	r := generate(t, "crio", in, Options{})
	text := string(file(t, r, "crio/registries.conf.d/50-ferry-sonataflow-10-1-0.conf"))
	assert.Equal(t, `# Written by ferry for sonataflow-10-1-0: pull these repositories from the site mirror.

[[registry]]
prefix = "docker.io/apache/incubator-kie-sonataflow-operator"
location = "docker.io/apache/incubator-kie-sonataflow-operator"

[[registry.mirror]]
location = "registry.site:5000/mirror/apache/incubator-kie-sonataflow-operator"
insecure = true
`, text)
	assert.Equal(t, `"registry.site:5000/mirror/apache/incubator-kie-sonataflow-operator"`, tomlKeys(t, text)["[[registry.mirror]]"][0]["location"])
	assert.Contains(t, r.Warnings[0], "plain-HTTP mirror")
	assert.Contains(t, strings.Join(r.Steps, "\n"), "systemctl restart crio")

	for _, tc := range []struct {
		platform string
		in       Input
	}{
		{"crio", with(func(in *Input) { in.CAPEM = []byte(pem) })},
		{"podman", with(func(in *Input) { in.CAPEM = []byte(pem) })},
		{"podman", input()},
	} {
		t.Run(tc.platform, func(t *testing.T) {
			r := generate(t, tc.platform, tc.in, Options{})
			text := string(file(t, r, tc.platform+"/registries.conf.d/50-ferry-sonataflow-10-1-0.conf"))
			keys := tomlKeys(t, text)
			require.Len(t, keys["[[registry]]"], 2)
			assert.Equal(t, `"gcr.io/kaniko-project/executor"`, keys["[[registry]]"][1]["prefix"])
			assert.Equal(t, `"gcr.io/kaniko-project/executor"`, keys["[[registry]]"][1]["location"])
			assert.Equal(t, `"registry.site:5000/mirror/kaniko-project/executor"`, keys["[[registry.mirror]]"][1]["location"])
			assert.NotContains(t, text, "insecure")
			assert.Empty(t, r.Warnings)
			steps := strings.Join(r.Steps, "\n")
			assert.Contains(t, steps, "/etc/containers/registries.conf.d/")
			assert.Equal(t, tc.platform == "crio", strings.Contains(steps, "systemctl restart crio"))
			if len(tc.in.CAPEM) > 0 {
				assert.Equal(t, pem, string(file(t, r, tc.platform+"/certs.d/registry.site:5000/ca.crt")))
				assert.Contains(t, steps, "/etc/containers/certs.d/registry.site:5000/ca.crt")
			} else {
				assert.Len(t, r.Files, 2, "registries.conf.d and registries.d")
			}

			// The registries.d entry: cosign's attachments read at the mirror.
			var rd struct {
				Docker map[string]struct {
					UseSigstoreAttachments bool `yaml:"use-sigstore-attachments"`
				} `yaml:"docker"`
			}
			dec := yaml.NewDecoder(strings.NewReader(string(file(t, r, tc.platform+"/registries.d/ferry-registry.site-5000.yaml"))))
			dec.KnownFields(true)
			require.NoError(t, dec.Decode(&rd))
			require.Contains(t, rd.Docker, "registry.site:5000")
			assert.True(t, rd.Docker["registry.site:5000"].UseSigstoreAttachments)
			assert.Len(t, rd.Docker, 1)
			assert.Contains(t, steps, "/etc/containers/registries.d/")
		})
	}
}

func TestContainerd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      Input
		files   map[string]string
		warning string
	}{
		{
			name: "override path and CA",
			in:   with(func(in *Input) { in.CAPEM = []byte(pem) }),
			files: map[string]string{
				"containerd/certs.d/docker.io/hosts.toml": `# Written by ferry: pull docker.io from the site mirror only.
server = "https://registry.site:5000"

[host."https://registry.site:5000/v2/mirror"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/etc/containerd/certs.d/docker.io/ca.crt"
`,
				"containerd/certs.d/docker.io/ca.crt": pem,
				"containerd/certs.d/gcr.io/hosts.toml": `# Written by ferry: pull gcr.io from the site mirror only.
server = "https://registry.site:5000"

[host."https://registry.site:5000/v2/mirror"]
  capabilities = ["pull", "resolve"]
  override_path = true
  ca = "/etc/containerd/certs.d/gcr.io/ca.crt"
`,
				"containerd/certs.d/gcr.io/ca.crt": pem,
			},
		},
		{
			name: "insecure without a prefix",
			in: with(func(in *Input) {
				in.Mirrors = []Mirror{{Source: "quay.io/org/app", Target: "registry.site:5000/org/app"}}
				in.Insecure = true
			}),
			files: map[string]string{"containerd/certs.d/quay.io/hosts.toml": `# Written by ferry: pull quay.io from the site mirror only.
server = "http://registry.site:5000"

[host."http://registry.site:5000"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
`},
			warning: "plain-HTTP mirror",
		},
		{
			name: "whole registry under a prefix",
			in:   with(func(in *Input) { in.Mirrors = []Mirror{{Source: "quay.io", Target: "registry.site:5000/quay"}} }),
			files: map[string]string{"containerd/certs.d/quay.io/hosts.toml": `# Written by ferry: pull quay.io from the site mirror only.
server = "https://registry.site:5000"

[host."https://registry.site:5000/v2/quay"]
  capabilities = ["pull", "resolve"]
  override_path = true
`},
		},
		{
			name: "renamed repository cannot be mapped",
			in: with(func(in *Input) {
				in.Mirrors = []Mirror{{Source: "quay.io/org/app", Target: "registry.site:5000/flat/org-app"}}
			}),
			files: map[string]string{"containerd/certs.d/quay.io/hosts.toml": `# Written by ferry: pull quay.io from the site mirror only.
server = "https://registry.site:5000"
`},
			warning: "quay.io/org/app cannot be mirrored at registry.site:5000/flat/org-app",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := generate(t, "containerd", tc.in, Options{})
			for path, want := range tc.files {
				got := string(file(t, r, path))
				assert.Equal(t, want, got, path)
				if strings.HasSuffix(path, ".toml") {
					keys := tomlKeys(t, got)
					assert.Equal(t, keys[""][0]["server"], `"`+scheme(tc.in)+`://registry.site:5000"`, "server is the mirror: no fallback to the internet")
				}
			}
			assert.Len(t, r.Files, len(tc.files)+2)
			assert.Equal(t, "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n", string(file(t, r, "containerd/config-snippet-1.x.toml")))
			assert.Equal(t, "[plugins.\"io.containerd.cri.v1.images\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n", string(file(t, r, "containerd/config-snippet-2.x.toml")))
			if tc.warning == "" {
				assert.Empty(t, r.Warnings)
			} else {
				require.Len(t, r.Warnings, 1)
				assert.Contains(t, r.Warnings[0], tc.warning)
			}
		})
	}
}

func TestDocker(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Input
		want map[string][]string
		pull string
	}{
		{"secure", input(), map[string][]string{"registry-mirrors": {"https://registry.site:5000"}}, "docker pull registry.site:5000/mirror/kaniko-project/executor:v1.9.0"},
		{"insecure", with(func(in *Input) { in.Insecure = true; in.Images = nil }), map[string][]string{
			"registry-mirrors": {"http://registry.site:5000"}, "insecure-registries": {"registry.site:5000"},
		}, "docker pull registry.site:5000/mirror/kaniko-project/executor:TAG"},
		{"no docker hub", with(func(in *Input) { in.Mirrors = in.Mirrors[1:] }), map[string][]string{}, "docker pull registry.site:5000/mirror/kaniko-project/executor:v1.9.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := generate(t, "docker", tc.in, Options{})
			var d map[string][]string
			require.NoError(t, json.Unmarshal(file(t, r, "docker/daemon.json"), &d))
			assert.Equal(t, tc.want, d)
			w := strings.Join(r.Warnings, "\n")
			assert.Contains(t, w, "Docker mirrors only Docker Hub")
			assert.Contains(t, w, tc.pull)
			assert.Contains(t, strings.Join(r.Steps, "\n"), tc.pull)
			if _, ok := d["registry-mirrors"]; ok {
				assert.Contains(t, w, "Docker asks a Docker Hub mirror for Docker Hub's repository names", "the docker.io target has a prefix")
			}
		})
	}
	r := generate(t, "docker", with(func(in *Input) {
		in.Mirrors = []Mirror{
			{Source: "a.io/x", Target: "registry.site:5000/a.io/x"}, {Source: "b.io/x", Target: "registry.site:5000/b.io/x"},
			{Source: "c.io/x", Target: "registry.site:5000/c.io/x"}, {Source: "d.io/x", Target: "registry.site:5000/d.io/x"},
			{Source: "docker.io/library/nginx", Target: "registry.site:5000/library/nginx"},
		}
		in.Images = []string{"nginx:1.27"}
		in.CAPEM = []byte(pem)
	}), Options{})
	w := strings.Join(r.Warnings, "\n")
	assert.Contains(t, w, "docker pull registry.site:5000/c.io/x:TAG")
	assert.NotContains(t, w, "d.io", "three examples at most")
	assert.NotContains(t, w, "Docker asks", "library/nginx keeps its name")
	assert.Equal(t, pem, string(file(t, r, "docker/certs.d/registry.site:5000/ca.crt")))
}

func TestEKSAnywhere(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Input
		want map[string]any
	}{
		{"ca", with(func(in *Input) { in.CAPEM = []byte(pem) }), map[string]any{
			"endpoint": "registry.site", "port": "5000", "authenticate": false, "caCertContent": pem,
			"ociNamespaces": []any{map[string]any{"registry": "docker.io", "namespace": "mirror"}, map[string]any{"registry": "gcr.io", "namespace": "mirror"}},
		}},
		{"insecure, no port, no prefix", with(func(in *Input) {
			in.Registry = "registry.site"
			in.Insecure = true
			in.Mirrors = []Mirror{{Source: "quay.io/org/app", Target: "registry.site/org/app"}}
		}), map[string]any{
			"endpoint": "registry.site", "port": "443", "authenticate": false, "insecureSkipVerify": true,
			"ociNamespaces": []any{map[string]any{"registry": "quay.io", "namespace": ""}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := generate(t, "eks-anywhere", tc.in, Options{})
			doc := parseYAML(t, file(t, r, "eks-anywhere/registry-mirror.yaml"))
			assert.Equal(t, tc.want, doc["registryMirrorConfiguration"])
			assert.Contains(t, strings.Join(r.Steps, "\n"), "eks-anywhere/registry-mirror.yaml under spec:")
			assert.Equal(t, tc.in.Insecure, len(r.Warnings) > 0)
		})
	}
}

func TestMaven(t *testing.T) {
	for _, tc := range []struct {
		name, url, id string
		warn          bool
	}{
		{"https", "https://nexus.site/repository/maven-public", "", false},
		{"http with id", "http://nexus.site/repository/maven-public", "site", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := generate(t, "maven", with(func(in *Input) { in.MavenURL = tc.url; in.MavenServerID = tc.id }), Options{})
			raw := file(t, r, "maven/settings.xml")
			var s struct {
				Mirrors []struct {
					ID       string `xml:"id"`
					Name     string `xml:"name"`
					MirrorOf string `xml:"mirrorOf"`
					URL      string `xml:"url"`
				} `xml:"mirrors>mirror"`
				Servers []struct {
					ID       string `xml:"id"`
					Username string `xml:"username"`
					Password string `xml:"password"`
				} `xml:"servers>server"`
			}
			require.NoError(t, xml.Unmarshal(raw, &s), string(raw))
			id := tc.id
			if id == "" {
				id = "ferry-mirror"
			}
			require.Len(t, s.Mirrors, 1)
			assert.Equal(t, id, s.Mirrors[0].ID)
			assert.Equal(t, "ferry mirror", s.Mirrors[0].Name)
			assert.Equal(t, "*", s.Mirrors[0].MirrorOf)
			assert.Equal(t, tc.url, s.Mirrors[0].URL)
			require.Len(t, s.Servers, 1)
			assert.Equal(t, id, s.Servers[0].ID)
			assert.Equal(t, "REPLACE_WITH_USER", s.Servers[0].Username)
			assert.Equal(t, "REPLACE_WITH_PASSWORD", s.Servers[0].Password)
			assert.Equal(t, tc.warn, len(r.Warnings) > 0)
		})
	}
}

func TestGradle(t *testing.T) {
	r := generate(t, "gradle", input(), Options{})
	script := string(file(t, r, "gradle/init.d/ferry-mirror.gradle"))
	assert.Contains(t, script, "def ferryUrl = 'https://nexus.site/repository/maven-public'")
	assert.Contains(t, script, "settings.pluginManagement.repositories")
	assert.Contains(t, script, "allprojects {")
	assert.NotContains(t, script, "allowInsecureProtocol")
	assert.Equal(t, strings.Count(script, "{"), strings.Count(script, "}"))

	r = generate(t, "gradle", with(func(in *Input) { in.MavenURL = "http://nexus.site/it's" }), Options{})
	script = string(file(t, r, "gradle/init.d/ferry-mirror.gradle"))
	assert.Contains(t, script, `def ferryUrl = 'http://nexus.site/it\'s'`)
	assert.Contains(t, script, "allowInsecureProtocol = true")
}

func TestRegistryLess(t *testing.T) {
	r := generate(t, "registry-less", input(), Options{})
	conf := string(file(t, r, "registry-less/99-ferry-pinned-images.conf"))
	assert.Equal(t, `[crio.image]
pinned_images = [
  "docker.io/apache/incubator-kie-sonataflow-operator@`+dgst+`",
  "gcr.io/kaniko-project/executor@`+dgst+`",
]
`, conf)
	assert.Equal(t, `["docker.io/apache/incubator-kie-sonataflow-operator@`+dgst+`","gcr.io/kaniko-project/executor@`+dgst+`",]`,
		tomlKeys(t, conf)["[crio.image]"][0]["pinned_images"])
	assert.Equal(t, "[storage.options]\nadditionalimagestores = [\"/var/lib/ferry-images\"]\n",
		strings.SplitN(string(file(t, r, "registry-less/storage-additionalimagestores.conf")), "\n", 2)[1])
	assert.Equal(t, `["/var/lib/ferry-images"]`, tomlKeys(t, string(file(t, r, "registry-less/storage-additionalimagestores.conf")))["[storage.options]"][0]["additionalimagestores"])

	mc := parseYAML(t, file(t, r, "registry-less/machineconfig.yaml"))
	assert.Equal(t, "machineconfiguration.openshift.io/v1", mc["apiVersion"])
	assert.Equal(t, "MachineConfig", mc["kind"])
	assert.Equal(t, "worker", at(t, mc, "metadata", "labels", "machineconfiguration.openshift.io/role"))
	assert.Equal(t, "3.2.0", at(t, mc, "spec", "config", "ignition", "version"))
	f := at(t, mc, "spec", "config", "storage", "files", 0)
	assert.Equal(t, "/etc/crio/crio.conf.d/99-ferry-pinned-images.conf", at(t, f, "path"))
	assert.Equal(t, 420, at(t, f, "mode"))
	assert.Equal(t, true, at(t, f, "overwrite"))
	src := at(t, f, "contents", "source").(string)
	require.True(t, strings.HasPrefix(src, "data:text/plain;charset=utf-8;base64,"), src)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:text/plain;charset=utf-8;base64,"))
	require.NoError(t, err)
	assert.Equal(t, conf, string(raw))

	pis := parseYAML(t, file(t, r, "registry-less/pinnedimageset.yaml"))
	assert.Equal(t, "machineconfiguration.openshift.io/v1alpha1", pis["apiVersion"])
	assert.Equal(t, "PinnedImageSet", pis["kind"])
	assert.Equal(t, "worker", at(t, pis, "metadata", "labels", "machineconfiguration.openshift.io/role"))
	assert.Equal(t, []any{
		map[string]any{"name": "docker.io/apache/incubator-kie-sonataflow-operator@" + dgst},
		map[string]any{"name": "gcr.io/kaniko-project/executor@" + dgst},
	}, at(t, pis, "spec", "pinnedImages"))

	steps := strings.Join(r.Steps, "\n")
	assert.Contains(t, steps, "./ferry load-node NAME.ferry.json --store /var/lib/ferry-images --runroot /run/ferry-images --no-pin")
	assert.Contains(t, steps, "oc apply -f registry-less/machineconfig.yaml")
	assert.Contains(t, steps, "oc apply -f registry-less/pinnedimageset.yaml")
}

func TestAtMirror(t *testing.T) {
	ms := []Mirror{
		{Source: "docker.io/library", Target: "m/lib"},
		{Source: "docker.io/library/nginx", Target: "m/nginx"},
		{Source: "quay.io/org", Target: "m/quay/org"},
	}
	for ref, want := range map[string]string{
		"nginx:1":                  "m/nginx:1",
		"busybox@" + dgst:          "m/lib/busybox@" + dgst,
		"quay.io/org/app:2":        "m/quay/org/app:2",
		"quay.io/organisation/app": "",
		"localhost/x":              "",
	} {
		got, ok := atMirror(ref, ms)
		assert.Equal(t, want, got, ref)
		assert.Equal(t, want != "", ok, ref)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	r := generate(t, "crio", with(func(in *Input) { in.Insecure = true; in.CAPEM = []byte(pem) }), Options{})
	require.NoError(t, Write(afero.NewOsFs(), dir, r))
	for _, f := range r.Files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		require.NoError(t, err)
		assert.Equal(t, f.Content, got)
	}
	steps, err := os.ReadFile(filepath.Join(dir, "crio/STEPS.md"))
	require.NoError(t, err)
	text := string(steps)
	assert.True(t, strings.HasPrefix(text, "# crio: steps\n\n> **Warning:** registry.site:5000 is configured as a plain-HTTP mirror"), text)
	assert.Contains(t, text, "\n1. On every host, copy crio/registries.conf.d/50-ferry-sonataflow-10-1-0.conf to /etc/containers/registries.conf.d/.\n")
	assert.Contains(t, text, "\n2. Copy crio/certs.d/registry.site:5000/ca.crt")

	err = Write(afero.NewOsFs(), dir, &Result{Platform: "x", Files: []File{{Path: "../escape", Content: []byte("x")}}})
	assert.ErrorContains(t, err, "must stay inside")
}
