package catalog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequirementsBecomeATarget(t *testing.T) {
	c, err := Load("../../testdata/requirements")
	require.NoError(t, err)
	tg, err := c.Target("requirements")
	require.NoError(t, err)
	assert.Equal(t, []string{"amd64", "arm64"}, tg.Archs)
	assert.Equal(t, []string{"images", "helm", "node-exporter"}, tg.ModuleNames())

	s, err := tg.Select(Choice{Archs: []string{"amd64"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"k8s.gcr.io/kube-apiserver:v1.22.4", "k8s.gcr.io/pause:3.5"}, s.Needs[0].Images)

	s, err = tg.Select(Choice{Archs: []string{"arm64"}})
	require.NoError(t, err)
	assert.Empty(t, s.Needs[0].Images, "only x86_64/images.yml lists images")
	require.Len(t, s.Needs[1].Files, 1, "only the arm64 helm")
	assert.Equal(t, "helm-v3.2.0-linux-arm64.tar.gz", s.Needs[1].Files[0].Name)
	assert.Empty(t, s.Needs[2].Files, "node_exporter is listed for x86_64 only")

	// A bad reference names the file and the line.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "x86_64"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x86_64", "images.yml"), []byte("images:\n  'UPPER/case:1': {sha1: x}\n"), 0o644))
	_, err = Load(dir)
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), filepath.Join(dir, "x86_64", "images.yml")+":2: ")
}

// summary lists a target's modules as "module: kind value [archs]" lines.
func summary(tg *Target) []string {
	var out []string
	for _, m := range tg.Modules {
		mark := ""
		if m.Required {
			mark = " (required)"
		}
		out = append(out, m.Name+mark)
		for _, it := range m.Images {
			out = append(out, fmt.Sprintf("  image %s %v", it.Value, it.Archs))
		}
		for _, f := range m.Files {
			name := ""
			if f.Name != "" {
				name = " as " + f.Name
			}
			out = append(out, fmt.Sprintf("  file %s%s %v", f.URL, name, f.Archs))
		}
	}
	return out
}

func notes(tg *Target) map[string]string {
	out := map[string]string{}
	for _, m := range tg.Modules {
		if m.Notes != "" {
			out[m.Name] = m.Notes
		}
	}
	return out
}

const (
	sha1a = "dff8993b065b7f7846adb553548bcdcfcd1b6e8e"
	shaA  = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	shaB  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for p, s := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(s)}
	}
	return fsys
}

