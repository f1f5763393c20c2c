package bundle

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
)

// FormatVersion is the format of a full bundle, the one this build writes
// unless a bundle leaves blobs out.
const FormatVersion = 1

// DeltaFormatVersion is the format of a delta bundle: its manifest has a
// base (Manifest.Base). A ferry that reads only format 1 refuses it rather
// than load it without checking its base first.
const DeltaFormatVersion = 2

// readsFormat says whether this build reads bundles of format v.
func readsFormat(v int) bool { return v == FormatVersion || v == DeltaFormatVersion }

// Names inside the tar stream.
const (
	ManifestName  = "ferry-bundle.json"
	ImagesDir     = "images"
	MavenDir      = "maven"
	FilesDir      = "files"
	ChecksumsName = "SHA256SUMS"
	// OCILayoutVersion is written to images/oci-layout.
	OCILayoutVersion = "1.0.0"
)

// Kinds of the two JSON documents.
const (
	ManifestKind = "FerryBundle"
	IndexKind    = "FerryBundleIndex"
)

// Sentinel errors callers tell apart.
var (
	ErrNotABundle  = errors.New("not a ferry bundle")
	ErrFormat      = errors.New("unsupported bundle format version")
	ErrDamagedPart = errors.New("damaged part")
	ErrMissingPart = errors.New("missing part")
	ErrDigest      = errors.New("digest mismatch")
	ErrUnsafePath  = errors.New("path escapes the bundle")
	ErrIncomplete  = errors.New("bundle incomplete")
)

// Manifest is the bundle's first entry: what it carries.
type Manifest struct {
	FormatVersion int    `json:"formatVersion"`
	Kind          string `json:"kind"`
	// Created is set only from SOURCE_DATE_EPOCH, so bundles stay
	// byte-identical by default.
	Created string `json:"created,omitempty"`
	// Plan is the plan the bundle was made from (docs/plan.md).
	Plan json.RawMessage `json:"plan"`
	// Images are the images carried, as the OCI layout's index.json lists them.
	Images []Image `json:"images"`
	// Maven and Files list every Maven file and plain file with its sha256.
	Maven []Entry `json:"maven"`
	Files []Entry `json:"files"`
	// Base, in a delta bundle only, is what the bundle assumes the
	// destination already holds: the blobs it leaves out.
	Base *Base `json:"base,omitempty"`
}

// NewManifest starts the manifest of a bundle made from plan (its JSON),
// stamped with created when it is set (SOURCE_DATE_EPOCH).
func NewManifest(plan json.RawMessage, created *time.Time) *Manifest {
	m := &Manifest{FormatVersion: FormatVersion, Kind: ManifestKind, Plan: plan, Images: []Image{}, Maven: []Entry{}, Files: []Entry{}}
	if created != nil {
		m.Created = created.UTC().Format(time.RFC3339)
	}
	return m
}

// LeaveOut makes m a delta bundle's: it says what it leaves out (with the
// digest of that list), and is a format that a ferry which would not
// check for it refuses.
func (m *Manifest) LeaveOut(base Base) {
	base.OmittedDigest = ListDigest(base.Omitted)
	m.FormatVersion, m.Base = DeltaFormatVersion, &base
}

