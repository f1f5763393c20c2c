package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// requirementsArchs maps the folder names of LambdaStack/Epiphany
// requirement files to ferry's architecture names.
var requirementsArchs = map[string]string{"x86_64": "amd64", "aarch64": "arm64"}

// Module names a requirements target gives to what belongs to no component.
const (
	// reqImagesModule holds the images of a flat images.yml (before
	// Epiphany grouped them by component); it is required.
	reqImagesModule = "images"
	// reqFilesModule holds the files that name no component in deps.
	reqFilesModule = "files"
	// reqCraneModule holds cranes.yml: the crane tool Epiphany's download
	// step uses.
	reqCraneModule = "crane"
	// reqGrafanaModule holds grafana-dashboards.yml, which Epiphany
	// downloads only with its grafana component.
	reqGrafanaModule = "grafana"
	// reqNotCarriedModule is a required module with no items whose note
	// names what the folder lists but ferry does not carry.
	reqNotCarriedModule = "not-carried"
)

// dashboardName is what a Grafana dashboard's name may be: it becomes the
// name of its file in the bundle.
var dashboardName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// IsRequirements says whether dir holds LambdaStack/Epiphany-style
// requirement files (ARCH/images.yml, ARCH/files.yml or ARCH/cranes.yml,
// possibly under requirements/).
func IsRequirements(dir string) bool {
	for _, base := range []string{dir, filepath.Join(dir, "requirements")} {
		for a := range requirementsArchs {
			for _, f := range []string{"images.yml", "files.yml", "cranes.yml"} {
				if _, err := os.Stat(filepath.Join(base, a, f)); err == nil {
					return true
				}
			}
		}
	}
	return false
}

// LoadRequirements turns a folder of LambdaStack/Epiphany-style requirement
// files into a target named after the folder, with one module per
// component (Epiphany's own grouping). It reads every format Epiphany
// published: images flat or grouped by component, files keyed by URL or by
// name with download options, cranes.yml and grafana-dashboards.yml; what
// it cannot carry (OS packages) is named in the note of a required module.
func LoadRequirements(dir string) (*Target, error) {
	base := dir
	if st, err := os.Stat(filepath.Join(dir, "requirements")); err == nil && st.IsDir() {
		base = filepath.Join(dir, "requirements")
	}
	name := strings.ToLower(filepath.Base(filepath.Clean(dir)))
	name = strings.Trim(nonName.ReplaceAllString(name, "-"), "-")
	if name == "" {
		name = "requirements"
	}
	t, err := readRequirements(os.DirFS(base), base)
	if err != nil {
		return nil, err
	}
	t.Name = name
	t.Title = "Requirements from " + filepath.Base(filepath.Clean(dir))
	t.Source = dir
	if err := t.validate(); err != nil {
		return nil, withFile(dir, err)
	}
	return t, nil
}

// reqReader gathers the modules of a requirements folder as it reads it.
type reqReader struct {
	fsys fs.FS
	// prefix joins a file's path in fsys into the name errors give.
	prefix string
	// read holds the paths of the files read, so the rest can be named.
	read map[string]bool
	mods map[string]*reqModule
	// fileAt is where each URL was first listed, to catch a URL listed
	// twice with different sha256.
	fileAt map[string]reqPlace
	archs  []string
}

type reqModule struct {
	name, title string
	required    bool
	images      map[string]*Item
	files       map[string]*File
	// dockerHub are the references written short for Docker Hub, as written.
	dockerHub []string
	// otherURLs are download addresses beyond the first of a file.
	otherURLs []string
}

type reqPlace struct {
	file   string
	line   int
	sha256 string
}

