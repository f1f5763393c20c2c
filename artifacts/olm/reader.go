package olm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"ferry/artifacts/fault"
	"ferry/artifacts/image"
	"ferry/artifacts/imagefs"
	"ferry/artifacts/source"
)

// ErrNotFileBased marks a catalog image without the configs label: an
// old SQLite catalog, or no catalog at all.
var ErrNotFileBased = errors.New("not a file-based catalog")

// Source is a catalog image as read for the chosen architectures, with
// its file-based catalog.
type Source struct {
	// Reference is the catalog image as the wish named it.
	Reference string
	// Digest and MediaType are those of the image or index read.
	Digest    string
	MediaType types.MediaType
	// Images are the catalog's images, one per architecture carried; a
	// catalog that is one image has one, under its own platform.
	Images []PlatformImage
	// ConfigsDir and CacheDir are the folders the labels name; CacheDir
	// is empty when the image has no pre-built cache.
	ConfigsDir, CacheDir string
	Catalog              *Catalog
}

// PlatformImage is one image of a catalog and its platform.
type PlatformImage struct {
	Platform v1.Platform
	Image    v1.Image
}

// Reader reads catalog images from registries, through the source's
// mirrors, credentials and trust.
type Reader struct {
	Access *source.Access
	// TempDir is where a catalog's folder is unpacked while it is read
	// ("" for the system's); it is removed before Read returns.
	TempDir string
}