func TestRequirementsFormats(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		archs []string
		want  []string
		notes map[string]string // by module; none when nil
	}{{
		name: "2.0.0 flat images and files by URL",
		files: map[string]string{
			"x86_64/images.yml": "---\nimages:\n  'haproxy:2.2.2-alpine':\n    sha1: " + sha1a + "\n\n  'registry:2.8.0':\n    sha1: " + sha1a + "\n    allow_mismatch: true\n  # K8s\n  'k8s.gcr.io/pause:3.2':\n    sha1: " + sha1a + "\n",
			"x86_64/files.yml":  "---\nfiles:\n  'https://dl.example.test/helm-v3.2.0-linux-amd64.tar.gz':\n    sha256: " + shaA + "\n",
			"x86_64/cranes.yml": "---\ncranes:\n  'https://dl.example.test/crane_Linux_x86_64.tar.gz':\n    sha256: " + shaB + "\n",
		},
		archs: []string{"amd64"},
		want: []string{
			"images (required)",
			"  image docker.io/library/haproxy:2.2.2-alpine [amd64]",
			"  image docker.io/library/registry:2.8.0 [amd64]",
			"  image k8s.gcr.io/pause:3.2 [amd64]",
			"crane",
			"  file https://dl.example.test/crane_Linux_x86_64.tar.gz [amd64]",
			"files",
			"  file https://dl.example.test/helm-v3.2.0-linux-amd64.tar.gz [amd64]",
		},
		notes: map[string]string{"images": "Docker Hub images, written out in full as Docker reads them (docker.io/NAME, docker.io/library/NAME for a one-part name): haproxy:2.2.2-alpine, registry:2.8.0."},
	}, {
		name: "2.0.1 images grouped by component, files by URL with deps",
		files: map[string]string{
			"x86_64/images.yml":  "images:\n  haproxy:\n    'haproxy:2.2.2-alpine':\n      sha1: " + sha1a + "\n  kubernetes-master:\n    # for HA\n    'haproxy:2.2.2-alpine':\n      sha1: " + sha1a + "\n    'kubernetesui/dashboard:v2.3.1':\n      sha1: " + sha1a + "\n",
			"aarch64/images.yml": "images:\n  haproxy:\n    'haproxy:2.2.2-alpine':\n      sha1: " + sha1a + "\n",
			"x86_64/files.yml":   "files:\n  'https://dl.example.test/jmx_prometheus_javaagent-0.16.1.jar':\n    sha256: " + shaA + "\n    deps: [kafka]\n",
			"aarch64/files.yml":  "files:\n  'https://dl.example.test/jmx_prometheus_javaagent-0.16.1.jar':\n    sha256: " + shaA + "\n    deps: [kafka]\n",
		},
		archs: []string{"amd64", "arm64"},
		want: []string{
			"haproxy",
			"  image docker.io/library/haproxy:2.2.2-alpine [amd64 arm64]",
			"kafka",
			"  file https://dl.example.test/jmx_prometheus_javaagent-0.16.1.jar [amd64 arm64]",
			"kubernetes-master",
			"  image docker.io/kubernetesui/dashboard:v2.3.1 [amd64]",
			"  image docker.io/library/haproxy:2.2.2-alpine [amd64]",
		},
		notes: map[string]string{
			"haproxy":           "Docker Hub images, written out in full as Docker reads them (docker.io/NAME, docker.io/library/NAME for a one-part name): haproxy:2.2.2-alpine.",
			"kubernetes-master": "Docker Hub images, written out in full as Docker reads them (docker.io/NAME, docker.io/library/NAME for a one-part name): haproxy:2.2.2-alpine, kubernetesui/dashboard:v2.3.1.",
		},
	}, {
		name: "2.0.2 files by name with options, dashboards, packages",
		files: map[string]string{
			"x86_64/files.yml": `files:
  kafka:
    options:
      - url: 'https://dl.example.test/kafka_2.12-2.8.1.tgz'
        sha256: ` + shaA + `
      - url: 'https://mirror.example.test/kafka_2.12-2.8.1.tgz'
        sha256: ` + shaA + `
    deps: [kafka]
  node-exporter-chart:
    options:
      - url: 'https://charts.example.test/node-exporter-2.3.17.tgz'
        sha256: ` + shaB + `
    deps: [kubernetes-master, k8s-as-cloud-service]
`,
			"x86_64/cranes.yml":                       "cranes:\n  go-containerregistry:\n    options:\n      - url: 'https://dl.example.test/crane.tar.gz'\n        sha256: " + shaB + "\n",
			"grafana-dashboards.yml":                  "grafana-dashboards:\n  # Kafka\n  grafana_dashboard_7589:\n    url: 'https://dashboards.example.test/api/dashboards/7589/revisions/5/download'\n    sha256: " + shaA + "\n",
			"x86_64/redhat/packages.yml":              "packages:\n  from_repo: ['haproxy']\n",
			"x86_64/debian/ubuntu-20.04/packages.yml": "packages:\n  from_repo: ['haproxy']\n",
			"x86_64/notes.txt":                        "anything\n",
		},
		archs: []string{"amd64"},
		want: []string{
			"crane",
			"  file https://dl.example.test/crane.tar.gz [amd64]",
			"grafana",
			"  file https://dashboards.example.test/api/dashboards/7589/revisions/5/download as grafana_dashboard_7589.json []",
			"k8s-as-cloud-service",
			"  file https://charts.example.test/node-exporter-2.3.17.tgz [amd64]",
			"kafka",
			"  file https://dl.example.test/kafka_2.12-2.8.1.tgz [amd64]",
			"kubernetes-master",
			"  file https://charts.example.test/node-exporter-2.3.17.tgz [amd64]",
			"not-carried (required)",
		},
		notes: map[string]string{
			"kafka":       "Other download addresses are listed but not used: ferry fetches each file from its first one (https://mirror.example.test/kafka_2.12-2.8.1.tgz).",
			"not-carried": "Operating-system packages are not carried (x86_64/debian/ubuntu-20.04/packages.yml, x86_64/redhat/packages.yml): install them from the site's own package mirror. These files are not read, so nothing they list is carried: x86_64/notes.txt.",
		},
	}, {
		name: "mixed: flat and grouped images, files by URL and by name",
		files: map[string]string{
			"aarch64/images.yml": "images:\n  'quay.io/prometheus/pushgateway:v1.4.0': {sha1: " + sha1a + "}\n  kafka:\n    'docker.io/busybox:1.32': {sha1: " + sha1a + "}\n",
			"aarch64/files.yml":  "files:\n  'https://dl.example.test/a.tgz': {sha256: " + shaA + "}\n  b:\n    options: [{url: 'https://dl.example.test/b.tgz', sha256: " + shaB + "}]\n    deps: [kafka, kafka]\n",
		},
		archs: []string{"arm64"},
		want: []string{
			"images (required)",
			"  image quay.io/prometheus/pushgateway:v1.4.0 [arm64]",
			"files",
			"  file https://dl.example.test/a.tgz [arm64]",
			"kafka",
			"  image docker.io/library/busybox:1.32 [arm64]",
			"  file https://dl.example.test/b.tgz [arm64]",
		},
		notes: map[string]string{"kafka": "Docker Hub images, written out in full as Docker reads them (docker.io/NAME, docker.io/library/NAME for a one-part name): docker.io/busybox:1.32."},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := readRequirements(mapFS(tc.files), "req")
			require.NoError(t, err)
			tg.Name, tg.Title = "epiphany", "Epiphany"
			require.NoError(t, tg.validate())
			assert.Equal(t, tc.archs, tg.Archs)
			assert.Equal(t, tc.want, summary(tg))
			if tc.notes == nil {
				tc.notes = map[string]string{}
			}
			assert.Equal(t, tc.notes, notes(tg))
		})
	}
}

