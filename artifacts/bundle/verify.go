package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"ferry/artifacts/progress"
	"fmt"
	"hash"
	"io"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"ferry/artifacts/fault"
	"ferry/artifacts/size"
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
	// Omitted is how many blobs a delta bundle leaves out, for its base to
	// provide; they are not missing.
	Omitted int
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
	v := &verifier{b: b, r: r, sums: map[string]*sumRecord{}, blobs: map[string]blobAt{}, mavenSums: map[string]map[string]string{}}
	entries := 0
	err := b.walk(ctx, func(hdr *tar.Header, off int64, rd io.Reader) error {
		err := v.entry(hdr, off, rd)
		r.Bytes += hdr.Size
		entries++
		sink.Send(progress.Event{Stage: progress.StageVerify, Item: hdr.Name, State: progress.Reading, BytesDone: r.Bytes, BytesTotal: b.Index.Size, ItemsDone: entries})
		return err
	})
	if err != nil {
		return r, err
	}
	if err := v.finish(ctx); err != nil {
		return r, err
	}
	if v.manifest.Base != nil {
		r.Omitted = len(v.manifest.Base.Omitted)
	}
	sink.Send(progress.Event{Stage: progress.StageVerify, State: progress.Verified, BytesDone: b.Index.Size, BytesTotal: b.Index.Size, ItemsDone: r.Entries, ItemsTotal: r.Entries})
	return r, nil
}

// The verifier keeps what the checks after the stream need, not the
// content: every entry's sha256, where each image blob lies, the Maven
// files' checksums for their sidecars, and only the small documents read
// whole (the manifest and index.json, each bounded). Image manifests are
// read again from the parts, by offset, when the images are walked.
type verifier struct {
	b         *Bundle
	r         *Report
	manifest  *Manifest
	sums      map[string]*sumRecord // path → sha256 as read
	blobs     map[string]blobAt     // digest → where its content lies
	index     []byte
	checksums bool                         // SHA256SUMS was read
	mavenSums map[string]map[string]string // maven path → algo → hex
}

type sumRecord struct {
	sha256 [sha256.Size]byte
	listed bool
}

type blobAt struct{ off, size int64 }

// maxSidecar bounds what is read of a Maven checksum file: a sha512 in hex
// and a file name.
const maxSidecar = 1 << 10

func (v *verifier) entry(hdr *tar.Header, off int64, r io.Reader) error {
	v.r.Entries++
	name := hdr.Name
	kind, placed := KindOf(name)
	if placed && kind == KindChecksums {
		return v.readChecksums(r)
	}
	hs := map[string]hash.Hash{"sha256": sha256.New()}
	if placed && kind == KindMaven {
		hs["sha1"], hs["md5"], hs["sha512"] = sha1.New(), md5.New(), sha512.New()
	}
	writers := make([]io.Writer, 0, len(hs)+1)
	for _, h := range hs {
		writers = append(writers, h)
	}
	var keep bytes.Buffer
	switch {
	case placed && (kind == KindManifest || kind == KindLayoutIndex):
		// Both are bounded by the entry check.
		writers = append(writers, &keep)
	case isSidecar(name):
		writers = append(writers, &limitedBuffer{b: &keep, n: maxSidecar})
	}
	if _, err := io.Copy(io.MultiWriter(writers...), r); err != nil {
		return err
	}
	rec := &sumRecord{}
	hs["sha256"].Sum(rec.sha256[:0])
	v.sums[name] = rec
	sum := hex.EncodeToString(rec.sha256[:])
	switch {
	case !placed:
	case kind == KindManifest:
		if "sha256:"+sum != v.b.Index.ManifestDigest {
			return fmt.Errorf("%w: the bundle manifest does not match its index: the index and the parts come from different bundles", ErrDigest)
		}
		m, err := parseManifest(keep.Bytes())
		if err != nil {
			return err
		}
		if err := v.b.sameFormat(m); err != nil {
			return err
		}
		v.manifest = m
	case kind == KindBlob:
		want := path.Base(name)
		if sum != want {
			return fmt.Errorf("%w: image blob sha256:%s in the bundle is damaged (its content hashes to sha256:%s): make the bundle again", ErrDigest, short(want), short(sum))
		}
		v.blobs["sha256:"+sum] = blobAt{off: off, size: hdr.Size}
		v.r.Blobs++
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
		} else {
			v.mavenSums[rel] = map[string]string{}
			for algo, h := range hs {
				v.mavenSums[rel][algo] = hex.EncodeToString(h.Sum(nil))
			}
		}
		v.r.Maven++
	case kind == KindFile:
		v.r.Files++
	}
	return nil
}

