package selection

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/afero"
	"gopkg.in/yaml.v3"

	"ferry/artifacts/maven"
	"ferry/artifacts/olm"
	"ferry/artifacts/plainfile"
)

// APIVersion and Kind head every answers file.
const (
	APIVersion = "ferry/v1"
	Kind       = "Answers"
)

// Selection is what the engineer chose.
type Selection struct {
	// Target is a catalog target's name; empty means "custom" (only the
	// lists below).
	Target  string   `yaml:"target,omitempty" json:"target"`
	Version string   `yaml:"version,omitempty" json:"version,omitempty"`
	Archs   []string `yaml:"archs,omitempty" json:"archs"`
	// Modules chosen; empty means the target's required and default ones.
	Modules []string `yaml:"modules,omitempty" json:"modules,omitempty"`
	// Images are extra image references carried on top of the target's.
	Images []string `yaml:"images,omitempty" json:"images,omitempty"`
	// Maven are extra Maven coordinates carried on top of the target's.
	Maven []string `yaml:"maven,omitempty" json:"maven,omitempty"`
	// Files are extra plain files carried on top of the target's.
	Files []plainfile.Entry `yaml:"files,omitempty" json:"files,omitempty"`
	// Operators are OLM packages carried on top of the target's, each
	// from a catalog image, with a filtered copy of that catalog.
	Operators []olm.Wish `yaml:"operators,omitempty" json:"operators,omitempty"`
	// MavenRepositories are the repositories Maven artifacts are resolved
	// from, without credentials.
	MavenRepositories []string `yaml:"mavenRepositories,omitempty" json:"mavenRepositories,omitempty"`
	// MavenProjects are pom.xml files whose builds must work offline: their
	// dependencies, parents, BOMs and build plugins are carried.
	MavenProjects []string `yaml:"mavenProjects,omitempty" json:"mavenProjects,omitempty"`
	// MavenScopes are the scopes of direct dependencies carried; empty
	// means compile and runtime for coordinates, every scope a build uses
	// for projects.
	MavenScopes []string `yaml:"mavenScopes,omitempty" json:"mavenScopes,omitempty"`
	// MavenPhases are the lifecycle phases the far side runs, whose plugins
	// are carried; empty means none for coordinates alone, clean and
	// install for projects.
	MavenPhases []string `yaml:"mavenPhases,omitempty" json:"mavenPhases,omitempty"`
	// MavenVersion is the far side's Maven, whose default plugin versions
	// apply ("3.8", "3.9.6"); empty means 3.9.
	MavenVersion string `yaml:"mavenVersion,omitempty" json:"mavenVersion,omitempty"`
	// MavenDirectOnly carries Maven coordinates as listed, without their
	// dependencies.
	MavenDirectOnly bool `yaml:"mavenDirectOnly,omitempty" json:"mavenDirectOnly,omitempty"`
	// Have are files saying what the site already holds (inventories,
	// earlier bundles' indexes, import reports): the bundle is a delta
	// that leaves those blobs out.
	Have []string `yaml:"have,omitempty" json:"have,omitempty"`
	// SignKey is the private key file the bundle is signed with: its path
	// only, never the key or its password. It is read from an answers file
	// the engineer keeps; the one saved beside a bundle never names it, as
	// that travels with the bundle.
	SignKey string `yaml:"signKey,omitempty" json:"signKey,omitempty"`
	// NoSignatures leaves out what is attached to the images: their
	// cosign signatures, attestations and SBOMs and their OCI referrers,
	// which are carried by default.
	NoSignatures bool `yaml:"noSignatures,omitempty" json:"noSignatures,omitempty"`
}

type answersFile struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Selection  `yaml:",inline"`
}

// Load reads an answers file from the operating system's file system.
// Errors are one sentence naming the file.
func Load(path string) (Selection, error) { return LoadFS(afero.NewOsFs(), path) }

// LoadFS reads an answers file from fs.
func LoadFS(fs afero.Fs, path string) (Selection, error) {
	data, err := afero.ReadFile(fs, path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Selection{}, fmt.Errorf("the answers file %s does not exist: give the file the wizard saved beside the bundle", path)
		}
		return Selection{}, fmt.Errorf("cannot read the answers file %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse reads answers from data; name is used in messages.
func Parse(name string, data []byte) (Selection, error) {
	var f answersFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return Selection{}, fmt.Errorf("the answers file %s is empty", name)
		}
		msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n"), "yaml: ")
		msg = strings.TrimSpace(strings.SplitN(msg, "\n", 2)[0])
		return Selection{}, fmt.Errorf("%s: %s", name, msg)
	}
	if f.APIVersion != APIVersion || f.Kind != Kind {
		return Selection{}, fmt.Errorf("%s is not a ferry answers file (it needs apiVersion: %s and kind: %s)", name, APIVersion, Kind)
	}
	for _, r := range f.MavenRepositories {
		if maven.RedactURL(r) != r {
			return Selection{}, fmt.Errorf("%s holds a Maven repository URL with credentials; remove them (ferry takes credentials from the environment, never from answers files)", name)
		}
	}
	for _, w := range f.Operators {
		if err := w.Check(); err != nil {
			return Selection{}, fmt.Errorf("%s: operators entry %q: %w", name, w.String(), err)
		}
	}
	return f.Selection, nil
}

// Marshal renders the answers file for s. Maven repository URLs lose any
// credentials.
func Marshal(s Selection) ([]byte, error) {
	s.MavenRepositories = append([]string(nil), s.MavenRepositories...)
	for i, r := range s.MavenRepositories {
		s.MavenRepositories[i] = maven.RedactURL(r)
	}
	var buf bytes.Buffer
	buf.WriteString("# ferry answers: replay with `ferry prepare --answers FILE` or `ferry plan --answers FILE`.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(answersFile{APIVersion: APIVersion, Kind: Kind, Selection: s}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the answers file atomically on the operating system's file
// system: a temporary file renamed into place, so a reader never sees half
// a file.
func Save(path string, s Selection) error { return SaveFS(afero.NewOsFs(), path, s) }

// SaveFS is Save on fs.
func SaveFS(fs afero.Fs, path string, s Selection) error {
	data, err := Marshal(s)
	if err != nil {
		return err
	}
	tmp, err := afero.TempFile(fs, filepath.Dir(path), ".answers-*")
	if err != nil {
		return fmt.Errorf("cannot write the answers file %s: %w", path, err)
	}
	defer fs.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write the answers file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write the answers file %s: %w", path, err)
	}
	return fs.Rename(tmp.Name(), path)
}
