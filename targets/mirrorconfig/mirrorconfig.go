package mirrorconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/afero"
	"gopkg.in/yaml.v3"

	"ferry/artifacts/fault"
)

// ErrMissing marks a platform whose configuration needs a destination
// that was not given.
var ErrMissing = errors.New("destination missing")

// Mirror maps one source repository prefix to where the site serves it.
type Mirror struct {
	// Source is host[/path] as the bundle's image references have it, for
	// example "docker.io/apache" or "quay.io".
	Source string
	// Target is host[:port][/path] at the site, for example
	// "registry.site:5000/mirror/apache".
	Target string
}

// Input is what every platform writer works from.
type Input struct {
	// Mirrors are sorted by Source, without duplicates.
	Mirrors []Mirror
	// Images are the original references of every carried image, as the
	// bundle's OCI layout names them; they make the examples in the steps.
	Images []string
	// DigestRefs are "source-repo@sha256:…" for every carried image; the
	// registry-less writer pins them.
	DigestRefs []string
	// Registry is the mirror registry's host[:port].
	Registry string
	// CAFile is the path of the site CA's PEM file, when one was given.
	CAFile string
	// CAPEM is the content of CAFile.
	CAPEM []byte
	// Insecure says the mirror is plain HTTP.
	Insecure bool
	// MavenURL is the site's Maven repository, needed by maven and gradle.
	MavenURL string
	// MavenServerID names the repository in settings.xml; "ferry-mirror"
	// when empty.
	MavenServerID string
	// Name is a short lowercase DNS-1123 name for resources and files, for
	// example "sonataflow-10-1-0"; "ferry" when empty.
	Name string
	// Catalogs are the filtered operator catalogs carried, for the
	// platforms that install operators from them (openshift).
	Catalogs []Catalog
	// ReleaseSignatures are OpenShift release signatures carried with the
	// release images; SignaturesUnread names the digests of signatures a
	// plan lists but whose content only the bundle holds.
	ReleaseSignatures []ReleaseSignature
	SignaturesUnread  []string
}

// Catalog is a filtered operator catalog as the site's registry serves it.
type Catalog struct {
	// Source is the catalog image as the selection named it.
	Source string
	// Image is the filtered catalog at the site, pinned by digest.
	Image string
	// Packages are what it holds.
	Packages []CatalogPackage
}

// CatalogPackage is one package of a filtered catalog and the channel
// kept; Listed says the engineer asked for it (the others are there
// because a listed one requires them, and OLM installs them itself).
type CatalogPackage struct {
	Name, Channel string
	Listed        bool
}

// ReleaseSignature is the signature of one OpenShift release image.
type ReleaseSignature struct {
	// Digest is the release image's digest (sha256:HEX), Data the
	// signature as the signature store serves it.
	Digest string
	Data   []byte
}

// Options are choices that only some platforms use.
type Options struct {
	// ICSP also writes the legacy ImageContentSourcePolicy, for OpenShift
	// 4.12 and older.
	ICSP bool
}

// File is one generated file.
type File struct {
	// Path is relative to the output folder, slash-separated, for example
	// "openshift/imagedigestmirrorset.yaml".
	Path string
	// Content is the file's bytes.
	Content []byte
	// Mode is the file's permission bits; 0644 when zero.
	Mode os.FileMode
}

// Result is what a platform writer produces.
type Result struct {
	// Platform is one of Platforms.
	Platform string
	// Files are the generated files, in a fixed order.
	Files []File
	// Steps are plain sentences a technician follows in order; they name
	// the files by their paths.
	Steps []string
	// Warnings are what the technician must know before applying the
	// files, each a sentence.
	Warnings []string
}

// Platforms lists every platform name Generate accepts, in the order they
// are offered.
var Platforms = []string{"openshift", "crio", "podman", "containerd", "docker", "eks-anywhere", "maven", "gradle", "registry-less"}

// CheckPlatform refuses a name that is not one of Platforms, with the
// names to choose from.
func CheckPlatform(platform string) error {
	if !slices.Contains(Platforms, platform) {
		return fmt.Errorf("there is no platform %q: choose one of %s", platform, strings.Join(Platforms, ", "))
	}
	return nil
}

