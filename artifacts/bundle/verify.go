package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"ferry/artifacts/progress"
	"fmt"
	"hash"
	"io"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Report says what a verification checked.
type Report struct {
	Parts   int
	Bytes   int64
	Entries int
	Images  int
	Blobs   int
	Maven   int
	Files   int
	Quick   bool
}

// Verify checks the bundle. Quick checks every part's size and sha256;
// otherwise the stream is also read entry by entry: the manifest against
// the index, every blob against its digest, every Maven file against its
// checksum sidecars and the manifest, every plain file, SHA256SUMS, and
// that every image's manifests and blobs are present. The first problem is
// returned as a sentence naming the part or item and what to do. sink,
// when set, gets progress.StageVerify events: each part Checked (quick),
// or each entry Reading with the bytes read so far, then one Verified
// event with the final figures. A cancelled ctx stops the check within one
// read-ahead buffer, with the context's error.
func (b *Bundle) Verify(ctx context.Context, quick bool, sink progress.Sink) (*Report, error) {
	r := &Report{Parts: len(b.Index.Parts), Quick: quick}
	if quick {
		var last progress.Event
		err := b.CheckParts(ctx, true, func(e progress.Event) { last = e; sink.Send(e) })
		r.Bytes = last.BytesDone
		if err == nil {
			sink.Send(progress.Event{Stage: progress.StageVerify, State: progress.Verified, BytesDone: r.Bytes, BytesTotal: r.Bytes, ItemsDone: r.Parts, ItemsTotal: r.Parts})
		}
		return r, err
	}
	// Sizes first: a missing or truncated last part is named at once,
	// not after reading everything before it.
	if err := b.CheckParts(ctx, false, nil); err != nil {
		return r, err
	}
	v := &verifier{b: b, r: r, sums: map[string]string{}, small: map[string][]byte{}, blobs: map[string]bool{}, mavenSums: map[string]map[string]string{}}
	counter := &countingWalk{sink: sink, total: b.Index.Size}
	if err := b.walkCounting(ctx, counter, v.entry); err != nil {
		return r, err
	}
	r.Bytes = counter.n
	if err := v.finish(); err != nil {
		return r, err
	}
	sink.Send(progress.Event{Stage: progress.StageVerify, State: progress.Verified, BytesDone: b.Index.Size, BytesTotal: b.Index.Size, ItemsDone: r.Entries, ItemsTotal: r.Entries})
	return r, nil
}

type verifier struct {
	b         *Bundle
	r         *Report
	manifest  *Manifest
	sums      map[string]string // path → sha256 as read
	small     map[string][]byte // small blobs, kept to walk image manifests
	blobs     map[string]bool
	index     []byte
	listed    []byte
	mavenSums map[string]map[string]string // maven path → algo → hex
}

func (v *verifier) entry(hdr *tar.Header, r io.Reader) error {
	v.r.Entries++
	name := hdr.Name
	if v.r.Entries == 1 && name != ManifestName {
		return fmt.Errorf("%w: the bundle starts with %q instead of its manifest", ErrNotABundle, name)
	}
	kind, placed := KindOf(name)
	hs := map[string]hash.Hash{"sha256": sha256.New()}
	if placed && kind == KindMaven {
		hs["sha1"], hs["md5"], hs["sha512"] = sha1.New(), md5.New(), sha512.New()
	}
	writers := make([]io.Writer, 0, len(hs)+1)
	for _, h := range hs {
		writers = append(writers, h)
	}
	var keep bytes.Buffer
	keepIt := placed && (kind == KindManifest || kind == KindChecksums || kind == KindLayoutIndex || (kind == KindBlob && hdr.Size <= 1<<20)) || isSidecar(name)
	if keepIt {
		writers = append(writers, &keep)
	}
	if _, err := io.Copy(io.MultiWriter(writers...), r); err != nil {
		return err
	}
	sum := hex.EncodeToString(hs["sha256"].Sum(nil))
	v.sums[name] = sum
	switch {
	case !placed:
	case kind == KindManifest:
		if "sha256:"+sum != v.b.Index.ManifestDigest {
			return fmt.Errorf("%w: the bundle manifest does not match its index: the index and the parts come from different bundles", ErrDigest)
		}
		var m Manifest
		if err := json.Unmarshal(keep.Bytes(), &m); err != nil || m.Kind != ManifestKind {
			return fmt.Errorf("%w: the bundle manifest cannot be read", ErrNotABundle)
		}
		if m.FormatVersion != FormatVersion {
			return fmt.Errorf("%w: the bundle is format %d and this ferry reads format %d: use the ferry that travels with the bundle", ErrFormat, m.FormatVersion, FormatVersion)
		}
		v.manifest = &m
	case kind == KindBlob:
		want := path.Base(name)
		if sum != want {
			return fmt.Errorf("%w: image blob sha256:%s in the bundle is damaged (its content hashes to sha256:%s): make the bundle again", ErrDigest, short(want), short(sum))
		}
		v.blobs["sha256:"+sum] = true
		v.r.Blobs++
		if keepIt {
			v.small["sha256:"+sum] = keep.Bytes()
		}
	case kind == KindLayoutIndex:
		v.index = keep.Bytes()
	case kind == KindMaven:
		rel := strings.TrimPrefix(name, MavenDir+"/")
		if isSidecar(name) {
			ext := path.Ext(name)[1:]
			main := strings.TrimSuffix(rel, "."+ext)
			got := strings.ToLower(strings.Fields(keep.String() + " x")[0])
			if have, ok := v.mavenSums[main]; ok && have[ext] != got {
				return fmt.Errorf("%w: the Maven file %s does not match its .%s checksum: make the bundle again", ErrDigest, main, ext)
			}
		}
		v.mavenSums[rel] = map[string]string{}
		for algo, h := range hs {
			v.mavenSums[rel][algo] = hex.EncodeToString(h.Sum(nil))
		}
		v.r.Maven++
	case kind == KindFile:
		v.r.Files++
	case kind == KindChecksums:
		v.listed = keep.Bytes()
	}
	return nil
}

