package registrytest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ImageSpec describes one image to push.
type ImageSpec struct {
	Repo string // e.g. "apache/demo-operator"
	Tag  string
	// Platforms as os/arch[/variant]; one platform without Index pushes a
	// plain manifest.
	Platforms []string
	// Index pushes an OCI image index even for one platform.
	Index bool
	// Layers are applied to every platform.
	Layers []LayerSpec
}

// LayerSpec is one layer: a tar holding Size pseudo-random bytes derived
// from Name (and the platform, unless SharedAcrossPlatforms), so images
// that name the same layer share the identical blob.
type LayerSpec struct {
	Name                  string
	Size                  int64
	SharedAcrossPlatforms bool
}

// Pushed records exactly what was pushed, computed from the bytes sent.
type Pushed struct {
	Ref    string // Host/Repo:Tag
	Digest string // of the top-level manifest or index
	// IndexSize is the index's size in bytes (0 for a plain manifest).
	IndexSize int64
	Platforms map[string]PushedPlatform // by os/arch[/variant]
}

// PushedPlatform is one platform's image as pushed.
type PushedPlatform struct {
	ManifestDigest string
	ManifestSize   int64
	ConfigDigest   string
	ConfigSize     int64
	Layers         map[string]int64 // digest → size
}

// Push writes each image to the registry and records it.
func (r *Registry) Push(t testing.TB, specs ...ImageSpec) []Pushed {
	t.Helper()
	opts := []remote.Option{remote.WithTransport(r.Transport()), remote.WithAuth(r.Auth())}
	var out []Pushed
	for _, s := range specs {
		ref, err := name.ParseReference(r.Host+"/"+s.Repo+":"+s.Tag, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		p := Pushed{Ref: ref.Name(), Platforms: map[string]PushedPlatform{}}
		var adds []mutate.IndexAddendum
		var single v1.Image
		for _, plat := range s.Platforms {
			img := buildImage(t, s.Layers, plat)
			p.Platforms[plat] = record(t, img)
			single = img
			pl := parsePlatform(plat)
			adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &pl}})
		}
		if s.Index || len(s.Platforms) > 1 {
			idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
			if err := remote.WriteIndex(ref, idx, opts...); err != nil {
				t.Fatalf("push %s: %v", ref, err)
			}
			raw, _ := idx.RawManifest()
			d, _ := idx.Digest()
			p.Digest, p.IndexSize = d.String(), int64(len(raw))
		} else {
			if err := remote.Write(ref, single, opts...); err != nil {
				t.Fatalf("push %s: %v", ref, err)
			}
			p.Digest = p.Platforms[s.Platforms[0]].ManifestDigest
		}
		out = append(out, p)
	}
	return out
}

func parsePlatform(s string) v1.Platform {
	parts := strings.Split(s, "/")
	p := v1.Platform{OS: parts[0]}
	if len(parts) > 1 {
		p.Architecture = parts[1]
	}
	if len(parts) > 2 {
		p.Variant = parts[2]
	}
	return p
}

func buildImage(t testing.TB, layers []LayerSpec, plat string) v1.Image {
	t.Helper()
	var ls []v1.Layer
	for _, l := range layers {
		seed := l.Name
		if !l.SharedAcrossPlatforms {
			seed += "@" + plat
		}
		ls = append(ls, static.NewLayer(layerTar(l.Name, seed, l.Size), types.OCIUncompressedLayer))
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	p := parsePlatform(plat)
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
}

// layerTar is a tar with one file of size pseudo-random bytes from seed.
func layerTar(name, seed string, size int64) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: name + ".bin", Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
	var block [sha256.Size]byte
	var ctr [8]byte
	for i, left := uint64(0), size; left > 0; i++ {
		binary.BigEndian.PutUint64(ctr[:], i)
		block = sha256.Sum256(append([]byte(seed), ctr[:]...))
		n := min(left, int64(len(block)))
		_, _ = tw.Write(block[:n])
		left -= n
	}
	_ = tw.Close()
	return buf.Bytes()
}

func record(t testing.TB, img v1.Image) PushedPlatform {
	t.Helper()
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	cfg, _ := img.RawConfigFile()
	cd, _ := img.ConfigName()
	p := PushedPlatform{ManifestDigest: d.String(), ManifestSize: int64(len(raw)), ConfigDigest: cd.String(), ConfigSize: int64(len(cfg)), Layers: map[string]int64{}}
	ls, _ := img.Layers()
	for _, l := range ls {
		ld, _ := l.Digest()
		sz, _ := l.Size()
		p.Layers[ld.String()] = sz
	}
	return p
}

// blobs lists an image's blobs for the chosen architectures, each once.
func (p Pushed) blobs(archs []string) map[string]int64 {
	out := map[string]int64{}
	if p.IndexSize > 0 {
		out[p.Digest] = p.IndexSize
	}
	for plat, pp := range p.Platforms {
		if len(archs) > 0 && !containsArch(archs, plat) {
			continue
		}
		out[pp.ManifestDigest] = pp.ManifestSize
		out[pp.ConfigDigest] = pp.ConfigSize
		for d, s := range pp.Layers {
			out[d] = s
		}
	}
	return out
}

func containsArch(archs []string, plat string) bool {
	a := parsePlatform(plat).Architecture
	for _, x := range archs {
		if x == a {
			return true
		}
	}
	return false
}

// ExpectedListed adds up, per image, its index and the chosen platforms'
// manifests, configs and layers (each blob once within the image); no
// archs means all.
func ExpectedListed(pushed []Pushed, archs ...string) int64 {
	var n int64
	for _, p := range pushed {
		for _, s := range p.blobs(archs) {
			n += s
		}
	}
	return n
}

// ExpectedUnique adds up every distinct blob of the pushed images for the
// chosen architectures once; no archs means all.
func ExpectedUnique(pushed []Pushed, archs ...string) int64 {
	all := map[string]int64{}
	for _, p := range pushed {
		for d, s := range p.blobs(archs) {
			all[d] = s
		}
	}
	var n int64
	for _, s := range all {
		n += s
	}
	return n
}