var dns1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Generate writes the configuration for one platform from in. It returns an
// error sentence for an unknown platform or an input the platform cannot
// use.
func Generate(platform string, in Input, opts Options) (*Result, error) {
	if err := CheckPlatform(platform); err != nil {
		return nil, err
	}
	in = normalized(in)
	if !dns1123.MatchString(in.Name) || len(in.Name) > 50 {
		return nil, fmt.Errorf("the name %q cannot name resources: use lowercase letters, digits and '-', at most 50 characters", in.Name)
	}
	usesRegistry := platform != "maven" && platform != "gradle" && platform != "registry-less"
	if usesRegistry && (in.Registry == "" || len(in.Mirrors) == 0) {
		return nil, fault.New(ErrMissing, "%s needs the mirror registry (%s) and a bundle or plan with images", platform, fault.Use(fault.Registry))
	}
	r := &Result{Platform: platform}
	if in.Insecure && usesRegistry {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s is configured as a plain-HTTP mirror: images travel unencrypted and unauthenticated on the site network.", in.Registry))
	}
	var err error
	switch platform {
	case "openshift":
		openshift(r, in, opts)
	case "crio", "podman":
		registriesConf(r, in, platform)
	case "containerd":
		containerd(r, in)
	case "docker":
		err = docker(r, in)
	case "eks-anywhere":
		eksa(r, in)
	case "maven":
		err = mavenSettings(r, in)
	case "gradle":
		err = gradle(r, in)
	case "registry-less":
		err = registryLess(r, in)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// normalized fills the defaults and sorts copies of the lists, so the output
// is the same whatever order the caller used.
func normalized(in Input) Input {
	if in.Name == "" {
		in.Name = "ferry"
	}
	if in.MavenServerID == "" {
		in.MavenServerID = "ferry-mirror"
	}
	in.Mirrors = append([]Mirror(nil), in.Mirrors...)
	sort.SliceStable(in.Mirrors, func(i, j int) bool { return in.Mirrors[i].Source < in.Mirrors[j].Source })
	in.Images = sortedUnique(in.Images)
	in.DigestRefs = sortedUnique(in.DigestRefs)
	return in
}

func sortedUnique(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	n := 0
	for i, v := range out {
		if i == 0 || v != out[n-1] {
			out[n] = v
			n++
		}
	}
	return out[:n]
}

// Write puts r's files under dir, creating folders as needed, and the steps
// and warnings in dir/PLATFORM/STEPS.md.
func Write(fs afero.Fs, dir string, r *Result) error {
	for _, f := range r.Files {
		clean := path.Clean(f.Path)
		if f.Path == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("cannot write %q: generated files must stay inside %s", f.Path, dir)
		}
		if err := writeFile(fs, filepath.Join(dir, filepath.FromSlash(clean)), f.Content, f.Mode); err != nil {
			return err
		}
	}
	return writeFile(fs, filepath.Join(dir, r.Platform, "STEPS.md"), stepsMarkdown(r), 0o644)
}

func writeFile(fs afero.Fs, p string, content []byte, mode os.FileMode) error {
	if mode == 0 {
		mode = 0o644
	}
	if err := fs.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("cannot write %s: %w", p, err)
	}
	if err := afero.WriteFile(fs, p, content, mode); err != nil {
		return fmt.Errorf("cannot write %s: %w", p, err)
	}
	return nil
}

func stepsMarkdown(r *Result) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s: steps\n\n", r.Platform)
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "> **Warning:** %s\n\n", w)
	}
	for i, s := range r.Steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	return b.Bytes()
}

func (r *Result) add(path string, content []byte) {
	r.Files = append(r.Files, File{Path: path, Content: content, Mode: 0o644})
}

func yamlDoc(v any) []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	// Encoding maps, slices and plain structs cannot fail.
	_ = enc.Encode(v)
	_ = enc.Close()
	return buf.Bytes()
}

// tomlString quotes s as a TOML basic string (Go's %q may emit \x escapes,
// which TOML lacks).
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func tomlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = tomlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
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

// namespace is the path the mirror puts in front of the source's repository
// names: containerd, Docker and EKS Anywhere map whole registries, so they
// can only prefix names, not rename them. ok is false when m's Target does
// not end with its Source's path.
func namespace(m Mirror) (ns string, ok bool) {
	sp, tp := pathOf(m.Source), pathOf(m.Target)
	switch {
	case sp == "":
		return tp, true
	case tp == sp:
		return "", true
	case strings.HasSuffix(tp, "/"+sp):
		return strings.TrimSuffix(tp, "/"+sp), true
	}
	return "", false
}

// fullRef adds the registry and "library/" that Docker Hub short names
// leave out.
func fullRef(ref string) string {
	first, rest, ok := strings.Cut(ref, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return ref
	}
	if !ok {
		return "docker.io/library/" + ref
	}
	return "docker.io/" + first + "/" + rest
}

// atMirror rewrites ref to its name at the site, by the longest matching
// mirror Source.
func atMirror(ref string, mirrors []Mirror) (string, bool) {
	full := fullRef(ref)
	best := -1
	for i, m := range mirrors {
		if strings.HasPrefix(full, m.Source) && (len(full) == len(m.Source) || strings.ContainsRune("/:@", rune(full[len(m.Source)]))) {
			if best < 0 || len(m.Source) > len(mirrors[best].Source) {
				best = i
			}
		}
	}
	if best < 0 {
		return "", false
	}
	return mirrors[best].Target + full[len(mirrors[best].Source):], true
}

// example is one image to name in a check step.
func example(in Input) string {
	if len(in.DigestRefs) > 0 {
		return in.DigestRefs[0]
	}
	if len(in.Images) > 0 {
		return fullRef(in.Images[0])
	}
	if len(in.Mirrors) > 0 {
		return in.Mirrors[0].Source + ":TAG"
	}
	return "IMAGE"
}
