package olm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Schemas of the blobs a file-based catalog holds that selection reads.
const (
	SchemaPackage = "olm.package"
	SchemaChannel = "olm.channel"
	SchemaBundle  = "olm.bundle"
	// SchemaDeprecations marks a package's deprecation notices: of the
	// package, of channels and of bundles.
	SchemaDeprecations = "olm.deprecations"
)

// Property types that say what a bundle is, provides and requires.
const (
	PropPackage         = "olm.package"
	PropGVK             = "olm.gvk"
	PropPackageRequired = "olm.package.required"
	PropGVKRequired     = "olm.gvk.required"
)

// Blob is one object of a catalog file, as JSON. Raw is the object as
// read, which a filtered catalog writes back unchanged.
type Blob struct {
	Schema  string          `json:"schema"`
	Package string          `json:"package"`
	Name    string          `json:"name"`
	Raw     json.RawMessage `json:"-"`
}

// Package is an olm.package blob.
type Package struct {
	Name           string          `json:"name"`
	DefaultChannel string          `json:"defaultChannel"`
	Raw            json.RawMessage `json:"-"`
}

// Channel is an olm.channel blob.
type Channel struct {
	Package string          `json:"package"`
	Name    string          `json:"name"`
	Entries []Entry         `json:"entries"`
	Raw     json.RawMessage `json:"-"`
}

// Entry is one bundle of a channel and the bundles it upgrades from.
type Entry struct {
	Name      string   `json:"name"`
	Replaces  string   `json:"replaces,omitempty"`
	Skips     []string `json:"skips,omitempty"`
	SkipRange string   `json:"skipRange,omitempty"`
}

// Bundle is an olm.bundle blob.
type Bundle struct {
	Package       string          `json:"package"`
	Name          string          `json:"name"`
	Image         string          `json:"image"`
	Properties    []Property      `json:"properties"`
	RelatedImages []RelatedImage  `json:"relatedImages"`
	Raw           json.RawMessage `json:"-"`
}

// Property is one typed property of a bundle.
type Property struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// RelatedImage is an image a bundle's operator runs or deploys.
type RelatedImage struct {
	Name  string `json:"name"`
	Image string `json:"image"`
}

// GVK is a Kubernetes API group, version and kind.
type GVK struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

func (g GVK) String() string { return g.Group + "/" + g.Version + " " + g.Kind }

// PackageRequired is the value of an olm.package.required property.
type PackageRequired struct {
	PackageName  string `json:"packageName"`
	VersionRange string `json:"versionRange"`
}

// Version is the bundle's version, from its olm.package property.
func (b *Bundle) Version() string {
	for _, p := range b.Properties {
		if p.Type == PropPackage {
			var v struct {
				Version string `json:"version"`
			}
			if json.Unmarshal(p.Value, &v) == nil {
				return v.Version
			}
		}
	}
	return ""
}

// Provides lists the APIs the bundle's olm.gvk properties name.
func (b *Bundle) Provides() []GVK { return gvks(b.Properties, PropGVK) }

// RequiresGVK lists the APIs the bundle needs another bundle to provide.
func (b *Bundle) RequiresGVK() []GVK { return gvks(b.Properties, PropGVKRequired) }

