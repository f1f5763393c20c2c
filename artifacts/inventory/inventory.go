package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/image"
	"ferry/artifacts/size"

	"github.com/spf13/afero"
)

// Kind and FormatVersion mark an inventory file.
const (
	Kind          = "FerryInventory"
	FormatVersion = 1
)

// MaxFileSize bounds what is read of a file given as an inventory: an
// inventory of a very large product is a few MiB.
const MaxFileSize = 64 << 20

// ErrNotAnInventory marks a file that is none of the things an inventory
// can be.
var ErrNotAnInventory = errors.New("not an inventory")

// Inventory is what a site registry holds of the repositories asked
// about: the file `ferry inventory` writes.
type Inventory struct {
	FormatVersion int    `json:"formatVersion"`
	Kind          string `json:"kind"`
	// Registry is the registry asked, HOST[:PORT][/PREFIX].
	Registry string `json:"registry"`
	// Taken is when, in RFC 3339, if the taker said.
	Taken string `json:"taken,omitempty"`
	// Bundles are the bundles whose images were asked about (--bundle),
	// so a delta made from this inventory can name them.
	Bundles []bundle.BaseBundle `json:"bundles,omitempty"`
	// Repositories are the repositories asked about, sorted.
	Repositories []string `json:"repositories"`
	// Manifests and Blobs are the digests the registry has, sorted; Blobs
	// holds configs and layers. Checked is how many digests were asked
	// about, Absent how many of them the registry lacks.
	Manifests []string `json:"manifests"`
	Blobs     []string `json:"blobs"`
	Checked   int      `json:"checked"`
	Absent    int      `json:"absent"`
}

// Image is one image to ask about: its original reference, and the
// digests of its manifests and of its configs and layers.
type Image struct {
	Reference string
	Manifests []string
	Blobs     []string
}

