// Package mirrorconfig writes the configuration that points clients at the
// site's mirror registry and Maven repository: one writer per platform
// (OpenShift, CRI-O, Podman, containerd, Docker, EKS Anywhere, Maven,
// Gradle, and registry-less OpenShift nodes), each with the numbered steps a
// technician follows to apply it.
package mirrorconfig

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Mirror maps one source repository prefix to where the site serves it.
type Mirror struct {
	// Source is host[/path] as the bundle's references have it
	// ("docker.io/apache/x").
	Source string
	// Target is host[:port][/path] at the site.
	Target string
}

// Input is what every writer works from.
type Input struct {
	// Mirrors, sorted by Source.
	Mirrors []Mirror
	// DigestRefs are "source-repo@sha256:…" for every carried image.
	DigestRefs []string
	// Registry is the mirror registry's host[:port].
	Registry string
	// CAFile and CAPEM are the site CA's path and content, when given.
	CAFile string
	CAPEM  []byte
	// Insecure says the mirror is plain HTTP.
	Insecure bool
	// MavenURL is the site's Maven repository; MavenServerID names it in
	// settings.xml (default "ferry-mirror").
	MavenURL      string
	MavenServerID string
	// Name is a DNS-1123 name for resources ("sonataflow-10-1-0").
	Name string
}

// Options are per-platform choices.
type Options struct {
	// ICSP also writes the legacy ImageContentSourcePolicy (OpenShift < 4.13).
	ICSP bool
}

// File is one generated file.
type File struct {
	Path    string
	Content []byte
	Mode    os.FileMode
}

// Result is what a platform writer produces.
type Result struct {
	Platform string
	Files    []File
	Steps    []string
	Warnings []string
}

// Platforms lists every platform, in the order they are offered.
var Platforms = []string{"openshift", "crio", "podman", "containerd", "docker", "eks-anywhere", "maven", "gradle", "registry-less"}

// Generate writes the configuration for one platform.
func Generate(platform string, in Input, opts Options) (*Result, error) {
	if in.Name == "" {
		in.Name = "ferry"
	}
	if in.MavenServerID == "" {
		in.MavenServerID = "ferry-mirror"
	}
	needRegistry := platform != "maven" && platform != "gradle"
	if needRegistry && (in.Registry == "" || len(in.Mirrors) == 0) && platform != "registry-less" {
		return nil, fmt.Errorf("%s needs the mirror registry (--registry) and a bundle or plan with images", platform)
	}
	r := &Result{Platform: platform}
	if in.Insecure && needRegistry {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s is configured as a plain-HTTP mirror: images travel unencrypted and unauthenticated on the site network", in.Registry))
	}
	var err error
	switch platform {
	case "openshift":
		err = openshift(r, in, opts)
	case "crio", "podman":
		registriesConf(r, in, platform)
	case "containerd":
		containerd(r, in)
	case "docker":
		err = docker(r, in)
	case "eks-anywhere":
		err = eksa(r, in)
	case "maven":
		err = mavenSettings(r, in)
	case "gradle":
		err = gradle(r, in)
	case "registry-less":
		err = registryLess(r, in)
	default:
		return nil, fmt.Errorf("there is no platform %q: choose one of %s", platform, strings.Join(Platforms, ", "))
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Write puts the files under dir and the steps in dir/PLATFORM/STEPS.md.
func Write(dir string, r *Result) error {
	for _, f := range r.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("cannot write %s: %w", p, err)
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(p, f.Content, mode); err != nil {
			return fmt.Errorf("cannot write %s: %w", p, err)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: steps\n\n", r.Platform)
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "> **Warning:** %s.\n\n", w)
	}
	for i, s := range r.Steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	p := filepath.Join(dir, r.Platform, "STEPS.md")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(b.String()), 0o644)
}

func yamlDoc(v any) []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	_ = enc.Encode(v)
	return buf.Bytes()
}

func (r *Result) add(path string, content []byte) {
	r.Files = append(r.Files, File{Path: path, Content: content, Mode: 0o644})
}

func hostOf(s string) string {
	h, _, _ := strings.Cut(s, "/")
	return h
}

func pathOf(s string) string {
	_, p, _ := strings.Cut(s, "/")
	return p
}

func scheme(in Input) string {
	if in.Insecure {
		return "http"
	}
	return "https"
}

