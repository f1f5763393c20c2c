package prepare

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"ferry/artifacts/download"
	"ferry/artifacts/image"
	"ferry/artifacts/maven"
	"ferry/workflow/plan"
)

// work is one thing to fetch.
type work struct {
	kind   string // blob, manifest, maven, file
	key    string
	label  string
	size   int64
	ref    string       // image reference, for blobs and manifests
	repo   string       // Maven repository
	files  []maven.File // Maven files
	url    string
	sha256 string
	// from says where the writer takes an image blob: the cache's copy,
	// an earlier bundle, the cache once downloaded, or the registry.
	from string
}

// Where the writer takes a blob from.
const (
	fromCopy     = "copy"
	fromLocated  = "located"
	fromDownload = "download"
	fromStream   = "stream"
)

// blobSource says where the writer takes an image blob from: the cache's
// copy, an earlier bundle, a download into the cache (copies), or the
// registry. An earlier bundle about to be rewritten here does not count:
// its parts are compared and reused as they are, or replaced, and never
// read as another bundle.
func blobSource(cache *download.Cache, w *work, o Options, copies bool) string {
	if cache.HasBlob(w.key, w.size) {
		return fromCopy
	}
	if loc, ok := cache.Locate(w.key, w.size); ok && !inOwnParts(loc, o) {
		return fromLocated
	}
	if copies {
		return fromDownload
	}
	return fromStream
}

func inOwnParts(loc *download.Location, o Options) bool {
	abs, err := filepath.Abs(o.Output)
	if err != nil {
		return true
	}
	for _, s := range loc.Segments {
		if filepath.Dir(s.Path) == abs && strings.HasPrefix(filepath.Base(s.Path), o.Name+".part") {
			return true
		}
	}
	return false
}

func (p *Preparer) missing(w *work) int64 {
	c := p.Downloader.Cache
	switch w.kind {
	case "blob", "manifest":
		return c.Missing(w.key, w.size)
	case "file":
		return c.Missing("sha256:"+strings.ToLower(w.sha256), w.size)
	}
	var n int64
	for _, f := range w.files {
		if st, err := os.Stat(c.MavenPath(f.Path)); err != nil || st.Size() != f.Size {
			n += f.Size
		}
	}
	return n
}

// workList lists every unique thing to fetch, in the order to start them.
func workList(pl *plan.Plan) []*work {
	seen := map[string]bool{}
	var out []*work
	for _, im := range pl.Images {
		for _, b := range im.Blobs {
			if seen[b.Digest] || pl.Omits(b.Digest) {
				// Once is enough; and the site has what a delta leaves out.
				continue
			}
			seen[b.Digest] = true
			kind := "blob"
			if b.Kind == image.KindIndex || b.Kind == image.KindManifest {
				kind = "manifest"
			}
			out = append(out, &work{kind: kind, key: b.Digest, size: b.Size, ref: im.Reference,
				label: fmt.Sprintf("%s %s of %s", b.Kind, shortDigest(b.Digest), im.Reference)})
		}
	}
	fromImage := map[string]*work{}
	for _, m := range pl.Maven {
		if m.Image == nil {
			out = append(out, &work{kind: "maven", key: m.Coordinates, label: m.Coordinates, size: m.Size, repo: m.Repository, files: m.Files})
			continue
		}
		// One extraction per image folder, however many artifacts it holds.
		k := mavenKey(m)
		w, ok := fromImage[k]
		if !ok {
			w = &work{kind: "mavenimage", key: k, label: "Maven repository " + m.Image.Path + " of " + m.Image.Reference,
				ref: imageByDigest(m.Image), repo: m.Image.Path}
			fromImage[k] = w
			out = append(out, w)
		}
		w.files = append(w.files, m.Files...)
		w.size += m.Size
	}
	for _, f := range pl.Files {
		k := "file:" + strings.ToLower(f.SHA256)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, &work{kind: "file", key: k, label: f.Name, size: f.Size, url: f.URL, sha256: f.SHA256})
	}
	// Manifests and Maven files first: the bundle's manifest, its first
	// entry, needs them. Then the rest, biggest first, so long downloads
	// start early.
	first := func(w *work) bool { return w.kind == "manifest" || w.kind == "maven" || w.kind == "mavenimage" }
	sort.SliceStable(out, func(i, j int) bool {
		if first(out[i]) != first(out[j]) {
			return first(out[i])
		}
		return out[i].size > out[j].size
	})
	return out
}

// mavenKey names the download a Maven artifact's files come with.
func mavenKey(m plan.Maven) string {
	if m.Image != nil {
		return "mavenimage:" + imageByDigest(m.Image) + "\x00" + m.Image.Path
	}
	return m.Coordinates
}

// imageByDigest is the image a Maven repository was listed in, pinned to
// the manifest read at plan time.
func imageByDigest(mi *plan.MavenImage) string {
	repo, _, _ := strings.Cut(mi.Reference, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return repo + "@" + mi.Digest
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}