// Read fetches ref's manifest for archs and reads the file-based catalog
// in the folder its configs label names, out of the layers of the first
// architecture's image (the catalog is the same on every one). Errors are
// sentences.
func (r *Reader) Read(ctx context.Context, ref string, archs []string) (*Source, error) {
	fetch, err := r.Access.Reference(ref)
	if err != nil {
		return nil, err
	}
	host := fetch.Context().RegistryStr()
	opts := r.Access.RemoteOptions(remote.WithContext(ctx))
	desc, err := remote.Get(fetch, opts...)
	if err != nil {
		return nil, source.Explain(ref, host, err)
	}
	src := &Source{Reference: ref, Digest: desc.Digest.String(), MediaType: desc.MediaType}
	switch {
	case desc.MediaType.IsIndex():
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, source.Explain(ref, host, err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, source.Explain(ref, host, err)
		}
		var have []string
		for _, arch := range archs {
			i := slices.IndexFunc(im.Manifests, func(d v1.Descriptor) bool {
				return d.Platform != nil && d.Platform.OS == "linux" && d.Platform.Architecture == arch && d.MediaType.IsImage()
			})
			if i < 0 {
				for _, d := range im.Manifests {
					if d.Platform != nil {
						have = append(have, d.Platform.OS+"/"+d.Platform.Architecture)
					}
				}
				return nil, fmt.Errorf("the catalog %s has no image for linux/%s (it has %s)", ref, arch, names(have))
			}
			img, err := remote.Image(fetch.Context().Digest(im.Manifests[i].Digest.String()), opts...)
			if err != nil {
				return nil, source.Explain(ref, host, err)
			}
			src.Images = append(src.Images, PlatformImage{Platform: *im.Manifests[i].Platform, Image: img})
		}
	case desc.MediaType.IsImage():
		img, err := desc.Image()
		if err != nil {
			return nil, source.Explain(ref, host, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, source.Explain(ref, host, err)
		}
		src.Images = []PlatformImage{{Platform: v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}, Image: img}}
	default:
		return nil, fmt.Errorf("%s has media type %s, which is not an image or an index", ref, desc.MediaType)
	}
	if len(src.Images) == 0 {
		return nil, fmt.Errorf("choose at least one architecture to read the catalog %s for", ref)
	}
	first := src.Images[0].Image
	cf, err := first.ConfigFile()
	if err != nil {
		return nil, source.Explain(ref, host, err)
	}
	src.ConfigsDir = cf.Config.Labels[LabelConfigs]
	src.CacheDir = cf.Config.Labels[LabelCache]
	if src.ConfigsDir == "" {
		return nil, fault.New(ErrNotFileBased, "%s has no %s label, so it is not a file-based catalog (an old SQLite catalog, or not a catalog at all): name a catalog image of OpenShift 4.11 or later", ref, LabelConfigs)
	}
	tmp, err := os.MkdirTemp(r.TempDir, "ferry-catalog-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dest := tmp + "/configs"
	if _, err := imagefs.Extract(ctx, first, src.ConfigsDir, dest, imagefs.Options{}); err != nil {
		return nil, fmt.Errorf("reading the catalog %s out of %s: %w", src.ConfigsDir, ref, err)
	}
	if src.Catalog, err = Read(os.DirFS(dest)); err != nil {
		return nil, fmt.Errorf("the catalog in %s of %s cannot be read: %w", src.ConfigsDir, ref, err)
	}
	return src, nil
}

// Built is a filtered catalog image: what the plan lists of it and the
// bytes of the blobs ferry made, which no registry holds.
type Built struct {
	Digest    string
	MediaType string
	Platforms []string
	// Blobs are the index (when the catalog is an index), each image's
	// manifest, config and layers, each digest once.
	Blobs []image.Blob
	// Generated holds, by digest, the content of every blob made here:
	// the index, manifests, configs and the new top layer. The others are
	// the catalog's own base layers.
	Generated map[string][]byte
}

// Build makes the filtered catalog of src that holds the chosen bundles
// (those of other catalogs are left out), for each of src's images.
func Build(src *Source, chosen []Chosen) (*Built, error) {
	var mine []Chosen
	for _, c := range chosen {
		if c.Catalog == src.Reference {
			mine = append(mine, c)
		}
	}
	files, err := Filter(src.Catalog, mine)
	if err != nil {
		return nil, err
	}
	b := &Built{Generated: map[string][]byte{}}
	seen := map[string]int{}
	add := func(bl image.Blob, data []byte) {
		if i, ok := seen[bl.Digest]; ok {
			for _, p := range bl.Platforms {
				if !slices.Contains(b.Blobs[i].Platforms, p) {
					b.Blobs[i].Platforms = append(b.Blobs[i].Platforms, p)
				}
			}
			return
		}
		seen[bl.Digest] = len(b.Blobs)
		b.Blobs = append(b.Blobs, bl)
		if data != nil {
			b.Generated[bl.Digest] = data
		}
	}
	var adds []mutate.IndexAddendum
	var last v1.Image
	for _, pi := range src.Images {
		mt, err := pi.Image.MediaType()
		if err != nil {
			return nil, err
		}
		lmt := types.OCILayer
		if mt == types.DockerManifestSchema2 {
			lmt = types.DockerLayer
		}
		layer, err := Layer(src.ConfigsDir, src.CacheDir, files, lmt)
		if err != nil {
			return nil, err
		}
		img, err := Rebuild(pi.Image, layer, src.CacheDir != "")
		if err != nil {
			return nil, fmt.Errorf("filtering %s: %w", src.Reference, err)
		}
		plat := platformString(pi.Platform)
		b.Platforms = append(b.Platforms, plat)
		if err := addImage(img, plat, layer, add); err != nil {
			return nil, fmt.Errorf("filtering %s: %w", src.Reference, err)
		}
		p := pi.Platform
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
		last = img
	}
	sort.Strings(b.Platforms)
	if !src.MediaType.IsIndex() {
		d, err := last.Digest()
		if err != nil {
			return nil, err
		}
		mt, _ := last.MediaType()
		b.Digest, b.MediaType = d.String(), string(mt)
		return b, nil
	}
	idx := mutate.IndexMediaType(empty.Index, src.MediaType)
	idx = mutate.AppendManifests(idx, adds...)
	raw, err := idx.RawManifest()
	if err != nil {
		return nil, err
	}
	d, err := idx.Digest()
	if err != nil {
		return nil, err
	}
	b.Digest, b.MediaType = d.String(), string(src.MediaType)
	// The index first, as the resolver lists blobs.
	b.Blobs = append([]image.Blob{{Digest: d.String(), Size: int64(len(raw)), MediaType: string(src.MediaType), Kind: image.KindIndex}}, b.Blobs...)
	b.Generated[d.String()] = raw
	return b, nil
}

// addImage lists one filtered image's manifest, config and layers; the
// bytes of all but the base layers are kept.
func addImage(img v1.Image, plat string, top v1.Layer, add func(image.Blob, []byte)) error {
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	mt, _ := img.MediaType()
	add(image.Blob{Digest: d.String(), Size: int64(len(raw)), MediaType: string(mt), Kind: image.KindManifest, Platforms: []string{plat}}, raw)
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	add(image.Blob{Digest: m.Config.Digest.String(), Size: m.Config.Size, MediaType: string(m.Config.MediaType), Kind: image.KindConfig, Platforms: []string{plat}}, cfg)
	topDigest, err := top.Digest()
	if err != nil {
		return err
	}
	for _, l := range m.Layers {
		var data []byte
		if l.Digest == topDigest {
			rc, err := top.Compressed()
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			_, err = io.Copy(&buf, rc)
			rc.Close()
			if err != nil {
				return err
			}
			data = buf.Bytes()
		}
		add(image.Blob{Digest: l.Digest.String(), Size: l.Size, MediaType: string(l.MediaType), Kind: image.KindLayer, Platforms: []string{plat}}, data)
	}
	return nil
}

func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// ByDigest is ref's repository pinned to digest, as the far side names a
// carried image.
func ByDigest(ref, digest string) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", err
	}
	return r.Context().Name() + "@" + digest, nil
}