// readRequirements reads the requirement files of fsys into a target
// without name or title; errors name files as prefix/PATH:LINE.
func readRequirements(fsys fs.FS, prefix string) (*Target, error) {
	r := &reqReader{fsys: fsys, prefix: prefix, read: map[string]bool{}, mods: map[string]*reqModule{}, fileAt: map[string]reqPlace{}}
	dirs := make([]string, 0, len(requirementsArchs))
	for d := range requirementsArchs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		arch := requirementsArchs[d]
		found := false
		for _, read := range []func(string, string) (bool, error){r.readImages, r.readFiles, r.readCranes} {
			ok, err := read(d, arch)
			if err != nil {
				return nil, err
			}
			found = found || ok
		}
		if found {
			r.archs = append(r.archs, arch)
		}
	}
	if err := r.readDashboards(); err != nil {
		return nil, err
	}
	notCarried, err := r.notCarried()
	if err != nil {
		return nil, err
	}
	slices.Sort(r.archs)
	t := &Target{Archs: r.archs,
		Description: "Images and files listed by LambdaStack/Epiphany requirement files (images.yml, files.yml, cranes.yml, grafana-dashboards.yml), one module per component."}
	if notCarried != "" {
		m := r.module(reqNotCarriedModule, "Listed in the requirements but not carried")
		m.required = true
	}
	var names []string
	for n := range r.mods {
		if n != reqImagesModule && n != reqNotCarriedModule {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if _, ok := r.mods[reqImagesModule]; ok {
		names = append([]string{reqImagesModule}, names...)
	}
	if _, ok := r.mods[reqNotCarriedModule]; ok {
		names = append(names, reqNotCarriedModule)
	}
	for _, n := range names {
		rm := r.mods[n]
		m := Module{Name: rm.name, Title: rm.title, Required: rm.required, Default: !rm.required}
		for _, it := range rm.images {
			m.Images = append(m.Images, *it)
		}
		slices.SortFunc(m.Images, func(a, b Item) int { return strings.Compare(a.Value, b.Value) })
		for _, f := range rm.files {
			m.Files = append(m.Files, *f)
		}
		slices.SortFunc(m.Files, func(a, b File) int { return strings.Compare(a.URL, b.URL) })
		var notes []string
		if len(rm.dockerHub) > 0 {
			notes = append(notes, fmt.Sprintf("Docker Hub images, written out in full as Docker reads them (docker.io/NAME, docker.io/library/NAME for a one-part name): %s.",
				strings.Join(rm.dockerHub, ", ")))
		}
		if len(rm.otherURLs) > 0 {
			notes = append(notes, fmt.Sprintf("Other download addresses are listed but not used: ferry fetches each file from its first one (%s).", strings.Join(rm.otherURLs, ", ")))
		}
		if n == reqNotCarriedModule {
			notes = append(notes, notCarried)
		}
		m.Notes = strings.Join(notes, " ")
		t.Modules = append(t.Modules, m)
	}
	return t, nil
}

// module returns the named module, made on first use.
func (r *reqReader) module(name, title string) *reqModule {
	m, ok := r.mods[name]
	if !ok {
		m = &reqModule{name: name, title: title, images: map[string]*Item{}, files: map[string]*File{}}
		r.mods[name] = m
	}
	return m
}

// component returns the module of an Epiphany component, named by the key
// node that names it.
func (r *reqReader) component(file string, k *yaml.Node) (*reqModule, error) {
	n := strings.Trim(nonName.ReplaceAllString(strings.ToLower(k.Value), "-"), "-")
	if n == "" {
		return nil, r.errorf(file, k, "component name %q holds no letter or digit", k.Value)
	}
	return r.module(n, "Component "+k.Value), nil
}

func (r *reqReader) errorf(file string, n *yaml.Node, format string, args ...any) error {
	return &Error{File: r.name(file), Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

func (r *reqReader) name(file string) string {
	return filepath.Join(r.prefix, filepath.FromSlash(file))
}

// doc reads file and returns the value of its one top-level key; nil, false
// when the file is not there.
func (r *reqReader) doc(file, top string) (*yaml.Node, bool, error) {
	data, err := fs.ReadFile(r.fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s: %w", r.name(file), err)
	}
	r.read[file] = true
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true, nil
		}
		return nil, false, yamlError(r.name(file), err)
	}
	doc := deref(&root)
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = deref(doc.Content[0])
	}
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return nil, true, nil
	}
	if doc.Kind != yaml.MappingNode {
		return nil, false, r.errorf(file, doc, "expected a mapping with the key %s:", top)
	}
	var val *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i]
		if k.Value != top {
			return nil, false, r.errorf(file, k, "unknown key %q (this file holds %s:)", k.Value, top)
		}
		val = deref(doc.Content[i+1])
	}
	if val == nil || isNull(val) {
		return nil, true, nil
	}
	if val.Kind != yaml.MappingNode {
		return nil, false, r.errorf(file, val, "%s: must be a mapping", top)
	}
	return val, true, nil
}

// deref follows a YAML alias to what it names.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// fields checks that n is a mapping (or empty) of the allowed keys and
// returns the values by key.
func (r *reqReader) fields(file string, key, n *yaml.Node, what string, allowed ...string) (map[string]*yaml.Node, error) {
	out := map[string]*yaml.Node{}
	if isNull(n) {
		return out, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, r.errorf(file, n, "%s %q must be a mapping of %s", what, key.Value, strings.Join(allowed, ", "))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			return nil, r.errorf(file, k, "unknown field %q in %s %q (fields: %s)", k.Value, what, key.Value, strings.Join(allowed, ", "))
		}
		out[k.Value] = deref(n.Content[i+1])
	}
	return out, nil
}
