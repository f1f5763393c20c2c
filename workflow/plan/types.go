package plan

import (
	"ferry/artifacts/fault"
	"ferry/artifacts/image"
	"ferry/artifacts/maven"
)

// FormatVersion is the version of the Plan JSON format. It changes only when
// a field changes meaning or goes away; new fields may appear within a
// version, and readers ignore fields they do not know.
const FormatVersion = 1

// Plan is everything a bundle for a selection will carry, with sizes.
type Plan struct {
	FormatVersion int       `json:"formatVersion"`
	Selection     Selected  `json:"selection"`
	Images        []Image   `json:"images"`
	Maven         []Maven   `json:"maven"`
	Files         []File    `json:"files"`
	Notes         []Note    `json:"notes,omitempty"`
	Totals        Totals    `json:"totals"`
	Media         []Medium  `json:"media"`
	Errors        []Problem `json:"errors,omitempty"`
	// Operators are the OLM packages carried, one entry per catalog.
	Operators []OperatorCatalog `json:"operators,omitempty"`
	// Have, when set, is what the site already holds: the bundle is a
	// delta that leaves it out (have.go).
	Have *Have `json:"have,omitempty"`
	// Generated holds, by digest, the blobs the plan made rather than
	// found in a registry (a filtered catalog's index, manifests, configs
	// and top layer); prepare puts them into its cache before it fetches
	// the rest. It lives only as long as the plan in memory.
	Generated map[string][]byte `json:"-"`
}

// OperatorCatalog is a catalog image whose filtered copy the bundle
// carries, and the packages that copy holds.
type OperatorCatalog struct {
	// Catalog is the catalog image as listed; the filtered copy is
	// carried under the same reference.
	Catalog string `json:"catalog"`
	// SourceDigest is the upstream catalog's digest, Digest the filtered
	// copy's.
	SourceDigest string `json:"sourceDigest"`
	Digest       string `json:"digest"`
	// ConfigsDir is the folder of the file-based catalog in the image.
	ConfigsDir string `json:"configsDir"`
	// PackagesUpstream counts the packages of the upstream catalog.
	PackagesUpstream int               `json:"packagesUpstream"`
	Packages         []OperatorPackage `json:"packages"`
}

// OperatorPackage is one bundle of a package kept in a filtered catalog.
type OperatorPackage struct {
	Name    string   `json:"name"`
	Channel string   `json:"channel"`
	Bundle  string   `json:"bundle"`
	Version string   `json:"version,omitempty"`
	Modules []string `json:"modules"`
	// Why is "listed" (with the range, or the upgrade path, that kept
	// it), or which bundle requires it and what.
	Why string `json:"why"`
}

// Selected is the selection as resolved against the catalog.
type Selected struct {
	Target  string   `json:"target"`
	Title   string   `json:"title,omitempty"`
	Version string   `json:"version,omitempty"`
	Archs   []string `json:"archs"`
	Modules []Module `json:"modules"`
}

// Module is one module carried, and why when the engineer did not pick it.
type Module struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	// Reason is "required", "needed by X", or empty when chosen.
	Reason string `json:"reason,omitempty"`
}

