package bundle

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// FormatVersion is the bundle format this build writes and reads.
const FormatVersion = 1

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
