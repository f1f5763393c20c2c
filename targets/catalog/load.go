package catalog

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// BuiltinSource is the Source of targets that come with ferry.
const BuiltinSource = "built-in"

// ErrInvalid marks a catalog that could not be read; its text names file and line.
var ErrInvalid = errors.New("invalid catalog")

// ErrUnknown marks a name (target, version, module, architecture) the catalog does not have.
var ErrUnknown = errors.New("unknown name")

// Error is a problem at one place of a catalog file.
type Error struct {
	File string
	Line int
	Msg  string
}

// Error gives "file:line: what is wrong".
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap lets errors.Is match ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// Load returns the built-in catalog with the targets of each path added on
// top, in order; a path may be a file or a folder of *.yaml / *.yml files.
func Load(paths ...string) (*Catalog, error) {
	c, err := Builtin()
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		ts, err := ReadPath(p)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			c.add(t)
		}
	}
	return c, nil
}

// ReadPath reads and validates the targets of one path, without the
// built-in ones: a catalog file, a folder of catalog files, or a folder of
// LambdaStack/Epiphany requirement files.
func ReadPath(p string) ([]*Target, error) {
	if IsRequirements(p) {
		t, err := LoadRequirements(p)
		if err != nil {
			return nil, err
		}
		return []*Target{t}, nil
	}
	files, err := catalogFiles(p)
	if err != nil {
		return nil, err
	}
	var out []*Target
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read catalog %s: %w", f, err)
		}
		ts, err := Parse(f, data)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

// Builtin returns the catalogs embedded in ferry.
func Builtin() (*Catalog, error) {
	c := &Catalog{}
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		data, err := builtinFS.ReadFile("builtin/" + e.Name())
		if err != nil {
			return nil, err
		}
		ts, err := Parse("builtin/"+e.Name(), data)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			t.Source = BuiltinSource
			c.add(t)
		}
	}
	return c, nil
}

func catalogFiles(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("catalog %s does not exist: give a catalog file or a folder of them", p)
		}
		return nil, fmt.Errorf("catalog %s: %w", p, err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var out []string
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", p, err)
	}
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			out = append(out, filepath.Join(p, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("catalog folder %s holds no .yaml files", p)
	}
	sort.Strings(out)
	return out, nil
}

type file struct {
	APIVersion string    `yaml:"apiVersion"`
	Kind       string    `yaml:"kind"`
	Targets    []*Target `yaml:"targets"`
}

// Parse reads one catalog file and validates it; source names the file in
// error messages and becomes each target's Source.
func Parse(source string, data []byte) ([]*Target, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: source, Msg: "the file is empty; a catalog starts with apiVersion: " + APIVersion}
		}
		return nil, yamlError(source, err)
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if err := checkKeys(doc, "catalog", "apiVersion", "kind", "targets"); err != nil {
		return nil, withFile(source, err)
	}
	var f file
	if err := doc.Decode(&f); err != nil {
		return nil, withFile(source, err)
	}
	if f.APIVersion != APIVersion {
		return nil, &Error{File: source, Line: doc.Line, Msg: fmt.Sprintf("apiVersion is %q; this ferry reads %q", f.APIVersion, APIVersion)}
	}
	if f.Kind != Kind {
		return nil, &Error{File: source, Line: doc.Line, Msg: fmt.Sprintf("kind is %q; a catalog file has kind: %s", f.Kind, Kind)}
	}
	seen := map[string]int{}
	for _, t := range f.Targets {
		t.Source = source
		if prev, ok := seen[t.Name]; ok {
			return nil, &Error{File: source, Line: t.Line, Msg: fmt.Sprintf("target %q is already defined at line %d", t.Name, prev)}
		}
		seen[t.Name] = t.Line
		if err := t.validate(); err != nil {
			return nil, withFile(source, err)
		}
	}
	return f.Targets, nil
}

// withFile puts the file name on a line-only error.
func withFile(source string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		if e.File == "" {
			e.File = source
		}
		return e
	}
	return yamlError(source, err)
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// yamlError turns a yaml.v3 error into "file:line: message".
func yamlError(source string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	msg = strings.TrimPrefix(msg, "yaml: ")
	first := strings.TrimSpace(strings.SplitN(msg, "\n", 2)[0])
	if m := yamlLine.FindStringSubmatch(first); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &Error{File: source, Line: n, Msg: m[2]}
	}
	return &Error{File: source, Msg: first}
}