// Image is one image reference resolved.
type Image struct {
	// Reference is the original reference, as the catalog or list wrote it.
	Reference string `json:"reference"`
	// Modules that need the image; "" stands for a list the engineer brought.
	Modules   []string `json:"modules"`
	Digest    string   `json:"digest"`
	MediaType string   `json:"mediaType"`
	// Platforms carried, and all the image offers.
	Platforms          []string `json:"platforms"`
	AvailablePlatforms []string `json:"availablePlatforms"`
	// Size is the compressed size: the index, the carried manifests,
	// configs and layers, each counted once.
	Size int64 `json:"size"`
	// Shared is how much of Size is blobs other images of the plan use too.
	Shared int64        `json:"shared"`
	Blobs  []image.Blob `json:"blobs"`
	// Why says why an image no module lists is carried: "bundle of
	// PACKAGE …", "related image … of bundle …", "filtered catalog …",
	// and what an attached artifact is: "signature of REF", "referrer of
	// REF (linux/arm64, application/spdx+json)".
	Why string `json:"why,omitempty"`
	// Role and Subject are set on an artifact attached to another image:
	// signature, attestation or SBOM (cosign's tags), or referrer (OCI
	// 1.1), and the digest of the manifest it is about.
	Role    string `json:"role,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// Maven is one Maven artifact resolved to its files.
type Maven struct {
	// Coordinates as groupId:artifactId:version[:packaging[:classifier]].
	Coordinates string       `json:"coordinates"`
	Modules     []string     `json:"modules"`
	Packaging   string       `json:"packaging"`
	Repository  string       `json:"repository"`
	Files       []maven.File `json:"files"`
	Size        int64        `json:"size"`
	// Scope is the scope the artifact is needed in; empty for parents,
	// BOMs and plugins.
	Scope string `json:"scope,omitempty"`
	// Image, when set, says the files are read out of an image rather
	// than fetched from Repository.
	Image *MavenImage `json:"image,omitempty"`
	// Why says why it is carried: "listed", "dependency of g:a:v",
	// "parent of g:a:v", "BOM imported by g:a:v", "plugin for the compile
	// phase", …
	Why string `json:"why,omitempty"`
}

// MavenImage is a Maven repository folder inside an image.
type MavenImage struct {
	// Reference is the image as the catalog names it.
	Reference string `json:"reference"`
	// Digest is the image manifest read, which prepare reads again.
	Digest string `json:"digest"`
	// Path is the repository's folder inside the image.
	Path string `json:"path"`
}

// File is one plain file.
type File struct {
	Name    string   `json:"name"`
	URL     string   `json:"url"`
	SHA256  string   `json:"sha256"`
	Size    int64    `json:"size"`
	Modules []string `json:"modules"`
}

// Note is a module's text for the technician on the far side.
type Note struct {
	Module string `json:"module"`
	Text   string `json:"text"`
}

// Totals sum up the plan. Listed counts every item as listed (an image's
// blobs once per image); Unique counts every blob, artifact file and plain
// file the bundle holds exactly once.
type Totals struct {
	Listed  int64         `json:"listed"`
	Unique  int64         `json:"unique"`
	Images  Sum           `json:"images"`
	Maven   Sum           `json:"maven"`
	Files   Sum           `json:"files"`
	Modules []ModuleTotal `json:"modules"`
	Archs   []ArchTotal   `json:"archs"`
}

// Sum is a count and the bytes before and after de-duplication.
type Sum struct {
	Count  int   `json:"count"`
	Listed int64 `json:"listed"`
	Unique int64 `json:"unique"`
}

// ModuleTotal is what one module brings. Items needed by several modules
// count in each.
type ModuleTotal struct {
	Module string `json:"module"`
	Listed int64  `json:"listed"`
	Unique int64  `json:"unique"`
}

// ArchTotal is the unique bytes of one architecture's images: the
// manifests, configs and layers of its platforms (indexes are shared by all
// architectures and not counted here).
type ArchTotal struct {
	Arch string `json:"arch"`
	Size int64  `json:"size"`
}

// Medium is a common removable medium and whether the bundle fits on it.
type Medium struct {
	Name     string `json:"name"`
	Capacity int64  `json:"capacity"`
	Usable   int64  `json:"usable"`
	Fits     bool   `json:"fits"`
}

// Problem is an item that could not be resolved, with one sentence saying
// why and what to do.
type Problem struct {
	Kind    string   `json:"kind"` // image, maven, file, operator, …
	Item    string   `json:"item"`
	Modules []string `json:"modules"`
	Message string   `json:"message"`
	// Err is the error Message was made from, for faces to word its
	// settings; it is not saved.
	Err error `json:"-"`
}

// Text is the message with the settings it names worded by words.
func (p Problem) Text(words fault.Words) string {
	if p.Err != nil {
		return fault.Word(p.Err, words)
	}
	return p.Message
}