// Encode is the manifest as the bundle's first entry holds it: images by
// reference, Maven and plain files by path, indented, so the same content
// always makes the same bytes.
func (m *Manifest) Encode() ([]byte, error) {
	slices.SortStableFunc(m.Images, func(a, b Image) int { return strings.Compare(a.Reference, b.Reference) })
	for _, es := range [][]Entry{m.Maven, m.Files} {
		slices.SortStableFunc(es, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	}
	return json.MarshalIndent(m, "", " ")
}

// Base is what a delta bundle assumes is present where it is loaded.
type Base struct {
	// Bundles are the earlier bundles the left-out blobs came with, when
	// the engineer named them (a bundle or an import report); the far side
	// is told to load these first.
	Bundles []BaseBundle `json:"bundles,omitempty"`
	// Registries are the site registries whose inventories were given
	// (HOST[/PREFIX]).
	Registries []string `json:"registries,omitempty"`
	// Omitted are the digests of the blobs left out, sorted; OmittedBytes
	// their size, and OmittedDigest the sha256 of the list, one digest and
	// a newline each, so two sides can compare it at a glance.
	Omitted       []string `json:"omitted"`
	OmittedBytes  int64    `json:"omittedBytes"`
	OmittedDigest string   `json:"omittedDigest"`
}

// BaseBundle names an earlier bundle.
type BaseBundle struct {
	Name           string `json:"name"`
	ShortCode      string `json:"shortCode"`
	ManifestDigest string `json:"manifestDigest,omitempty"`
}

// ListDigest is the sha256 of a sorted list of digests, one and a newline
// each: Base.OmittedDigest.
func ListDigest(digests []string) string {
	h := sha256.New()
	for _, d := range digests {
		h.Write([]byte(d + "\n"))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Omits says whether the manifest's bundle leaves out blob digest.
func (m *Manifest) Omits(digest string) bool {
	if m.Base == nil {
		return false
	}
	i := sort.SearchStrings(m.Base.Omitted, digest)
	return i < len(m.Base.Omitted) && m.Base.Omitted[i] == digest
}

// Loads says, in a sentence's words, which bundles to load before this
// one, or which registry it was measured against.
func (b *Base) Loads() string {
	var names []string
	for _, bb := range b.Bundles {
		names = append(names, fmt.Sprintf("%s (code %s)", bb.Name, bb.ShortCode))
	}
	if len(names) > 0 {
		return "the base bundle " + strings.Join(names, ", then ")
	}
	if len(b.Registries) > 0 {
		return "the bundles " + strings.Join(b.Registries, ", ") + " held when this delta was made"
	}
	return "the bundle this delta was made against"
}

// Image is one image carried.
type Image struct {
	Reference string   `json:"reference"`
	Digest    string   `json:"digest"`
	MediaType string   `json:"mediaType"`
	Size      int64    `json:"size"`
	Platforms []string `json:"platforms"`
	// Missing lists the children of a kept index that were not carried
	// (architectures not chosen): the index is sparse.
	Missing []string `json:"missing,omitempty"`
	// Subject, on an artifact attached to another image (a cosign
	// signature, attestation or SBOM, or an OCI referrer), is the digest
	// of the manifest it is about; Role says which of those it is.
	Subject string `json:"subject,omitempty"`
	Role    string `json:"role,omitempty"`
}

// Entry is a file in the bundle with its size and sha256.
type Entry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Index is the sidecar that names the parts.
type Index struct {
	FormatVersion int    `json:"formatVersion"`
	Kind          string `json:"kind"`
	// Name is the bundle's base name; parts are Name.partNNN.
	Name string `json:"name"`
	// Target, Version, Archs and Modules repeat the selection, so a bundle
	// can be recognised without reading its parts.
	Target  string   `json:"target"`
	Version string   `json:"version,omitempty"`
	Archs   []string `json:"archs"`
	Modules []string `json:"modules"`
	// ManifestDigest is the sha256 of the manifest entry; ShortCode is its
	// spoken form.
	ManifestDigest string `json:"manifestDigest"`
	ShortCode      string `json:"shortCode"`
	// Size is the whole stream's size; PartSize the size of every part but
	// the last.
	Size     int64  `json:"size"`
	PartSize int64  `json:"partSize"`
	Parts    []Part `json:"parts"`
}

// Part is one file of the split stream.
type Part struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// CheckName refuses a bundle name that cannot be the start of a file name
// in the output folder: empty, with a path separator, hidden (a leading
// dot) or with control characters.
func CheckName(name string) error {
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return fmt.Errorf("must be a file name without / or a leading dot, like product-1.0, not %q", name)
	}
	return nil
}

// IndexName is the sidecar's file name for a bundle name.
func IndexName(name string) string { return name + ".ferry.json" }

// PartName is the file name of part n (1-based).
func PartName(name string, n int) string { return fmt.Sprintf("%s.part%03d", name, n) }

// crockford is Crockford's base32: no I, L, O or U, easy to read aloud.
var crockford = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// ShortCode turns a sha256 digest ("sha256:…") into eight characters an
// engineer can read to a technician over the phone, as XXXX-XXXX.
func ShortCode(digest string) string {
	raw, err := hex.DecodeString(strings.TrimPrefix(digest, "sha256:"))
	if err != nil || len(raw) < 5 {
		return ""
	}
	s := crockford.EncodeToString(raw[:5])
	return s[:4] + "-" + s[4:8]
}

// Digest returns "sha256:<hex>" of b.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// Span is a stretch of one part: Part indexes Parts.
type Span struct {
	Part         int
	Offset, Size int64
}

// Spans says which stretches of which parts hold the stream's bytes from
// offset, size of them.
func (idx Index) Spans(offset, size int64) []Span {
	var out []Span
	var start int64
	for i, p := range idx.Parts {
		end := start + p.Size
		if size > 0 && offset < end {
			n := min(size, end-offset)
			out = append(out, Span{Part: i, Offset: offset - start, Size: n})
			offset += n
			size -= n
		}
		start = end
	}
	return out
}