// checkKeys refuses mapping keys other than the allowed ones, so a typo in a
// catalog is reported rather than silently ignored.
func checkKeys(n *yaml.Node, what string, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return &Error{Line: n.Line, Msg: fmt.Sprintf("a %s must be a mapping of keys to values", what)}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			return &Error{Line: k.Line, Msg: fmt.Sprintf("unknown field %q in %s (fields: %s)", k.Value, what, strings.Join(allowed, ", "))}
		}
	}
	return nil
}

// UnmarshalYAML reads a target and records its line.
func (t *Target) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "target", "name", "title", "description", "archs", "vars", "versions", "modules"); err != nil {
		return err
	}
	type plain Target
	if err := n.Decode((*plain)(t)); err != nil {
		return err
	}
	t.Line = n.Line
	return nil
}

// UnmarshalYAML reads a version and records its line.
func (v *Version) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "version", "version", "vars", "modules"); err != nil {
		return err
	}
	type plain Version
	if err := n.Decode((*plain)(v)); err != nil {
		return err
	}
	v.Line = n.Line
	return nil
}

// UnmarshalYAML reads a module and records its line.
func (m *Module) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "module", "name", "title", "description", "required", "default", "dependsOn", "notes", "images", "releases", "releaseComponents", "signatures", "bundles", "maven", "mavenFromImages", "files", "operators"); err != nil {
		return err
	}
	type plain Module
	if err := n.Decode((*plain)(m)); err != nil {
		return err
	}
	m.Line = n.Line
	return nil
}

// UnmarshalYAML reads a per-version module override.
func (o *Override) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "module list", "images", "releases", "releaseComponents", "signatures", "bundles", "maven", "mavenFromImages", "files", "operators"); err != nil {
		return err
	}
	type plain Override
	return n.Decode((*plain)(o))
}

// UnmarshalYAML reads a pick of release components and records its line.
func (r *ReleaseComponents) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "releaseComponents entry", "release", "components"); err != nil {
		return err
	}
	type plain ReleaseComponents
	if err := n.Decode((*plain)(r)); err != nil {
		return err
	}
	r.Line = n.Line
	return nil
}

// UnmarshalYAML reads a release signature entry and records its line.
func (r *ReleaseSignatures) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "signatures entry", "release", "store"); err != nil {
		return err
	}
	type plain ReleaseSignatures
	if err := n.Decode((*plain)(r)); err != nil {
		return err
	}
	r.Line = n.Line
	return nil
}

// UnmarshalYAML reads a Maven repository in an image and records its line.
func (m *MavenImage) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "mavenFromImages entry", "image", "path"); err != nil {
		return err
	}
	type plain MavenImage
	if err := n.Decode((*plain)(m)); err != nil {
		return err
	}
	m.Line = n.Line
	return nil
}

// UnmarshalYAML reads an operator entry and records its line.
func (o *Operator) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "operators entry", "catalog", "package", "channel", "versions"); err != nil {
		return err
	}
	type plain Operator
	if err := n.Decode((*plain)(o)); err != nil {
		return err
	}
	o.Line = n.Line
	return nil
}

// UnmarshalYAML reads a Bundles reference and records its line.
func (b *BundlesRef) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "bundles entry", "url", "kubeVersion", "include", "exclude", "archives", "with"); err != nil {
		return err
	}
	type plain BundlesRef
	if err := n.Decode((*plain)(b)); err != nil {
		return err
	}
	b.Line = n.Line
	return nil
}

// UnmarshalYAML reads a file entry and records its line.
func (f *File) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "file", "url", "sha256", "name", "size", "archs"); err != nil {
		return err
	}
	type plain File
	if err := n.Decode((*plain)(f)); err != nil {
		return err
	}
	f.Line = n.Line
	return nil
}

// UnmarshalYAML reads a string item and records its line.
func (it *Item) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &Error{Line: n.Line, Msg: "expected a plain string here"}
	}
	it.Value = strings.TrimSpace(n.Value)
	it.Line = n.Line
	return nil
}

// MarshalYAML writes an item as its string.
func (it Item) MarshalYAML() (any, error) { return it.Value, nil }

// BuiltinFile returns one embedded catalog file, by name.
func BuiltinFile(name string) ([]byte, error) { return builtinFS.ReadFile("builtin/" + name) }
