package selection

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/afero"

	"ferry/artifacts/fault"
	"ferry/artifacts/image"
	"ferry/artifacts/maven"
	"ferry/artifacts/olm"
	"ferry/artifacts/plainfile"
)

// ErrInvalid marks a selection asking for what ferry cannot carry (a Maven
// scope it does not know): the choice is wrong, not the sources.
var ErrInvalid = errors.New("invalid selection")

// Lists name files of items carried on top of a target, one item a line:
// image references, Maven coordinates, and plain files as URL SHA256 [NAME].
type Lists struct {
	Images, Maven, Files string
	// Operators is an operators file: CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE] a
	// line.
	Operators string
	// OperatorLines are operators given one by one, each a line of an
	// operators file; a line that cannot be read is ErrInvalid.
	OperatorLines []string
}

// AddLists reads the lists that are named and adds their items to s.
// Errors name the file and, for a bad line, its number.
func (s *Selection) AddLists(fs afero.Fs, l Lists) error {
	if l.Images != "" {
		refs, err := readList(fs, l.Images, "image list", image.ParseList)
		if err != nil {
			return err
		}
		s.Images = append(s.Images, refs...)
	}
	if l.Maven != "" {
		coords, err := readList(fs, l.Maven, "Maven list", maven.ParseList)
		if err != nil {
			return err
		}
		for _, c := range coords {
			s.Maven = append(s.Maven, c.String())
		}
	}
	if l.Files != "" {
		files, err := readList(fs, l.Files, "file list", plainfile.ParseList)
		if err != nil {
			return err
		}
		s.Files = append(s.Files, files...)
	}
	if l.Operators != "" {
		wishes, err := readList(fs, l.Operators, "operators file", func(name string, r io.Reader) ([]olm.Wish, error) {
			data, err := io.ReadAll(r)
			if err != nil {
				return nil, err
			}
			return olm.ParseWishes(name, data)
		})
		if err != nil {
			return err
		}
		s.addOperators(wishes)
	}
	for _, line := range l.OperatorLines {
		w, err := olm.ParseWish(line)
		if err != nil {
			return fault.New(ErrInvalid, "the operator %q cannot be read: %s", line, err.Error())
		}
		s.addOperators([]olm.Wish{w})
	}
	return nil
}

// addOperators adds the wishes s does not have yet.
func (s *Selection) addOperators(wishes []olm.Wish) {
	for _, w := range wishes {
		if !slices.Contains(s.Operators, w) {
			s.Operators = append(s.Operators, w)
		}
	}
}

func readList[T any](fs afero.Fs, path, what string, parse func(string, io.Reader) ([]T, error)) ([]T, error) {
	fh, err := fs.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("the %s %s does not exist", what, path)
		}
		return nil, fmt.Errorf("cannot read the %s %s: %w", what, path, err)
	}
	defer fh.Close()
	return parse(path, fh)
}

// Check refuses a Maven scope ferry does not carry or a Maven repository
// it cannot read (ErrInvalid), a Maven project whose pom.xml cannot be read
// and a Maven repository folder that is not there.
func (s Selection) Check(fs afero.Fs) error {
	for _, sc := range s.MavenScopes {
		switch sc {
		case "compile", "provided", "runtime", "test":
		default:
			return fault.New(ErrInvalid, "%q is not a Maven scope ferry carries: give compile, provided, runtime or test", sc)
		}
	}
	for _, p := range s.MavenProjects {
		if _, err := fs.Stat(p); err != nil {
			return fmt.Errorf("the Maven project %s cannot be read: give the path of its pom.xml", p)
		}
	}
	for _, r := range s.MavenRepositories {
		if err := checkRepository(fs, r); err != nil {
			return err
		}
	}
	return nil
}

// errNoFolder marks a Maven repository given as a path where there is no
// folder: like a list file that is missing, the file system is wrong, not
// the choice.
var errNoFolder = errors.New("no such folder")

// checkRepository refuses a Maven repository ferry cannot read: an URL
// other than http(s) or file, or a path that is no folder here.
func checkRepository(fs afero.Fs, r string) error {
	if scheme, _, ok := strings.Cut(r, "://"); ok {
		switch scheme {
		case "http", "https", "file":
			return nil
		}
		return fault.New(ErrInvalid, "%q is not a Maven repository ferry can read: %s takes an http(s):// URL or a local folder in Maven layout", maven.RedactURL(r), fault.Use(fault.MavenRepo))
	}
	if st, err := fs.Stat(r); err != nil || !st.IsDir() {
		return fault.New(errNoFolder, "the Maven repository %s is not a folder here: %s takes an http(s):// URL or a local folder in Maven layout", r, fault.Use(fault.MavenRepo))
	}
	return nil
}

// Complete fills what the selection leaves to defaults: arch when it names
// no architecture, and mavenRepo when it names no Maven repository.
func (s *Selection) Complete(arch, mavenRepo string) {
	if len(s.Archs) == 0 {
		s.Archs = []string{arch}
	}
	for i, a := range s.Archs {
		s.Archs[i] = strings.TrimSpace(a)
	}
	if len(s.MavenRepositories) == 0 {
		s.MavenRepositories = []string{mavenRepo}
	}
}