func isSidecar(name string) bool {
	switch path.Ext(name) {
	case ".sha1", ".md5", ".sha256", ".sha512":
		return strings.HasPrefix(name, MavenDir+"/")
	}
	return false
}

func short(hexDigest string) string {
	if len(hexDigest) > 12 {
		return hexDigest[:12] + "…"
	}
	return hexDigest
}

// finish checks what can only be checked once everything was read.
func (v *verifier) finish() error {
	if v.manifest == nil {
		return fmt.Errorf("%w: the bundle has no manifest", ErrNotABundle)
	}
	if v.listed == nil {
		return fmt.Errorf("%w: the bundle ends without SHA256SUMS: the last part is probably truncated; copy it again", ErrIncomplete)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(v.listed)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			return fmt.Errorf("%w: SHA256SUMS has a malformed line", ErrDigest)
		}
		seen[name] = true
		got, present := v.sums[name]
		if !present {
			return fmt.Errorf("%w: %s is listed in SHA256SUMS but missing from the bundle: make the bundle again", ErrIncomplete, name)
		}
		if got != sum {
			return fmt.Errorf("%w: %s in the bundle does not match SHA256SUMS: make the bundle again", ErrDigest, name)
		}
	}
	for name := range v.sums {
		if name != ChecksumsName && !seen[name] {
			return fmt.Errorf("%w: %s is in the bundle but not in SHA256SUMS: make the bundle again", ErrDigest, name)
		}
	}
	for _, list := range [][]Entry{v.manifest.Maven, v.manifest.Files} {
		for _, e := range list {
			got, ok := v.sums[e.Path]
			if !ok {
				return fmt.Errorf("%w: %s is missing from the bundle: make the bundle again", ErrIncomplete, e.Path)
			}
			if got != e.SHA256 {
				return fmt.Errorf("%w: %s does not match the sha256 the manifest records: make the bundle again", ErrDigest, e.Path)
			}
		}
	}
	return v.checkImages()
}

// checkImages walks index.json down to every config and layer of every
// carried platform.
func (v *verifier) checkImages() error {
	if len(v.manifest.Images) == 0 {
		return nil
	}
	if v.index == nil {
		return fmt.Errorf("%w: %s is missing: make the bundle again", ErrIncomplete, LayoutIndexPath)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(v.index))
	if err != nil {
		return fmt.Errorf("%w: %s cannot be read", ErrNotABundle, LayoutIndexPath)
	}
	missing := map[string]bool{}
	for _, im := range v.manifest.Images {
		for _, m := range im.Missing {
			missing[m] = true
		}
	}
	var check func(d v1.Descriptor, ref string, depth int) error
	check = func(d v1.Descriptor, ref string, depth int) error {
		dg := d.Digest.String()
		if !v.blobs[dg] {
			if missing[dg] {
				return nil
			}
			return fmt.Errorf("%w: %s needs blob %s, which the bundle lacks: make the bundle again", ErrIncomplete, ref, short(dg))
		}
		if depth > 4 {
			return nil
		}
		raw := v.small[dg]
		switch {
		case d.MediaType.IsIndex():
			child, err := v1.ParseIndexManifest(bytes.NewReader(raw))
			if err != nil {
				return fmt.Errorf("%w: the index of %s cannot be read", ErrDigest, ref)
			}
			for _, c := range child.Manifests {
				if err := check(c, ref, depth+1); err != nil {
					return err
				}
			}
		case d.MediaType.IsImage():
			m, err := v1.ParseManifest(bytes.NewReader(raw))
			if err != nil {
				return fmt.Errorf("%w: a manifest of %s cannot be read", ErrDigest, ref)
			}
			for _, c := range append([]v1.Descriptor{m.Config}, m.Layers...) {
				if !v.blobs[c.Digest.String()] {
					return fmt.Errorf("%w: %s needs blob %s, which the bundle lacks: make the bundle again", ErrIncomplete, ref, short(c.Digest.String()))
				}
			}
		}
		return nil
	}
	refs := make([]string, 0, len(idx.Manifests))
	for _, d := range idx.Manifests {
		ref := d.Annotations[v1AnnotationRefName]
		refs = append(refs, ref)
		if err := check(d, ref, 0); err != nil {
			return err
		}
		v.r.Images++
	}
	sort.Strings(refs)
	for _, im := range v.manifest.Images {
		if i := sort.SearchStrings(refs, im.Reference); i >= len(refs) || refs[i] != im.Reference {
			return fmt.Errorf("%w: %s is in the manifest but not in %s: make the bundle again", ErrIncomplete, im.Reference, LayoutIndexPath)
		}
	}
	return nil
}

// v1AnnotationRefName is the OCI annotation holding an image's reference.
const v1AnnotationRefName = "org.opencontainers.image.ref.name"

type countingWalk struct {
	n, total int64
	entries  int
	sink     progress.Sink
}

// walkCounting is Walk, reporting bytes read. The total is the parts'
// size, a little more than the entries' content: the tar headers.
func (b *Bundle) walkCounting(ctx context.Context, c *countingWalk, fn EntryFunc) error {
	return b.Walk(ctx, func(hdr *tar.Header, r io.Reader) error {
		err := fn(hdr, r)
		c.n += hdr.Size
		c.entries++
		c.sink.Send(progress.Event{Stage: progress.StageVerify, Item: hdr.Name, State: progress.Reading, BytesDone: c.n, BytesTotal: c.total, ItemsDone: c.entries})
		return err
	})
}