// Images lists the images of a plan (a plan file, or the plan a bundle's
// manifest holds).
func Images(planJSON []byte) ([]Image, error) {
	var pl struct {
		Images []struct {
			Reference string       `json:"reference"`
			Blobs     []image.Blob `json:"blobs"`
		} `json:"images"`
	}
	if err := json.Unmarshal(planJSON, &pl); err != nil {
		return nil, fmt.Errorf("the plan cannot be read: %w", err)
	}
	out := make([]Image, 0, len(pl.Images))
	for _, im := range pl.Images {
		w := Image{Reference: im.Reference}
		for _, b := range im.Blobs {
			if b.Kind == image.KindIndex || b.Kind == image.KindManifest {
				w.Manifests = append(w.Manifests, b.Digest)
			} else {
				w.Blobs = append(w.Blobs, b.Digest)
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// Have is what a site holds, gathered from one or more inventories: the
// blobs (configs and layers) it need not be sent again, and what said so.
type Have struct {
	Blobs map[string]bool
	// Bundles are the earlier bundles among the sources; Registries the
	// registries inventoried.
	Bundles    []bundle.BaseBundle
	Registries []string
}

// Add merges o into h.
func (h *Have) Add(o *Have) {
	if h.Blobs == nil {
		h.Blobs = map[string]bool{}
	}
	for d := range o.Blobs {
		h.Blobs[d] = true
	}
	for _, b := range o.Bundles {
		if !hasBundle(h.Bundles, b) {
			h.Bundles = append(h.Bundles, b)
		}
	}
	for _, r := range o.Registries {
		if !contains(h.Registries, r) {
			h.Registries = append(h.Registries, r)
		}
	}
}

func hasBundle(list []bundle.BaseBundle, b bundle.BaseBundle) bool {
	for _, x := range list {
		if x.ShortCode == b.ShortCode && x.Name == b.Name {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Read reads what a site holds from path: an inventory file, an earlier
// bundle (its folder, its .ferry.json index or a part), its manifest
// (ferry-bundle.json taken out of it), or the JSON report of its import.
// A bundle, its manifest and its report count every blob the bundle's
// images use, carried or left out: once it is loaded, the site has them.
// The files are read through fsys; a bundle is read from the disk, as its
// data path always is.
func Read(ctx context.Context, fsys afero.Fs, path string) (*Have, error) {
	st, err := fsys.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fault.New(ErrNotAnInventory, "%s does not exist", path)
		}
		return nil, err
	}
	if st.IsDir() || !strings.HasSuffix(path, ".json") {
		return fromBundle(ctx, path)
	}
	if !st.Mode().IsRegular() {
		return nil, fault.New(ErrNotAnInventory, "%s is not a regular file", path)
	}
	if st.Size() > MaxFileSize {
		return nil, fault.New(ErrNotAnInventory, "%s is %s, more than the %s an inventory may be", path, size.Format(st.Size()), size.Format(MaxFileSize))
	}
	f, err := fsys.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize))
	if err != nil {
		return nil, err
	}
	return Parse(ctx, path, data)
}

// Parse reads an inventory, a bundle manifest or an import report from
// data; a bundle index is opened as its bundle (path must name it).
func Parse(ctx context.Context, path string, data []byte) (*Have, error) {
	var head struct {
		Kind   string          `json:"kind"`
		Bundle *string         `json:"bundle"`
		Code   string          `json:"code"`
		Digest string          `json:"digest"`
		Blobs  json.RawMessage `json:"blobs"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fault.New(ErrNotAnInventory, "%s is not JSON: give an inventory, a bundle or its import report (.json)", path)
	}
	switch {
	case head.Kind == Kind:
		var inv Inventory
		if err := json.Unmarshal(data, &inv); err != nil {
			return nil, fault.New(ErrNotAnInventory, "%s cannot be read: %v", path, err)
		}
		if inv.FormatVersion != FormatVersion {
			return nil, fault.New(ErrNotAnInventory, "%s is inventory format %d and this ferry reads format %d: take the inventory again with this ferry", path, inv.FormatVersion, FormatVersion)
		}
		return inv.Have(), nil
	case head.Kind == bundle.ManifestKind:
		var m bundle.Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fault.New(ErrNotAnInventory, "the bundle manifest %s cannot be read", path)
		}
		digest := bundle.Digest(data)
		return FromManifest(&m, bundle.BaseBundle{Name: manifestName(&m), ShortCode: bundle.ShortCode(digest), ManifestDigest: digest})
	case head.Kind == bundle.IndexKind:
		return fromBundle(ctx, path)
	case head.Bundle != nil && head.Code != "":
		var rep struct {
			Bundle, Code, Digest string
			Registry             string
			Blobs                *struct {
				Present []string `json:"present"`
			} `json:"blobs"`
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			return nil, fault.New(ErrNotAnInventory, "the import report %s cannot be read", path)
		}
		if rep.Blobs == nil || rep.Blobs.Present == nil {
			return nil, fault.New(ErrNotAnInventory, "the import report %s lists no blobs (no images were loaded, or an older ferry wrote it): give the bundle itself, or take an inventory with ferry inventory", path)
		}
		h := &Have{Blobs: map[string]bool{}, Bundles: []bundle.BaseBundle{{Name: rep.Bundle, ShortCode: rep.Code, ManifestDigest: rep.Digest}}}
		if rep.Registry != "" {
			h.Registries = []string{rep.Registry}
		}
		for _, d := range rep.Blobs.Present {
			h.Blobs[d] = true
		}
		return h, nil
	}
	return nil, fault.New(ErrNotAnInventory, "%s is not an inventory, a bundle, a bundle manifest or an import report", path)
}

// Have is what the inventory says the site holds.
func (inv *Inventory) Have() *Have {
	h := &Have{Blobs: make(map[string]bool, len(inv.Blobs)), Bundles: inv.Bundles}
	if inv.Registry != "" {
		h.Registries = []string{inv.Registry}
	}
	for _, d := range inv.Blobs {
		h.Blobs[d] = true
	}
	return h
}

// fromBundle opens a bundle and reads its manifest.
func fromBundle(ctx context.Context, path string) (*Have, error) {
	b, err := bundle.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := b.ReadManifest(ctx)
	if err != nil {
		return nil, fmt.Errorf("the manifest of %s cannot be read (its parts must be beside its index, or give ferry-bundle.json taken out of it): %w", filepath.Base(path), err)
	}
	return FromManifest(m, bundle.BaseBundle{Name: b.Index.Name, ShortCode: b.Index.ShortCode, ManifestDigest: b.Index.ManifestDigest})
}

// FromManifest is what the site holds once the bundle of m is loaded:
// every config and layer its images use.
func FromManifest(m *bundle.Manifest, id bundle.BaseBundle) (*Have, error) {
	images, err := Images(m.Plan)
	if err != nil {
		return nil, fault.New(ErrNotAnInventory, "the bundle's plan cannot be read")
	}
	h := &Have{Blobs: map[string]bool{}, Bundles: []bundle.BaseBundle{id}}
	for _, im := range images {
		for _, d := range im.Blobs {
			h.Blobs[d] = true
		}
	}
	return h, nil
}

// manifestName is the bundle's default name, target-version, from the
// plan a manifest holds (a manifest does not record the name chosen).
func manifestName(m *bundle.Manifest) string {
	var pl struct {
		Selection struct {
			Target, Version string
		} `json:"selection"`
	}
	_ = json.Unmarshal(m.Plan, &pl)
	if pl.Selection.Version == "" {
		return pl.Selection.Target
	}
	return pl.Selection.Target + "-" + pl.Selection.Version
}

// Sorted is a set of digests as a sorted list.
func Sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// Marshal is the inventory as the file holds it.
func (inv *Inventory) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(inv); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
