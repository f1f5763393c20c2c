package olm

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Wish is one package asked for: from which catalog image, which channel
// ("" for the package's default channel), and which versions of it (""
// for the channel's head alone).
type Wish struct {
	// Catalog is the catalog image's reference.
	Catalog string `yaml:"catalog" json:"catalog"`
	// Package is the OLM package name.
	Package string `yaml:"package" json:"package"`
	// Channel is the channel whose head is carried; empty means the
	// package's default channel.
	Channel string `yaml:"channel,omitempty" json:"channel,omitempty"`
	// Versions is an OLM version range (">=1.2.0 <1.4.0", the syntax of
	// skipRange and olm.package.required): every bundle of the channel
	// in it is carried, with what keeps the channel one upgrade graph.
	// Empty means the channel's head alone.
	Versions string `yaml:"versions,omitempty" json:"versions,omitempty"`
}

// String gives the wish as an operators file line.
func (w Wish) String() string {
	return strings.Join(strings.Fields(w.Catalog+" "+w.Package+" "+w.Channel+" "+w.Versions), " ")
}

// Check says in one sentence what is wrong with a wish, or nil.
func (w Wish) Check() error {
	if w.Catalog == "" || w.Package == "" {
		return fmt.Errorf("an operator needs a catalog image and a package name")
	}
	if _, err := name.ParseReference(w.Catalog); err != nil {
		return fmt.Errorf("%q is not an image reference: %v", w.Catalog, err)
	}
	if _, err := VersionRange(w.Versions); err != nil {
		return err
	}
	return nil
}

// rangeStart says whether an operators file's field starts a version
// range rather than naming a channel.
func rangeStart(f string) bool { return strings.ContainsAny(f[:1], "<>=~^") }

// ParseWishes reads an operators file: one wish a line (ParseWish),
// blank lines and "#" comments ignored. name is used in messages; errors
// name the line.
func ParseWishes(name string, data []byte) ([]Wish, error) {
	var out []Wish
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(uncomment(sc.Text())) == "" {
			continue
		}
		w, err := ParseWish(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", name, n, err)
		}
		out = append(out, w)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// ParseWish reads one line of an operators file,
// "CATALOG_IMAGE PACKAGE [CHANNEL] [RANGE]" (a "#" comment ignored). The
// range is the rest of the line; a field starting with one of < > = ~ ^
// starts it, so the channel may be left out before it. The error says
// what is wrong in one sentence.
func ParseWish(line string) (Wish, error) {
	line = strings.TrimSpace(uncomment(line))
	f := strings.Fields(line)
	if len(f) < 2 || rangeStart(f[0]) || rangeStart(f[1]) {
		return Wish{}, fmt.Errorf("write CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE], not %q", line)
	}
	w := Wish{Catalog: f[0], Package: f[1]}
	rest := f[2:]
	if len(rest) > 0 && !rangeStart(rest[0]) {
		w.Channel, rest = rest[0], rest[1:]
	}
	w.Versions = strings.Join(rest, " ")
	if err := w.Check(); err != nil {
		return Wish{}, err
	}
	return w, nil
}

// uncomment drops a "#" comment from a line.
func uncomment(line string) string {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		return line[:i]
	}
	return line
}
