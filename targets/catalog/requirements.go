package catalog

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
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

// isImageGroup says whether an entry of images: is a component's group of
// images (Epiphany 2.0.1 on) rather than one image (2.0.0).
func isImageGroup(v *yaml.Node) bool {
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		return false
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		switch k, val := v.Content[i].Value, deref(v.Content[i+1]); {
		case k == "sha1" || k == "allow_mismatch":
			return false
		case val.Kind != yaml.MappingNode && !isNull(val):
			return false
		}
	}
	return true
}

func (r *reqReader) readImages(dir, arch string) (bool, error) {
	file := dir + "/images.yml"
	n, found, err := r.doc(file, "images")
	if err != nil || n == nil {
		return found, err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if !isImageGroup(v) {
			m := r.module(reqImagesModule, "Images with no component")
			m.required = true
			if err := r.addImage(file, m, k, v, arch); err != nil {
				return found, err
			}
			continue
		}
		m, err := r.component(file, k)
		if err != nil {
			return found, err
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			if err := r.addImage(file, m, v.Content[j], deref(v.Content[j+1]), arch); err != nil {
				return found, err
			}
		}
	}
	return found, nil
}

func (r *reqReader) addImage(file string, m *reqModule, k, v *yaml.Node, arch string) error {
	if _, err := r.fields(file, k, v, "image", "sha1", "allow_mismatch"); err != nil {
		return err
	}
	written := strings.TrimSpace(k.Value)
	ref := dockerHubRef(written)
	if err := checkImageRef(ref); err != nil {
		return r.errorf(file, k, "%v", err)
	}
	if ref != written && !slices.Contains(m.dockerHub, written) {
		m.dockerHub = append(m.dockerHub, written)
	}
	it, ok := m.images[ref]
	if !ok {
		it = &Item{Value: ref, Line: k.Line}
		m.images[ref] = it
	}
	if !slices.Contains(it.Archs, arch) {
		it.Archs = append(it.Archs, arch)
		slices.Sort(it.Archs)
	}
	return nil
}

// dockerHubRef writes out the registry Docker assumes: a reference whose
// first part is no host (no dot, no port, not localhost) is on Docker Hub,
// and a one-part Docker Hub name is in its library/ namespace.
func dockerHubRef(s string) string {
	first, rest, ok := strings.Cut(s, "/")
	switch {
	case !ok:
		return "docker.io/library/" + s
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		return "docker.io/" + s
	case (first == "docker.io" || first == "index.docker.io") && !strings.Contains(rest, "/"):
		return "docker.io/library/" + rest
	case first == "index.docker.io":
		return "docker.io/" + rest
	}
	return s
}

func (r *reqReader) readFiles(dir, arch string) (bool, error) {
	return r.readFileList(dir+"/files.yml", "files", arch, nil)
}

func (r *reqReader) readCranes(dir, arch string) (bool, error) {
	crane := r.module(reqCraneModule, "crane, the image tool Epiphany's download step uses")
	found, err := r.readFileList(dir+"/cranes.yml", "cranes", arch, crane)
	if len(crane.files) == 0 {
		delete(r.mods, reqCraneModule)
	}
	return found, err
}

// readFileList reads files.yml or cranes.yml: entries keyed by URL with
// sha256 (Epiphany 2.0.0 and 2.0.1), or keyed by name with options, a list
// of {url, sha256} to try in turn (2.0.2 on); deps name the components. A
// file goes into into, or else into the module of each of its deps.
func (r *reqReader) readFileList(file, top, arch string, into *reqModule) (bool, error) {
	n, found, err := r.doc(file, top)
	if err != nil || n == nil {
		return found, err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		fl, err := r.fields(file, k, v, "file", "sha256", "deps", "options")
		if err != nil {
			return found, err
		}
		urlNode, shaNode := k, fl["sha256"]
		var others []string
		if opts, ok := fl["options"]; ok {
			if shaNode != nil {
				return found, r.errorf(file, shaNode, "file %q has both options and sha256: the sha256 goes with each option's url", k.Value)
			}
			if opts.Kind != yaml.SequenceNode || len(opts.Content) == 0 {
				return found, r.errorf(file, opts, "options of %q must list at least one {url, sha256}", k.Value)
			}
			for j, o := range opts.Content {
				o = deref(o)
				of, err := r.fields(file, k, o, "option of", "url", "sha256")
				if err != nil {
					return found, err
				}
				if of["url"] == nil || of["sha256"] == nil {
					return found, r.errorf(file, o, "each option of %q needs url: and sha256:", k.Value)
				}
				if j == 0 {
					urlNode, shaNode = of["url"], of["sha256"]
				} else {
					others = append(others, of["url"].Value)
				}
			}
		}
		if shaNode == nil {
			return found, r.errorf(file, k, "file %q needs sha256: with 64 hex digits", k.Value)
		}
		f, err := r.file(file, urlNode, shaNode, arch)
		if err != nil {
			return found, err
		}
		mods := []*reqModule{into}
		if into == nil {
			if mods, err = r.depModules(file, fl["deps"]); err != nil {
				return found, err
			}
		}
		for _, m := range mods {
			r.addFile(m, f)
			for _, o := range others {
				if !slices.Contains(m.otherURLs, o) {
					m.otherURLs = append(m.otherURLs, o)
				}
			}
		}
	}
	return found, nil
}