type mirrorEntry struct {
	Source             string   `yaml:"source"`
	Mirrors            []string `yaml:"mirrors"`
	MirrorSourcePolicy string   `yaml:"mirrorSourcePolicy,omitempty"`
}

func openshift(r *Result, in Input, opts Options) error {
	var entries []mirrorEntry
	var icsp []mirrorEntry
	for _, m := range in.Mirrors {
		entries = append(entries, mirrorEntry{Source: m.Source, Mirrors: []string{m.Target}, MirrorSourcePolicy: "NeverContactSource"})
		icsp = append(icsp, mirrorEntry{Source: m.Source, Mirrors: []string{m.Target}})
	}
	meta := func(n string) map[string]any { return map[string]any{"name": n} }
	r.add("openshift/imagedigestmirrorset.yaml", yamlDoc(map[string]any{
		"apiVersion": "config.openshift.io/v1", "kind": "ImageDigestMirrorSet", "metadata": meta(in.Name + "-digest"),
		"spec": map[string]any{"imageDigestMirrors": entries}}))
	r.add("openshift/imagetagmirrorset.yaml", yamlDoc(map[string]any{
		"apiVersion": "config.openshift.io/v1", "kind": "ImageTagMirrorSet", "metadata": meta(in.Name + "-tag"),
		"spec": map[string]any{"imageTagMirrors": entries}}))
	r.Steps = append(r.Steps,
		"Log in to the cluster as a cluster administrator: `oc login …`.",
		"Apply the digest mirrors: `oc apply -f openshift/imagedigestmirrorset.yaml`.",
		"Apply the tag mirrors: `oc apply -f openshift/imagetagmirrorset.yaml`.")
	if opts.ICSP {
		r.add("openshift/imagecontentsourcepolicy.yaml", yamlDoc(map[string]any{
			"apiVersion": "operator.openshift.io/v1alpha1", "kind": "ImageContentSourcePolicy", "metadata": meta(in.Name),
			"spec": map[string]any{"repositoryDigestMirrors": icsp}}))
		r.Steps = append(r.Steps, "On OpenShift 4.12 and older, apply instead: `oc apply -f openshift/imagecontentsourcepolicy.yaml`.")
	}
	if len(in.CAPEM) > 0 {
		cm := in.Name + "-registry-ca"
		key := strings.ReplaceAll(in.Registry, ":", "..")
		r.add("openshift/user-ca-bundle.yaml", yamlDoc(map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": cm, "namespace": "openshift-config"},
			"data": map[string]string{key: string(in.CAPEM)}}))
		r.Steps = append(r.Steps,
			"Trust the site's CA for the mirror: `oc apply -f openshift/user-ca-bundle.yaml`.",
			fmt.Sprintf("Point the cluster at it: `oc patch image.config.openshift.io/cluster --type=merge -p '{\"spec\":{\"additionalTrustedCA\":{\"name\":\"%s\"}}}'`.", cm))
	}
	if in.Insecure {
		r.Steps = append(r.Steps, fmt.Sprintf("Allow the plain-HTTP mirror: `oc patch image.config.openshift.io/cluster --type=merge -p '{\"spec\":{\"registrySources\":{\"insecureRegistries\":[\"%s\"]}}}'`.", in.Registry))
	}
	r.Steps = append(r.Steps, "Wait until every node has the new configuration: `oc get mcp` shows UPDATED True for every pool (nodes restart one by one where needed).")
	return nil
}

func registriesConf(r *Result, in Input, platform string) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by ferry for %s: pull these repositories from the site mirror.\n", in.Name)
	for _, m := range in.Mirrors {
		fmt.Fprintf(&b, "\n[[registry]]\nprefix = %q\nlocation = %q\n\n[[registry.mirror]]\nlocation = %q\n", m.Source, m.Source, m.Target)
		if in.Insecure {
			b.WriteString("insecure = true\n")
		}
	}
	file := fmt.Sprintf("%s/registries.conf.d/50-ferry-%s.conf", platform, in.Name)
	r.add(file, []byte(b.String()))
	r.Steps = append(r.Steps, fmt.Sprintf("On every host, copy %s to /etc/containers/registries.conf.d/.", file))
	if len(in.CAPEM) > 0 {
		r.add(platform+"/certs.d/"+in.Registry+"/ca.crt", in.CAPEM)
		r.Steps = append(r.Steps, fmt.Sprintf("Copy %s/certs.d/%s/ca.crt to /etc/containers/certs.d/%s/ca.crt, so the mirror's certificate is trusted.", platform, in.Registry, in.Registry))
	}
	if platform == "crio" {
		r.Steps = append(r.Steps, "Restart CRI-O: `systemctl restart crio`.")
	}
	r.Steps = append(r.Steps, fmt.Sprintf("Check: `%s pull %s` succeeds with the internet unplugged.", map[string]string{"crio": "crictl", "podman": "podman"}[platform], firstRef(in)))
}

