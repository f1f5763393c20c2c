package prepare

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"ferry/artifacts/bundle"
	"ferry/artifacts/download"
	"ferry/artifacts/image"
	"ferry/workflow/plan"
)

// composed is what a bundle holds, laid out in the format's order, with
// its manifest and where each Maven and plain file comes from.
type composed struct {
	layout   *bundle.Layout
	manifest []byte
	maven    map[string]origin // by path in the Maven layout
	files    map[string]origin // by file name
}

// origin is where the writer takes a file from: a cache path, the
// download it waits for, and the sha256 it must have.
type origin struct{ src, key, sha256 string }

// compose lays out the bundle of a plan and writes its manifest, from the
// image manifests and indexes and the Maven files already in the cache.
func compose(pl *plan.Plan, o Options, cache *download.Cache) (*composed, error) {
	planJSON, err := json.Marshal(pl)
	if err != nil {
		return nil, err
	}
	m := bundle.NewManifest(planJSON, o.Created)
	c := &composed{layout: bundle.NewLayout(), maven: map[string]origin{}, files: map[string]origin{}}
	l := c.layout
	kinds := map[string]bundle.BlobKind{image.KindIndex: bundle.BlobIndex, image.KindManifest: bundle.BlobManifest}
	for _, im := range pl.Images {
		for _, b := range im.Blobs {
			if !pl.Omits(b.Digest) {
				l.AddBlob(b.Digest, b.Size, kinds[b.Kind])
			}
		}
	}
	if h := pl.Have; h != nil {
		m.LeaveOut(bundle.Base{Bundles: h.Bundles, Registries: h.Registries, Omitted: h.Omitted, OmittedBytes: h.OmittedBytes})
	}

	// The images, as index.json lists them, and which children of kept
	// indexes are absent.
	images := slices.Clone(pl.Images)
	sort.Slice(images, func(i, j int) bool { return images[i].Reference < images[j].Reference })
	for _, im := range images {
		var topSize int64
		for _, b := range im.Blobs {
			if b.Digest == im.Digest {
				topSize = b.Size
			}
		}
		l.AddImage(bundle.LayoutImage{Reference: im.Reference, Digest: im.Digest, MediaType: im.MediaType, Size: topSize})
		entry := bundle.Image{Reference: im.Reference, Digest: im.Digest, MediaType: im.MediaType, Size: im.Size, Platforms: im.Platforms,
			Subject: im.Subject, Role: im.Role}
		if b, ok := l.Blob(im.Digest); ok && b.Blob == bundle.BlobIndex {
			entry.Missing, err = absentChildren(cache.BlobPath(im.Digest), l)
			if err != nil {
				return nil, err
			}
		}
		m.Images = append(m.Images, entry)
	}

	// Maven and plain files, with their sha256 for the manifest.
	for _, mv := range pl.Maven {
		for _, f := range mv.Files {
			if _, ok := c.maven[f.Path]; !ok {
				c.maven[f.Path] = origin{key: mavenKey(mv)}
				l.AddMaven(f.Path)
			}
		}
	}
	for _, e := range l.Maven() {
		sum, n, err := sha256File(cache.MavenPath(e.Name))
		if err != nil {
			return nil, fmt.Errorf("the cache lost %s: run prepare again: %w", e.Path, err)
		}
		c.maven[e.Name] = origin{key: c.maven[e.Name].key, sha256: sum}
		m.Maven = append(m.Maven, bundle.Entry{Path: e.Path, Size: n, SHA256: sum})
	}
	for _, f := range pl.Files {
		if _, ok := c.files[f.Name]; ok {
			continue
		}
		sum := strings.ToLower(f.SHA256)
		c.files[f.Name] = origin{src: cache.BlobPath("sha256:" + sum), key: "file:" + sum, sha256: sum}
		l.AddFile(f.Name)
		m.Files = append(m.Files, bundle.Entry{Path: bundle.FilePath(f.Name), Size: f.Size, SHA256: sum})
	}
	if c.manifest, err = m.Encode(); err != nil {
		return nil, err
	}
	return c, nil
}

// absentChildren lists the children of a kept index that are not carried.
func absentChildren(path string, carried *bundle.Layout) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the cache lost an image index: run prepare again: %w", err)
	}
	defer f.Close()
	idx, err := v1.ParseIndexManifest(f)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range idx.Manifests {
		if _, ok := carried.Blob(d.Digest.String()); !ok {
			out = append(out, d.Digest.String())
		}
	}
	sort.Strings(out)
	return out, nil
}

func sha256File(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("%x", h.Sum(nil)), n, nil
}
