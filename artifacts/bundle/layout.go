package bundle

import (
	"encoding/json"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Paths inside the tar stream, besides the folders.
const (
	// LayoutIndexPath is the OCI layout's index.json.
	LayoutIndexPath = ImagesDir + "/index.json"
	// OCILayoutPath is the OCI layout's version marker.
	OCILayoutPath = ImagesDir + "/oci-layout"
	blobsPrefix   = ImagesDir + "/blobs/sha256/"
)

// BlobPath is where the stream holds the image blob with digest
// ("sha256:…" or its hex alone).
func BlobPath(digest string) string { return blobsPrefix + strings.TrimPrefix(digest, "sha256:") }

// MavenPath is where the stream holds a file of the Maven repository
// layout, rel being its path in that layout.
func MavenPath(rel string) string { return MavenDir + "/" + rel }

// FilePath is where the stream holds the plain file called name.
func FilePath(name string) string { return FilesDir + "/" + name }

// EntryKind is what an entry of the stream is. The stream holds its
// entries in the order of these kinds: the far side can then push
// straight from the media in one sequential pass.
type EntryKind int

// Kinds of entry, in stream order.
const (
	KindManifest EntryKind = iota
	KindBlob
	KindLayoutIndex
	KindOCILayout
	KindMaven
	KindFile
	KindChecksums
)

// KindOf says what the entry called name is; false for a name the format
// does not place.
func KindOf(name string) (EntryKind, bool) {
	switch {
	case name == ManifestName:
		return KindManifest, true
	case strings.HasPrefix(name, blobsPrefix):
		return KindBlob, true
	case name == LayoutIndexPath:
		return KindLayoutIndex, true
	case name == OCILayoutPath:
		return KindOCILayout, true
	case strings.HasPrefix(name, MavenDir+"/"):
		return KindMaven, true
	case strings.HasPrefix(name, FilesDir+"/"):
		return KindFile, true
	case name == ChecksumsName:
		return KindChecksums, true
	}
	return 0, false
}

// BlobKind is what an image blob is for; blobs of a lower kind come first,
// so a registry receiving them in stream order has every blob a manifest
// names before the manifest, and every manifest before its index.
type BlobKind int

// Kinds of image blob, in stream order.
const (
	// BlobContent is a layer or a config.
	BlobContent BlobKind = iota
	BlobManifest
	BlobIndex
)

// LayoutImage is an image the OCI layout's index.json names.
type LayoutImage struct {
	Reference, Digest, MediaType string
	// Size is the size of the image's top manifest or index.
	Size int64
}

// LayoutEntry is one entry of a bundle, in its place.
type LayoutEntry struct {
	Kind EntryKind
	Path string
	// Name is what the entry is known by outside the bundle: an image
	// blob's digest, a Maven file's path in the repository layout, a plain
	// file's name; empty for the others.
	Name string
	// Size is an image blob's size, known before it is written.
	Size int64
	// Blob is an image blob's kind.
	Blob BlobKind
}

// Layout lists a bundle's entries in the format's order and composes the
// entries the format defines itself (index.json, oci-layout). A writer
// adds what the bundle carries in any order, then writes Entries in
// turn; the manifest and the layout's files are the writer's to fill in.
type Layout struct {
	blobs  map[string]LayoutEntry
	images []LayoutImage
	maven  map[string]bool
	files  map[string]bool
}

// NewLayout starts an empty layout.
func NewLayout() *Layout {
	return &Layout{blobs: map[string]LayoutEntry{}, maven: map[string]bool{}, files: map[string]bool{}}
}

// AddImage names an image in the OCI layout's index.json; a bundle with
// images holds index.json and oci-layout.
func (l *Layout) AddImage(im LayoutImage) { l.images = append(l.images, im) }

// AddBlob adds an image blob; a digest added twice is held once.
func (l *Layout) AddBlob(digest string, size int64, kind BlobKind) {
	l.blobs[digest] = LayoutEntry{Kind: KindBlob, Path: BlobPath(digest), Name: digest, Size: size, Blob: kind}
}

// Blob is the image blob with digest, when the layout holds it.
func (l *Layout) Blob(digest string) (LayoutEntry, bool) {
	b, ok := l.blobs[digest]
	return b, ok
}

// AddMaven adds a file of the Maven repository layout; a path added twice
// is held once.
func (l *Layout) AddMaven(rel string) { l.maven[rel] = true }

// AddFile adds a plain file; a name added twice is held once.
func (l *Layout) AddFile(name string) { l.files[name] = true }

// Entries lists every entry in stream order, SHA256SUMS last (Writer.Close
// writes it).
func (l *Layout) Entries() []LayoutEntry {
	out := []LayoutEntry{{Kind: KindManifest, Path: ManifestName}}
	out = append(out, l.Blobs()...)
	if len(l.images) > 0 {
		out = append(out, LayoutEntry{Kind: KindLayoutIndex, Path: LayoutIndexPath}, LayoutEntry{Kind: KindOCILayout, Path: OCILayoutPath})
	}
	out = append(out, l.Maven()...)
	out = append(out, l.Files()...)
	return append(out, LayoutEntry{Kind: KindChecksums, Path: ChecksumsName})
}

// Blobs lists the image blobs in stream order: layers and configs, then
// manifests, then indexes, each by digest.
func (l *Layout) Blobs() []LayoutEntry {
	out := make([]LayoutEntry, 0, len(l.blobs))
	for _, b := range l.blobs {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Blob != out[j].Blob {
			return out[i].Blob < out[j].Blob
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Maven lists the Maven files in stream order, by path.
func (l *Layout) Maven() []LayoutEntry {
	return sortedEntries(l.maven, KindMaven, MavenPath)
}

// Files lists the plain files in stream order, by path.
func (l *Layout) Files() []LayoutEntry {
	return sortedEntries(l.files, KindFile, FilePath)
}

func sortedEntries(names map[string]bool, kind EntryKind, path func(string) string) []LayoutEntry {
	out := make([]LayoutEntry, 0, len(names))
	for n := range names {
		out = append(out, LayoutEntry{Kind: kind, Path: path(n), Name: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// LayoutIndex is the OCI layout's index.json: every image by reference,
// each with its original reference in org.opencontainers.image.ref.name.
func (l *Layout) LayoutIndex() ([]byte, error) {
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	images := append([]LayoutImage(nil), l.images...)
	sort.Slice(images, func(i, j int) bool { return images[i].Reference < images[j].Reference })
	for _, im := range images {
		h, err := v1.NewHash(im.Digest)
		if err != nil {
			return nil, err
		}
		idx.Manifests = append(idx.Manifests, v1.Descriptor{MediaType: types.MediaType(im.MediaType), Digest: h, Size: im.Size,
			Annotations: map[string]string{v1AnnotationRefName: im.Reference}})
	}
	return json.Marshal(idx)
}

// OCILayout is the content of images/oci-layout.
func OCILayout() []byte {
	return []byte(`{"imageLayoutVersion":"` + OCILayoutVersion + `"}`)
}