// readChecksums checks SHA256SUMS line by line as it streams, against the
// sums of the entries read before it.
func (v *verifier) readChecksums(r io.Reader) error {
	v.checksums = true
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("%w: SHA256SUMS has a malformed line: make the bundle again", ErrDigest)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			sum, name, ok := strings.Cut(strings.TrimRight(string(line), "\r\n"), "  ")
			raw, herr := hex.DecodeString(sum)
			if !ok || herr != nil || len(raw) != sha256.Size {
				return fmt.Errorf("%w: SHA256SUMS has a malformed line: make the bundle again", ErrDigest)
			}
			rec, present := v.sums[name]
			if !present {
				return fmt.Errorf("%w: %s is listed in SHA256SUMS but missing from the bundle: make the bundle again", ErrIncomplete, name)
			}
			if !bytes.Equal(rec.sha256[:], raw) {
				return fmt.Errorf("%w: %s in the bundle does not match SHA256SUMS: make the bundle again", ErrDigest, name)
			}
			rec.listed = true
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// limitedBuffer keeps the first n bytes written to it and drops the rest.
type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
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
func (v *verifier) finish(ctx context.Context) error {
	if v.manifest == nil {
		return fmt.Errorf("%w: the bundle has no manifest", ErrNotABundle)
	}
	if !v.checksums {
		return fmt.Errorf("%w: the bundle ends without SHA256SUMS: the last part is probably truncated; copy it again", ErrIncomplete)
	}
	names := make([]string, 0, len(v.sums))
	for name, rec := range v.sums {
		if !rec.listed {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		return fmt.Errorf("%w: %s is in the bundle but not in SHA256SUMS: make the bundle again", ErrDigest, names[0])
	}
	for _, list := range [][]Entry{v.manifest.Maven, v.manifest.Files} {
		for _, e := range list {
			rec, ok := v.sums[e.Path]
			if !ok {
				return fmt.Errorf("%w: %s is missing from the bundle: make the bundle again", ErrIncomplete, e.Path)
			}
			if hex.EncodeToString(rec.sha256[:]) != e.SHA256 {
				return fmt.Errorf("%w: %s does not match the sha256 the manifest records: make the bundle again", ErrDigest, e.Path)
			}
		}
	}
	return v.checkImages(ctx)
}

// checkImages walks index.json down to every config and layer of every
// carried platform, reading each manifest and index once from the parts.
func (v *verifier) checkImages(ctx context.Context) error {
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
	c, err := v.b.openParts()
	if err != nil {
		return err
	}
	defer c.Close()
	var ref string
	lacks := func(dg string) error {
		return fmt.Errorf("%w: %s needs blob %s, which the bundle lacks: make the bundle again", ErrIncomplete, ref, short(dg))
	}
	children := func(d v1.Descriptor) ([]v1.Descriptor, error) {
		dg := d.Digest.String()
		at, ok := v.blobs[dg]
		if !ok {
			if missing[dg] {
				return nil, nil
			}
			return nil, lacks(dg)
		}
		if !d.MediaType.IsIndex() && !d.MediaType.IsImage() {
			return nil, nil
		}
		raw, err := v.readManifest(ctx, c, ref, dg, at)
		if err != nil {
			return nil, err
		}
		if d.MediaType.IsIndex() {
			child, err := v1.ParseIndexManifest(bytes.NewReader(raw))
			if err != nil {
				return nil, fmt.Errorf("%w: the index of %s cannot be read", ErrDigest, ref)
			}
			return child.Manifests, nil
		}
		m, err := v1.ParseManifest(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%w: a manifest of %s cannot be read", ErrDigest, ref)
		}
		for _, b := range append([]v1.Descriptor{m.Config}, m.Layers...) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if _, ok := v.blobs[b.Digest.String()]; !ok && !v.manifest.Omits(b.Digest.String()) {
				return nil, lacks(b.Digest.String())
			}
		}
		return nil, nil
	}
	var g Graph
	refs := make([]string, 0, len(idx.Manifests))
	for _, d := range idx.Manifests {
		ref = d.Annotations[v1AnnotationRefName]
		refs = append(refs, ref)
		if err := g.Walk(ctx, ref, d, children); err != nil {
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

// readManifest reads an image manifest or index of ref from the parts,
// refusing one over MaxImageManifestSize, and checks it again against its
// digest: the parts were read once already, and the medium may have
// changed since.
func (v *verifier) readManifest(ctx context.Context, c *Contents, ref, dg string, at blobAt) ([]byte, error) {
	if at.size > MaxImageManifestSize {
		return nil, fault.New(ErrTooLarge, "the image manifest %s of %s is %s, more than the %s a manifest may be: the bundle is damaged or was not made by ferry; make the bundle again",
			short(strings.TrimPrefix(dg, "sha256:")), ref, size.Format(at.size), maxImageManifestText)
	}
	raw := make([]byte, at.size)
	if _, err := c.ReadAt(raw, at.off); err != nil {
		return nil, fmt.Errorf("read manifest %s of %s from the bundle: %w", short(strings.TrimPrefix(dg, "sha256:")), ref, err)
	}
	if Digest(raw) != dg {
		return nil, v.b.blamePart(ctx, at.off+1, fmt.Errorf("%w: image manifest %s of %s changed on the medium while it was checked: make the bundle again", ErrDigest, short(strings.TrimPrefix(dg, "sha256:")), ref))
	}
	return raw, nil
}

// v1AnnotationRefName is the OCI annotation holding an image's reference.
const v1AnnotationRefName = "org.opencontainers.image.ref.name"