// depModules returns the modules a file's deps name: a list, or one name.
func (r *reqReader) depModules(file string, deps *yaml.Node) ([]*reqModule, error) {
	var names []*yaml.Node
	switch {
	case deps == nil || isNull(deps):
	case deps.Kind == yaml.ScalarNode:
		names = []*yaml.Node{deps}
	case deps.Kind == yaml.SequenceNode:
		for _, d := range deps.Content {
			d = deref(d)
			if d.Kind != yaml.ScalarNode {
				return nil, r.errorf(file, d, "deps must list component names")
			}
			names = append(names, d)
		}
	default:
		return nil, r.errorf(file, deps, "deps must list component names")
	}
	if len(names) == 0 {
		return []*reqModule{r.module(reqFilesModule, "Files with no component")}, nil
	}
	var out []*reqModule
	for _, d := range names {
		m, err := r.component(file, d)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// file checks a URL and its sha256; arch "" means every architecture.
func (r *reqReader) file(file string, urlNode, shaNode *yaml.Node, arch string) (File, error) {
	u := strings.TrimSpace(urlNode.Value)
	if pu, err := url.Parse(u); urlNode.Kind != yaml.ScalarNode || err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
		return File{}, r.errorf(file, urlNode, "file url %q must be an http(s) URL", u)
	}
	sha := strings.ToLower(strings.TrimSpace(shaNode.Value))
	if b, err := hex.DecodeString(sha); shaNode.Kind != yaml.ScalarNode || err != nil || len(b) != 32 {
		return File{}, r.errorf(file, shaNode, "file %s needs sha256: with 64 hex digits", u)
	}
	if prev, ok := r.fileAt[u]; ok && prev.sha256 != sha {
		return File{}, r.errorf(file, shaNode, "file %s has sha256 %s here but %s at %s:%d", u, sha, prev.sha256, prev.file, prev.line)
	} else if !ok {
		r.fileAt[u] = reqPlace{file: r.name(file), line: shaNode.Line, sha256: sha}
	}
	f := File{URL: u, SHA256: sha, Line: urlNode.Line}
	if arch != "" {
		f.Archs = []string{arch}
	}
	return f, nil
}

// addFile lists a file once per module, with the architectures of every
// folder that lists it.
func (r *reqReader) addFile(m *reqModule, f File) {
	old, ok := m.files[f.URL]
	if !ok {
		m.files[f.URL] = &f
		return
	}
	switch {
	case len(old.Archs) == 0:
	case len(f.Archs) == 0:
		old.Archs = nil
	default:
		for _, a := range f.Archs {
			if !slices.Contains(old.Archs, a) {
				old.Archs = append(old.Archs, a)
			}
		}
		slices.Sort(old.Archs)
	}
	if f.Name != "" && old.Name == "" {
		old.Name = f.Name
	}
}

// readDashboards reads grafana-dashboards.yml: NAME: {url, sha256}, saved
// as NAME.json (their URLs all end in /download), for every architecture.
func (r *reqReader) readDashboards() error {
	const file = "grafana-dashboards.yml"
	n, _, err := r.doc(file, "grafana-dashboards")
	if err != nil || n == nil {
		return err
	}
	m := r.module(reqGrafanaModule, "Component grafana")
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		fl, err := r.fields(file, k, v, "dashboard", "url", "sha256")
		if err != nil {
			return err
		}
		if fl["url"] == nil || fl["sha256"] == nil {
			return r.errorf(file, k, "dashboard %q needs url: and sha256:", k.Value)
		}
		if !dashboardName.MatchString(k.Value) {
			return r.errorf(file, k, "dashboard name %q must be letters, digits, dots, dashes and underscores: it names the file", k.Value)
		}
		f, err := r.file(file, fl["url"], fl["sha256"], "")
		if err != nil {
			return err
		}
		f.Name = k.Value + ".json"
		r.addFile(m, f)
	}
	if len(m.files) == 0 {
		delete(r.mods, reqGrafanaModule)
	}
	return nil
}

// notCarried names every file of the folder that was not read: OS package
// lists, and anything else, so nothing is dropped without a word.
func (r *reqReader) notCarried() (string, error) {
	var packages, others []string
	err := fs.WalkDir(r.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || r.read[p] {
			return nil
		}
		if path.Base(p) == "packages.yml" {
			packages = append(packages, p)
		} else {
			others = append(others, p)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("cannot list the requirements in %s: %w", r.prefix, err)
	}
	var parts []string
	if len(packages) > 0 {
		parts = append(parts, fmt.Sprintf("Operating-system packages are not carried (%s): install them from the site's own package mirror.", strings.Join(packages, ", ")))
	}
	if len(others) > 0 {
		parts = append(parts, fmt.Sprintf("These files are not read, so nothing they list is carried: %s.", strings.Join(others, ", ")))
	}
	return strings.Join(parts, " "), nil
}