func firstRef(in Input) string {
	if len(in.DigestRefs) > 0 {
		return in.DigestRefs[0]
	}
	if len(in.Mirrors) > 0 {
		return in.Mirrors[0].Source + ":TAG"
	}
	return "IMAGE"
}

func containerd(r *Result, in Input) {
	hosts := map[string][]Mirror{}
	for _, m := range in.Mirrors {
		hosts[hostOf(m.Source)] = append(hosts[hostOf(m.Source)], m)
	}
	names := make([]string, 0, len(hosts))
	for h := range hosts {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		var b strings.Builder
		fmt.Fprintf(&b, "# Written by ferry: pull %s from the site mirror only.\n", h)
		// server points at the mirror too: when every host fails,
		// containerd falls back to server, and it must not reach the
		// internet.
		fmt.Fprintf(&b, "server = \"%s://%s\"\n", scheme(in), in.Registry)
		seen := map[string]bool{}
		for _, m := range hosts[h] {
			// containerd maps a whole registry host: the mirror path that
			// replaces it is the target minus the source's own path.
			mp := strings.TrimSuffix(strings.TrimSuffix(pathOf(m.Target), pathOf(m.Source)), "/")
			key := fmt.Sprintf("%s://%s", scheme(in), in.Registry)
			if mp != "" {
				key = fmt.Sprintf("%s://%s/v2/%s", scheme(in), in.Registry, mp)
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			fmt.Fprintf(&b, "\n[host.%q]\n  capabilities = [\"pull\", \"resolve\"]\n", key)
			if mp != "" {
				b.WriteString("  override_path = true\n")
			}
			if len(in.CAPEM) > 0 {
				fmt.Fprintf(&b, "  ca = \"/etc/containerd/certs.d/%s/ca.crt\"\n", h)
			}
			if in.Insecure {
				b.WriteString("  skip_verify = true\n")
			}
		}
		r.add("containerd/certs.d/"+h+"/hosts.toml", []byte(b.String()))
		if len(in.CAPEM) > 0 {
			r.add("containerd/certs.d/"+h+"/ca.crt", in.CAPEM)
		}
	}
	r.add("containerd/config-snippet-1.x.toml", []byte("[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n"))
	r.add("containerd/config-snippet-2.x.toml", []byte("[plugins.\"io.containerd.cri.v1.images\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n"))
	r.Steps = append(r.Steps,
		"On every node, copy the folders under containerd/certs.d/ to /etc/containerd/certs.d/.",
		"Make sure /etc/containerd/config.toml has the config_path line: containerd/config-snippet-1.x.toml for containerd 1.x, containerd/config-snippet-2.x.toml for 2.x (config version 3).",
		"Restart containerd: `systemctl restart containerd`.",
		fmt.Sprintf("Check: `ctr --namespace k8s.io images pull --hosts-dir /etc/containerd/certs.d %s` succeeds with the internet unplugged.", firstRef(in)))
}

func docker(r *Result, in Input) error {
	var hub string
	var others []Mirror
	for _, m := range in.Mirrors {
		if hostOf(m.Source) == "docker.io" {
			if hub == "" {
				hub = hostOf(m.Target)
			}
		} else {
			others = append(others, m)
		}
	}
	cfg := map[string]any{}
	if hub != "" {
		cfg["registry-mirrors"] = []string{scheme(in) + "://" + hub}
	}
	if in.Insecure {
		cfg["insecure-registries"] = []string{in.Registry}
	}
	var buf bytes.Buffer
	enc := jsonEncoder(&buf)
	if err := enc(cfg); err != nil {
		return err
	}
	r.add("docker/daemon.json", buf.Bytes())
	r.Warnings = append(r.Warnings, "Docker mirrors only Docker Hub: images from other registries must be pulled by their name at the mirror")
	r.Steps = append(r.Steps, "Merge docker/daemon.json into /etc/docker/daemon.json (keep any settings already there), then `systemctl restart docker`.")
	if len(in.CAPEM) > 0 {
		r.add("docker/certs.d/"+in.Registry+"/ca.crt", in.CAPEM)
		r.Steps = append(r.Steps, fmt.Sprintf("Copy docker/certs.d/%s/ca.crt to /etc/docker/certs.d/%s/ca.crt.", in.Registry, in.Registry))
	}
	for i, m := range others {
		if i == 3 {
			break
		}
		r.Steps = append(r.Steps, fmt.Sprintf("Pull %s images by their mirror name, for example `docker pull %s:TAG`.", m.Source, m.Target))
	}
	return nil
}

func eksa(r *Result, in Input) error {
	host, port := in.Registry, "443"
	if h, p, ok := strings.Cut(in.Registry, ":"); ok {
		host, port = h, p
	}
	seen := map[string]bool{}
	var ns []map[string]string
	for _, m := range in.Mirrors {
		reg := hostOf(m.Source)
		namespace := strings.TrimSuffix(strings.TrimSuffix(pathOf(m.Target), pathOf(m.Source)), "/")
		k := reg + " " + namespace
		if seen[k] {
			continue
		}
		seen[k] = true
		ns = append(ns, map[string]string{"registry": reg, "namespace": namespace})
	}
	conf := map[string]any{"endpoint": host, "port": port, "ociNamespaces": ns, "authenticate": false}
	if len(in.CAPEM) > 0 {
		conf["caCertContent"] = string(in.CAPEM)
	}
	if in.Insecure {
		conf["insecureSkipVerify"] = true
	}
	r.add("eks-anywhere/registry-mirror.yaml", yamlDoc(map[string]any{"registryMirrorConfiguration": conf}))
	r.Steps = append(r.Steps,
		"Merge eks-anywhere/registry-mirror.yaml under spec: of your Cluster definition (cluster.yaml).",
		"If the registry needs a login, set authenticate: true and export REGISTRY_USERNAME and REGISTRY_PASSWORD before running eksctl anywhere.",
		"Create or upgrade the cluster: `eksctl anywhere create cluster -f cluster.yaml` (or `upgrade cluster`).")
	return nil
}

type settings struct {
	XMLName xml.Name `xml:"settings"`
	Xmlns   string   `xml:"xmlns,attr"`
	Mirrors struct {
		Mirror []xmlMirror `xml:"mirror"`
	} `xml:"mirrors"`
	Servers struct {
		Server []xmlServer `xml:"server"`
	} `xml:"servers"`
}

type xmlMirror struct {
	ID       string `xml:"id"`
	Name     string `xml:"name"`
	MirrorOf string `xml:"mirrorOf"`
	URL      string `xml:"url"`
}

type xmlServer struct {
	ID       string `xml:"id"`
	Username string `xml:"username"`
	Password string `xml:"password"`
}

func mavenSettings(r *Result, in Input) error {
	if in.MavenURL == "" {
		return fmt.Errorf("maven needs the site's Maven repository: give --maven-url")
	}
	var s settings
	s.Xmlns = "http://maven.apache.org/SETTINGS/1.2.0"
	s.Mirrors.Mirror = []xmlMirror{{ID: in.MavenServerID, Name: "ferry mirror", MirrorOf: "*", URL: in.MavenURL}}
	s.Servers.Server = []xmlServer{{ID: in.MavenServerID, Username: "REPLACE_WITH_USER", Password: "REPLACE_WITH_PASSWORD"}}
	out, err := xml.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	r.add("maven/settings.xml", append([]byte(xml.Header), append(out, '\n')...))
	r.Steps = append(r.Steps,
		"Copy maven/settings.xml to ~/.m2/settings.xml on each build machine (or pass it with `mvn -s`).",
		"Replace REPLACE_WITH_USER and REPLACE_WITH_PASSWORD with the repository login, or delete the <server> entry if reading needs none.",
		"Check: `mvn -s ~/.m2/settings.xml dependency:resolve` in a project succeeds with the internet unplugged.")
	if strings.HasPrefix(in.MavenURL, "http://") {
		r.Warnings = append(r.Warnings, "the Maven repository is plain HTTP: Maven 3.8.1 and later block http repositories unless this mirror is matched first, which this settings.xml does")
	}
	return nil
}

func gradle(r *Result, in Input) error {
	if in.MavenURL == "" {
		return fmt.Errorf("gradle needs the site's Maven repository: give --maven-url")
	}
	insecure := ""
	if strings.HasPrefix(in.MavenURL, "http://") {
		insecure = "\n            allowInsecureProtocol = true"
	}
	script := fmt.Sprintf(`// Written by ferry: resolve everything from the site's Maven repository.
def ferryMirror = { repos ->
    repos.clear()
    repos.maven {
        name = 'ferryMirror'
        url = uri('%[1]s')%[2]s
    }
}
settingsEvaluated { settings ->
    ferryMirror(settings.pluginManagement.repositories)
}
allprojects {
    buildscript { ferryMirror(repositories) }
    ferryMirror(repositories)
}
`, in.MavenURL, strings.ReplaceAll(insecure, "            ", "        "))
	r.add("gradle/init.d/ferry-mirror.gradle", []byte(script))
	r.Steps = append(r.Steps,
		"Copy gradle/init.d/ferry-mirror.gradle to ~/.gradle/init.d/ on each build machine.",
		"Check: `gradle build --offline` (or without --offline) succeeds with the internet unplugged.")
	return nil
}

func registryLess(r *Result, in Input) error {
	if len(in.DigestRefs) == 0 {
		return fmt.Errorf("registry-less needs a bundle or plan with images")
	}
	refs := append([]string(nil), in.DigestRefs...)
	sort.Strings(refs)
	var b strings.Builder
	b.WriteString("[crio.image]\npinned_images = [\n")
	for _, ref := range refs {
		fmt.Fprintf(&b, "  %q,\n", ref)
	}
	b.WriteString("]\n")
	pinned := b.String()
	r.add("registry-less/99-ferry-pinned-images.conf", []byte(pinned))
	r.add("registry-less/storage-additionalimagestores.conf", []byte("# /etc/containers/storage.conf: a read-only image store pre-seeded from the bundle.\n[storage.options]\nadditionalimagestores = [\"/var/lib/ferry-images\"]\n"))
	r.add("registry-less/machineconfig.yaml", yamlDoc(map[string]any{
		"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig",
		"metadata": map[string]any{"name": "99-worker-" + in.Name + "-pinned-images", "labels": map[string]string{"machineconfiguration.openshift.io/role": "worker"}},
		"spec": map[string]any{"config": map[string]any{
			"ignition": map[string]string{"version": "3.2.0"},
			"storage": map[string]any{"files": []map[string]any{{
				"path": "/etc/crio/crio.conf.d/99-ferry-pinned-images.conf", "mode": 420, "overwrite": true,
				"contents": map[string]string{"source": "data:text/plain;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(pinned))},
			}}},
		}},
	}))
	var images []map[string]string
	for _, ref := range refs {
		images = append(images, map[string]string{"name": ref})
	}
	r.add("registry-less/pinnedimageset.yaml", yamlDoc(map[string]any{
		"apiVersion": "machineconfiguration.openshift.io/v1alpha1", "kind": "PinnedImageSet",
		"metadata": map[string]any{"name": in.Name + "-pinned", "labels": map[string]string{"machineconfiguration.openshift.io/role": "worker"}},
		"spec":     map[string]any{"pinnedImages": images},
	}))
	if len(refs) > 500 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("a PinnedImageSet holds at most 500 images and the bundle has %d: split pinnedimageset.yaml in two", len(refs)))
	}
	r.Steps = append(r.Steps,
		"Plug the bundle's medium into one node and serve it: `./ferry serve /media/usb --listen 127.0.0.1:5000` (or copy the parts, index and ferry to the node first).",
		"On each node, load every image into the read-only store, for example: `skopeo copy --src-tls-verify=false docker://127.0.0.1:5000/"+pathOf(strings.SplitN(refs[0], "@", 2)[0])+"@"+strings.SplitN(refs[0]+"@", "@", 3)[1]+" containers-storage:[overlay@/var/lib/ferry-images+/run/ferry-images]"+refs[0]+"`.",
		"Add the store to /etc/containers/storage.conf on each node (registry-less/storage-additionalimagestores.conf shows the lines).",
		"Apply the pinning: `oc apply -f registry-less/machineconfig.yaml` and `oc apply -f registry-less/pinnedimageset.yaml`.",
		"Wait until `oc get mcp worker` shows UPDATED True; the pinned images are then never garbage-collected.")
	return nil
}