func TestDockerHubRef(t *testing.T) {
	for in, want := range map[string]string{
		"haproxy:2.2.2-alpine":                    "docker.io/library/haproxy:2.2.2-alpine",
		"bitnami/pgbouncer:1.16.0":                "docker.io/bitnami/pgbouncer:1.16.0",
		"rook/ceph:v1.8.8":                        "docker.io/rook/ceph:v1.8.8",
		"docker.io/busybox:1.32":                  "docker.io/library/busybox:1.32",
		"index.docker.io/bitnami/kafka:2.8.1":     "docker.io/bitnami/kafka:2.8.1",
		"docker.io/bitnami/kafka:2.8.1":           "docker.io/bitnami/kafka:2.8.1",
		"k8s.gcr.io/kube-proxy:v1.18.6":           "k8s.gcr.io/kube-proxy:v1.18.6",
		"quay.io/keycloak/keycloak:19.0.2":        "quay.io/keycloak/keycloak:19.0.2",
		"localhost/app:1":                         "localhost/app:1",
		"registry.local:5000/app:1":               "registry.local:5000/app:1",
		"redis@sha256:" + strings.Repeat("a", 64): "docker.io/library/redis@sha256:" + strings.Repeat("a", 64),
	} {
		assert.Equal(t, want, dockerHubRef(in), in)
		assert.NoError(t, checkImageRef(dockerHubRef(in)), in)
	}
}

func TestRequirementsErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"bad reference", map[string]string{"x86_64/images.yml": "images:\n  kafka:\n    'UPPER/case:1': {sha1: x}\n"},
			"req/x86_64/images.yml:3: image \"docker.io/UPPER/case:1\" is not a valid reference"},
		{"unknown image field", map[string]string{"x86_64/images.yml": "images:\n  'haproxy:2':\n    sha1: x\n    sha256: y\n"},
			"req/x86_64/images.yml:4: unknown field \"sha256\" in image \"haproxy:2\" (fields: sha1, allow_mismatch)"},
		{"unknown top key", map[string]string{"aarch64/files.yml": "---\nfiles: {}\nimages: {}\n"},
			"req/aarch64/files.yml:3: unknown key \"images\" (this file holds files:)"},
		{"yaml syntax", map[string]string{"x86_64/files.yml": "files:\n  a: [\n"},
			"req/x86_64/files.yml:2: "},
		{"bad url in options", map[string]string{"x86_64/files.yml": "files:\n  helm:\n    options:\n      - url: 'ftp://x/helm.tgz'\n        sha256: " + shaA + "\n"},
			"req/x86_64/files.yml:4: file url \"ftp://x/helm.tgz\" must be an http(s) URL"},
		{"short sha256", map[string]string{"x86_64/files.yml": "files:\n  'https://x.example.test/a.tgz':\n    sha256: abc\n"},
			"req/x86_64/files.yml:3: file https://x.example.test/a.tgz needs sha256: with 64 hex digits"},
		{"no options", map[string]string{"x86_64/cranes.yml": "cranes:\n  crane:\n    options: []\n"},
			"req/x86_64/cranes.yml:3: options of \"crane\" must list at least one {url, sha256}"},
		{"same URL, two sha256", map[string]string{
			"aarch64/files.yml": "files:\n  'https://x.example.test/a.jar': {sha256: " + shaA + ", deps: [kafka]}\n",
			"x86_64/files.yml":  "files:\n\n  'https://x.example.test/a.jar': {sha256: " + shaB + ", deps: [kafka]}\n",
		}, "req/x86_64/files.yml:3: file https://x.example.test/a.jar has sha256 " + shaB + " here but " + shaA + " at req/aarch64/files.yml:2"},
		{"dashboard name", map[string]string{"x86_64/files.yml": "files: {}\n", "grafana-dashboards.yml": "grafana-dashboards:\n  '../x':\n    url: https://x.example.test/d\n    sha256: " + shaA + "\n"},
			"req/grafana-dashboards.yml:2: dashboard name \"../x\" must be letters"},
		{"deps not names", map[string]string{"x86_64/files.yml": "files:\n  'https://x.example.test/a.tgz':\n    sha256: " + shaA + "\n    deps: {a: b}\n"},
			"req/x86_64/files.yml:4: deps must list component names"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readRequirements(mapFS(tc.files), "req")
			require.Error(t, err)
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), filepath.FromSlash(tc.want))
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestRequirementsModulePerComponent(t *testing.T) {
	c, err := Load("../../testdata/requirements-grouped")
	require.NoError(t, err)
	tg, err := c.Target("requirements-grouped")
	require.NoError(t, err)
	assert.Equal(t, []string{"crane", "grafana", "haproxy", "helm", "k8s-as-cloud-service", "kafka", "kubernetes-master", "not-carried"}, tg.ModuleNames())

	// A site can carry only kafka; the note on what is not carried comes along.
	s, err := tg.Select(Choice{Archs: []string{"amd64", "arm64"}, Modules: []string{"kafka"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"kafka", "not-carried"}, s.Modules)
	assert.Equal(t, "required", s.Why["not-carried"])
	kafka := s.Needs[0]
	assert.Equal(t, []string{"docker.io/bitnami/kafka:2.8.1"}, kafka.Images)
	require.Len(t, kafka.Files, 1, "listed by both architectures, carried once")
	assert.Equal(t, []string{"amd64", "arm64"}, kafka.Files[0].Archs)
	assert.Contains(t, kafka.Notes, "bitnami/kafka:2.8.1")
	assert.Contains(t, s.Needs[1].Notes, "x86_64/redhat/packages.yml")

	// arm64 alone: the images aarch64/images.yml lists, not x86_64's.
	s, err = tg.Select(Choice{Archs: []string{"arm64"}, Modules: []string{"kafka", "kubernetes-master"}})
	require.NoError(t, err)
	assert.Empty(t, s.Needs[0].Images, "bitnami/kafka is listed for x86_64 only")
	assert.Equal(t, []string{"registry.k8s.io/kube-apiserver:v1.22.4"}, s.Needs[1].Images)
}

func TestReadPathTakesFoldersOfEveryKind(t *testing.T) {
	ts, err := ReadPath("../../testdata/requirements-grouped")
	require.NoError(t, err)
	require.Len(t, ts, 1)
	assert.Equal(t, "requirements-grouped", ts[0].Name)
	ts, err = ReadPath("../../testdata/catalogs")
	require.NoError(t, err)
	require.NotEmpty(t, ts)
	_, err = ReadPath(t.TempDir())
	require.Error(t, err)
}

func FuzzRequirements(f *testing.F) {
	f.Add([]byte("images:\n  kafka:\n    'bitnami/kafka:2.8.1': {sha1: x}\n  'haproxy:2': {sha1: y}\n"),
		[]byte("files:\n  kafka:\n    options:\n      - {url: 'https://x.example.test/k.tgz', sha256: "+shaA+"}\n    deps: [kafka]\n  'https://x.example.test/a.tgz': {sha256: "+shaB+"}\n"),
		[]byte("grafana-dashboards:\n  d1: {url: 'https://x.example.test/d', sha256: "+shaA+"}\n"))
	f.Add([]byte("images: &a {x: *a}\n"), []byte("files:\n  a: {options: [*b]}\n"), []byte("---\n"))
	f.Fuzz(func(t *testing.T, images, files, dashboards []byte) {
		fsys := fstest.MapFS{
			"x86_64/images.yml":      {Data: images},
			"aarch64/files.yml":      {Data: files},
			"x86_64/files.yml":       {Data: files},
			"grafana-dashboards.yml": {Data: dashboards},
		}
		tg, err := readRequirements(fsys, "req")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not a catalog error: %v", err)
			}
			return
		}
		tg.Name, tg.Title = "fuzz", "Fuzz"
		if err := tg.validate(); err != nil {
			t.Fatalf("read a target that does not validate: %v", err)
		}
	})
}
