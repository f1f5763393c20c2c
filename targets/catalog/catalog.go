package catalog

import (
	"slices"
	"strings"

	"ferry/artifacts/fault"
)

// APIVersion is the catalog format version this build reads and writes.
const APIVersion = "ferry/v1"

// Kind is the value of the kind field of every catalog file.
const Kind = "Catalog"

// Catalog is a set of targets, merged from the built-in catalogs and any
// user catalogs. Later sources override earlier ones by target name.
type Catalog struct {
	targets []*Target
}

// Targets returns the catalog's targets sorted by name.
func (c *Catalog) Targets() []*Target {
	out := slices.Clone(c.targets)
	slices.SortFunc(out, func(a, b *Target) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Target returns the target with the given name, or an error sentence that
// lists the names there are.
func (c *Catalog) Target(name string) (*Target, error) {
	for _, t := range c.targets {
		if t.Name == name {
			return t, nil
		}
	}
	names := make([]string, 0, len(c.targets))
	for _, t := range c.Targets() {
		names = append(names, t.Name)
	}
	return nil, fault.New(ErrUnknown, "there is no target %q in the catalog (targets: %s); run `ferry catalog list` to see them", name, strings.Join(names, ", "))
}

// Only is a catalog of just the named targets (those it has), for a
// caller that must not offer the others, such as the demo, which has
// content for its own target only.
func (c *Catalog) Only(names ...string) *Catalog {
	out := &Catalog{}
	for _, t := range c.targets {
		if slices.Contains(names, t.Name) {
			out.targets = append(out.targets, t)
		}
	}
	return out
}

// add puts a target into the catalog, replacing one of the same name.
func (c *Catalog) add(t *Target) {
	for i, old := range c.targets {
		if old.Name == t.Name {
			c.targets[i] = t
			return
		}
	}
	c.targets = append(c.targets, t)
}

// Target is one product that can be carried: its versions, architectures and
// modules.
type Target struct {
	Name        string            `yaml:"name"`
	Title       string            `yaml:"title"`
	Description string            `yaml:"description"`
	Archs       []string          `yaml:"archs"`
	Vars        map[string]string `yaml:"vars"`
	Versions    []Version         `yaml:"versions"`
	Modules     []Module          `yaml:"modules"`

	// Source names where the target was read from: "built-in" or a file path.
	Source string `yaml:"-"`
	// Line is the line of the target's entry in Source.
	Line int `yaml:"-"`
}

// Version is one release of a target. Versions are listed newest first.
type Version struct {
	Version string            `yaml:"version"`
	Vars    map[string]string `yaml:"vars"`
	// Modules replaces, for this version only, the lists of the named modules.
	Modules map[string]Override `yaml:"modules"`

	Line int `yaml:"-"`
}

// Module is a part of a target the engineer can choose; it names what it needs.
type Module struct {
	Name        string   `yaml:"name"`
	Title       string   `yaml:"title"`
	Description string   `yaml:"description"`
	Required    bool     `yaml:"required"`
	Default     bool     `yaml:"default"`
	DependsOn   []string `yaml:"dependsOn"`
	// Notes is free text for the technician on the far side.
	Notes string `yaml:"notes"`
	Needs `yaml:",inline"`

	Line int `yaml:"-"`
}

// Needs is what a module carries. Strings may use ${version} and ${NAME} for
// the target's and the version's vars.
type Needs struct {
	Images []Item `yaml:"images"`
	// Releases are OpenShift release images whose component lists are read
	// at plan time; they may use ${arch} (amd64) and ${uarch} (x86_64).
	Releases []Item `yaml:"releases"`
	// ReleaseComponents pick components of release images by name, for
	// what needs only some of a payload (on-cluster image builds).
	ReleaseComponents []ReleaseComponents `yaml:"releaseComponents"`
	// Signatures carry the signatures of OpenShift release images, fetched
	// from a signature store by each release image's digest at plan time.
	Signatures []ReleaseSignatures `yaml:"signatures"`
	// Bundles are EKS Anywhere Bundles manifests read at plan time.
	Bundles []BundlesRef `yaml:"bundles"`
	Maven   []Item       `yaml:"maven"`
	// MavenFromImages are Maven repositories inside images, carried as
	// Maven artifacts without the images.
	MavenFromImages []MavenImage `yaml:"mavenFromImages"`
	Files           []File       `yaml:"files"`
	// Operators are OLM packages read from catalog images at plan time;
	// the bundle carries their images and a filtered copy of each catalog.
	Operators []Operator `yaml:"operators"`
}

// Operator names an OLM package in a catalog image.
type Operator struct {
	// Catalog is the catalog image (templated).
	Catalog string `yaml:"catalog"`
	// Package is the OLM package name.
	Package string `yaml:"package"`
	// Channel is the channel whose head is carried; empty means the
	// package's default channel.
	Channel string `yaml:"channel"`
	// Versions is an OLM version range (">=1.2.0 <1.4.0"): every bundle
	// of the channel in it is carried instead of the head alone.
	Versions string `yaml:"versions"`

	Line int `yaml:"-"`
}

// ReleaseComponents names some components of an OpenShift release image.
type ReleaseComponents struct {
	// Release is the release image (templated, ${arch} and ${uarch} too).
	Release string `yaml:"release"`
	// Components are names in its image-references (rhel-coreos, …).
	Components []string `yaml:"components"`

	Line int `yaml:"-"`
}

// ReleaseSignatures names a release image whose signature a disconnected
// upgrade needs, and the store that serves it.
type ReleaseSignatures struct {
	// Release is the release image (templated, ${arch} and ${uarch} too).
	Release string `yaml:"release"`
	// Store is the signature store's base URL; the signature of digest
	// sha256:HEX is at STORE/sha256=HEX/signature-1.
	Store string `yaml:"store"`

	Line int `yaml:"-"`
}

// MavenImage names a Maven repository in repository layout inside an
// image, such as the offline repository SonataFlow's builder image holds.
type MavenImage struct {
	// Image is the image reference (templated).
	Image string `yaml:"image"`
	// Path is the repository's folder inside the image, absolute.
	Path string `yaml:"path"`

	Line int `yaml:"-"`
}

// Override is a version's replacement for a module's lists.
type Override Needs

// BundlesRef reads part of an EKS Anywhere Bundles manifest: the
// versionsBundle of one Kubernetes version, its sections filtered.
type BundlesRef struct {
	// URL of the manifest (templated).
	URL string `yaml:"url"`
	// KubeVersion picks the versionsBundle ("1.28").
	KubeVersion string `yaml:"kubeVersion"`
	// Include keeps only these sections (vSphere, tinkerbell…) or keys of
	// a section (eksD.kindNode); Exclude drops these. Neither: every
	// section.
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
	// Archives also carries the archives (OVAs, raw images, binaries)
	// listed with a sha256; otherwise only images.
	Archives bool `yaml:"archives"`
	// With carries this entry only when all these modules are carried too.
	With []string `yaml:"with"`

	Line int `yaml:"-"`
}

// Item is one templated string of a catalog with the line it was read from.
type Item struct {
	Value string
	Line  int
	// Archs limits the item to these architectures; empty means all. Only
	// requirement folders set it (they list images per architecture); a
	// catalog writes an item as a plain string.
	Archs []string
}

// File is a plain file a module carries, fetched from URL and checked
// against SHA256.
type File struct {
	URL    string `yaml:"url"`
	SHA256 string `yaml:"sha256"`
	// Name is the file's name in the bundle; default the URL's last segment.
	Name string `yaml:"name"`
	// SHA256 may be SHA256AtPlan when no source gives the file's sha256:
	// the plan then fetches the file and records the sha256 it computes.
	// Size in bytes, when the catalog knows it; otherwise found at plan time.
	Size int64 `yaml:"size"`
	// Archs limits the file to these architectures; empty means all.
	Archs []string `yaml:"archs"`

	Line int `yaml:"-"`
}

// SHA256AtPlan, as a file's sha256, says the catalog knows no sha256 for
// the file and the plan computes it from the file it fetches.
const SHA256AtPlan = "plan"

// VersionNames returns the version strings, newest first.
func (t *Target) VersionNames() []string {
	out := make([]string, len(t.Versions))
	for i, v := range t.Versions {
		out[i] = v.Version
	}
	return out
}

// ModuleNames returns the module names in catalog order.
func (t *Target) ModuleNames() []string {
	out := make([]string, len(t.Modules))
	for i, m := range t.Modules {
		out[i] = m.Name
	}
	return out
}

// Module returns the named module, or nil.
func (t *Target) Module(name string) *Module {
	for i := range t.Modules {
		if t.Modules[i].Name == name {
			return &t.Modules[i]
		}
	}
	return nil
}

// version returns the named version, or nil.
func (t *Target) version(name string) *Version {
	for i := range t.Versions {
		if t.Versions[i].Version == name {
			return &t.Versions[i]
		}
	}
	return nil
}

// Latest returns the newest version's name, or "" for a target without versions.
func (t *Target) Latest() string {
	if len(t.Versions) == 0 {
		return ""
	}
	return t.Versions[0].Version
}
