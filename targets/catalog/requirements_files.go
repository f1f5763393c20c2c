package catalog

import (
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// readFiles reads files.yml, the plain files the folder lists; deps says
// which component each belongs to.
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
