package olm

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Wish is one package asked for: from which catalog image, and which
// channel ("" for the package's default channel).
type Wish struct {
	// Catalog is the catalog image's reference.
	Catalog string `yaml:"catalog" json:"catalog"`
	// Package is the OLM package name.
	Package string `yaml:"package" json:"package"`
	// Channel is the channel whose head is carried; empty means the
	// package's default channel.
	Channel string `yaml:"channel,omitempty" json:"channel,omitempty"`
}

// String gives the wish as an operators file line.
func (w Wish) String() string {
	return strings.TrimSpace(w.Catalog + " " + w.Package + " " + w.Channel)
}

// Check says in one sentence what is wrong with a wish, or nil.
func (w Wish) Check() error {
	if w.Catalog == "" || w.Package == "" {
		return fmt.Errorf("an operator needs a catalog image and a package name")
	}
	if _, err := name.ParseReference(w.Catalog); err != nil {
		return fmt.Errorf("%q is not an image reference: %v", w.Catalog, err)
	}
	return nil
}

// ParseWishes reads an operators file: one wish a line, as
// "CATALOG_IMAGE PACKAGE [CHANNEL]", blank lines and "#" comments ignored.
// name is used in messages; errors name the line.
func ParseWishes(name string, data []byte) ([]Wish, error) {
	var out []Wish
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 || len(f) > 3 {
			return nil, fmt.Errorf("%s line %d: write CATALOG_IMAGE PACKAGE [CHANNEL], not %q", name, n, strings.TrimSpace(line))
		}
		w := Wish{Catalog: f[0], Package: f[1]}
		if len(f) == 3 {
			w.Channel = f[2]
		}
		if err := w.Check(); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", name, n, err)
		}
		out = append(out, w)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