// RequiresPackages lists the packages the bundle needs, with version
// ranges.
func (b *Bundle) RequiresPackages() []PackageRequired {
	var out []PackageRequired
	for _, p := range b.Properties {
		if p.Type == PropPackageRequired {
			var v PackageRequired
			if json.Unmarshal(p.Value, &v) == nil && v.PackageName != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

func gvks(props []Property, typ string) []GVK {
	var out []GVK
	for _, p := range props {
		if p.Type == typ {
			var g GVK
			if json.Unmarshal(p.Value, &g) == nil && g.Kind != "" {
				out = append(out, g)
			}
		}
	}
	return out
}

// PackageModel is one package of a catalog with its channels and bundles.
type PackageModel struct {
	Package
	// Channels and Bundles by name.
	Channels map[string]*Channel
	Bundles  map[string]*Bundle
	// Deprecations is the package's olm.deprecations blob, nil when it
	// has none.
	Deprecations json.RawMessage
}

// ChannelNames lists the package's channels, sorted.
func (p *PackageModel) ChannelNames() []string {
	out := make([]string, 0, len(p.Channels))
	for n := range p.Channels {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Catalog is a file-based catalog: its packages by name.
type Catalog struct {
	Packages map[string]*PackageModel
}

// PackageNames lists the catalog's packages, sorted.
func (c *Catalog) PackageNames() []string {
	out := make([]string, 0, len(c.Packages))
	for n := range c.Packages {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ParseFile reads the blobs of one catalog file: a stream of JSON objects
// for a .json file, YAML documents otherwise. name is used in messages.
func ParseFile(name string, data []byte) ([]Blob, error) {
	var raws []json.RawMessage
	if strings.HasSuffix(name, ".json") {
		dec := json.NewDecoder(bytes.NewReader(data))
		for {
			var r json.RawMessage
			err := dec.Decode(&r)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			raws = append(raws, r)
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var v any
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if v == nil {
				continue
			}
			r, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("%s: a document cannot be read as JSON: %w", name, err)
			}
			raws = append(raws, r)
		}
	}
	out := make([]Blob, 0, len(raws))
	for i, r := range raws {
		var b Blob
		if err := json.Unmarshal(r, &b); err != nil {
			return nil, fmt.Errorf("%s: object %d is not a catalog blob: %w", name, i+1, err)
		}
		if b.Schema == "" {
			return nil, fmt.Errorf("%s: object %d has no schema", name, i+1)
		}
		b.Raw = compact(r)
		out = append(out, b)
	}
	return out, nil
}

func compact(r json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, r) != nil {
		return r
	}
	return buf.Bytes()
}

// IsCatalogFile says whether a file under the configs folder holds blobs:
// JSON or YAML by its extension, as catalogs name them.
func IsCatalogFile(p string) bool {
	switch path.Ext(p) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// Read reads every catalog file of fsys, at any depth, into a catalog.
// Schemas other than package, channel, bundle and deprecations are
// skipped.
func Read(fsys fs.FS) (*Catalog, error) {
	var blobs []Blob
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || !IsCatalogFile(p) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		bs, err := ParseFile(p, data)
		if err != nil {
			return err
		}
		blobs = append(blobs, bs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return Assemble(blobs)
}

// Assemble builds a catalog out of blobs, checking that every channel and
// bundle names a package the blobs define and no name is defined twice.
func Assemble(blobs []Blob) (*Catalog, error) {
	c := &Catalog{Packages: map[string]*PackageModel{}}
	for _, b := range blobs {
		if b.Schema != SchemaPackage {
			continue
		}
		var p Package
		if err := json.Unmarshal(b.Raw, &p); err != nil {
			return nil, fmt.Errorf("package %q: %w", b.Name, err)
		}
		if p.Name == "" {
			return nil, fmt.Errorf("an olm.package blob has no name")
		}
		if _, dup := c.Packages[p.Name]; dup {
			return nil, fmt.Errorf("the catalog defines package %q twice", p.Name)
		}
		p.Raw = b.Raw
		c.Packages[p.Name] = &PackageModel{Package: p, Channels: map[string]*Channel{}, Bundles: map[string]*Bundle{}}
	}
	pkg := func(schema, name, owner string) (*PackageModel, error) {
		m, ok := c.Packages[owner]
		if !ok {
			return nil, fmt.Errorf("%s %q names package %q, which the catalog does not define", schema, name, owner)
		}
		return m, nil
	}
	for _, b := range blobs {
		switch b.Schema {
		case SchemaChannel:
			var ch Channel
			if err := json.Unmarshal(b.Raw, &ch); err != nil {
				return nil, fmt.Errorf("channel %q of %q: %w", b.Name, b.Package, err)
			}
			m, err := pkg(b.Schema, ch.Name, ch.Package)
			if err != nil {
				return nil, err
			}
			if _, dup := m.Channels[ch.Name]; dup {
				return nil, fmt.Errorf("package %q defines channel %q twice", ch.Package, ch.Name)
			}
			ch.Raw = b.Raw
			m.Channels[ch.Name] = &ch
		case SchemaBundle:
			var bu Bundle
			if err := json.Unmarshal(b.Raw, &bu); err != nil {
				return nil, fmt.Errorf("bundle %q of %q: %w", b.Name, b.Package, err)
			}
			m, err := pkg(b.Schema, bu.Name, bu.Package)
			if err != nil {
				return nil, err
			}
			if _, dup := m.Bundles[bu.Name]; dup {
				return nil, fmt.Errorf("package %q defines bundle %q twice", bu.Package, bu.Name)
			}
			bu.Raw = b.Raw
			m.Bundles[bu.Name] = &bu
		case SchemaDeprecations:
			m, err := pkg(b.Schema, b.Package, b.Package)
			if err != nil {
				return nil, err
			}
			if m.Deprecations != nil {
				return nil, fmt.Errorf("package %q has two olm.deprecations blobs", b.Package)
			}
			m.Deprecations = b.Raw
		}
	}
	for _, m := range c.Packages {
		for _, ch := range m.Channels {
			if slices.ContainsFunc(ch.Entries, func(e Entry) bool { return e.Name == "" }) {
				return nil, fmt.Errorf("channel %q of package %q has an entry without a name", ch.Name, m.Name)
			}
		}
	}
	return c, nil
}
