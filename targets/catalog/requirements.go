package catalog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// requirementsArchs maps the folder names of LambdaStack/Epiphany
// requirement files to ferry's architecture names.
var requirementsArchs = map[string]string{"x86_64": "amd64", "aarch64": "arm64"}

// IsRequirements says whether dir holds LambdaStack/Epiphany-style
// requirement files (ARCH/images.yml or ARCH/files.yml, possibly under
// requirements/).
func IsRequirements(dir string) bool {
	for _, base := range []string{dir, filepath.Join(dir, "requirements")} {
		for a := range requirementsArchs {
			for _, f := range []string{"images.yml", "files.yml"} {
				if _, err := os.Stat(filepath.Join(base, a, f)); err == nil {
					return true
				}
			}
		}
	}
	return false
}

// LoadRequirements turns a folder of LambdaStack/Epiphany-style requirement
// files into a target named after the folder: the images as one required
// module, and the files as one module per name in their deps (files
// without deps in a "files" module), each file for the architecture of the
// folder it is listed in.
func LoadRequirements(dir string) (*Target, error) {
	base := dir
	if _, err := os.Stat(filepath.Join(dir, "requirements")); err == nil {
		base = filepath.Join(dir, "requirements")
	}
	name := strings.ToLower(filepath.Base(filepath.Clean(dir)))
	name = strings.Trim(nonName.ReplaceAllString(name, "-"), "-")
	if name == "" {
		name = "requirements"
	}
	t := &Target{Name: name, Title: "Requirements from " + filepath.Base(filepath.Clean(dir)), Source: dir,
		Description: "Images and files listed by LambdaStack/Epiphany-style requirement files (images.yml, files.yml)."}
	images := &Module{Name: "images", Title: "Images", Required: true}
	fileMods := map[string]*Module{}
	var archDirs []string
	for a := range requirementsArchs {
		archDirs = append(archDirs, a)
	}
	sort.Strings(archDirs)
	seenImg := map[string]bool{}
	for _, a := range archDirs {
		arch := requirementsArchs[a]
		found := false
		var imgs struct {
			Images map[string]map[string]any `yaml:"images"`
		}
		if err := readRequirements(filepath.Join(base, a, "images.yml"), &imgs); err != nil {
			return nil, err
		} else if imgs.Images != nil {
			found = true
		}
		refs := make([]string, 0, len(imgs.Images))
		for ref := range imgs.Images {
			refs = append(refs, ref)
		}
		sort.Strings(refs)
		for _, ref := range refs {
			if err := checkImageRef(ref); err != nil {
				return nil, &Error{File: filepath.Join(base, a, "images.yml"), Msg: err.Error()}
			}
			if !seenImg[ref] {
				seenImg[ref] = true
				images.Images = append(images.Images, Item{Value: ref})
			}
		}
		var files struct {
			Files map[string]struct {
				SHA256 string   `yaml:"sha256"`
				Deps   []string `yaml:"deps"`
			} `yaml:"files"`
		}
		if err := readRequirements(filepath.Join(base, a, "files.yml"), &files); err != nil {
			return nil, err
		} else if files.Files != nil {
			found = true
		}
		urls := make([]string, 0, len(files.Files))
		for u := range files.Files {
			urls = append(urls, u)
		}
		sort.Strings(urls)
		for _, u := range urls {
			f := files.Files[u]
			deps := f.Deps
			if len(deps) == 0 {
				deps = []string{"files"}
			}
			for _, d := range deps {
				mn := strings.Trim(nonName.ReplaceAllString(strings.ToLower(d), "-"), "-")
				m, ok := fileMods[mn]
				if !ok {
					m = &Module{Name: mn, Title: "Files for " + d, Default: true}
					fileMods[mn] = m
				}
				m.Files = append(m.Files, File{URL: u, SHA256: strings.ToLower(f.SHA256), Archs: []string{arch}})
			}
		}
		if found {
			t.Archs = append(t.Archs, arch)
		}
	}
	if len(images.Images) > 0 {
		t.Modules = append(t.Modules, *images)
	}
	var names []string
	for n := range fileMods {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Modules = append(t.Modules, *fileMods[n])
	}
	sort.Strings(t.Archs)
	if err := t.validate(); err != nil {
		return nil, withFile(dir, err)
	}
	return t, nil
}

func readRequirements(path string, v any) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		return yamlError(path, err)
	}
	return nil
}
