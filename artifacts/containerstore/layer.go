package containerstore

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"ferry/artifacts/ctxio"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/klauspost/compress/zstd"
	"github.com/vbatts/tar-split/tar/asm"
	tsstorage "github.com/vbatts/tar-split/tar/storage"
)

// ErrDigestMismatch marks a layer whose bytes are not what its digests say.
var ErrDigestMismatch = errors.New("layer does not match its digest")

// The compression of a layer as layers.json numbers it.
const (
	uncompressed = 0
	gzipped      = 2
	zstded       = 4
)

// tarSplitSuffix names a layer's tar-split record, beside layers.json.
const tarSplitSuffix = ".tar-split.gz"

// partial marks a layer tree or file being written; one left by a run that
// stopped is removed by the next.
const partial = ".ferry-partial"

// Layer is one layer to put into the store.
type Layer struct {
	// Parent is the ID of the layer it lies over; empty for a base layer.
	Parent string
	// DiffID is the digest of its uncompressed tar, from the image config.
	DiffID string
	// Digest and Size are the blob's, as the manifest names it.
	Digest string
	Size   int64
	// Open reads the blob, compressed as carried (gzip, zstd or none).
	Open func(ctx context.Context) (io.ReadCloser, error)
}

// PutLayer puts l into the store, unless the store holds it already, and
// returns its ID. Its tree is written beside the others under a temporary
// name and renamed into place, its tar-split record likewise, and only then
// is it recorded: a layer the store lists is whole.
func (s *Store) PutLayer(ctx context.Context, l Layer) (string, error) {
	id := LayerID(l.Parent, l.DiffID)
	if s.HasLayer(id) {
		return id, nil
	}
	if _, recorded := s.byID[id]; recorded {
		return "", fmt.Errorf("the image store lists layer %s but lacks its files: remove the store and load again", short(id))
	}
	if l.Parent != "" && !s.HasLayer(l.Parent) {
		return "", fmt.Errorf("the image store lacks layer %s, the parent of %s", short(l.Parent), short(id))
	}
	final, stage := s.layerDir(id), s.layerDir(id)+partial
	tsFinal := filepath.Join(s.root, layersDir, id+tarSplitSuffix)
	tsStage := tsFinal + partial
	for _, p := range []string{final, stage, tsStage} {
		if err := os.RemoveAll(p); err != nil {
			return "", fmt.Errorf("cannot clear %s: %w", p, err)
		}
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(stage)
			_ = os.Remove(tsStage)
		}
	}()
	if l.Parent != "" {
		if err := copyTree(s.layerDir(l.Parent), stage); err != nil {
			return "", fmt.Errorf("cannot copy layer %s for %s: %w", short(l.Parent), short(id), err)
		}
	} else if err := os.Mkdir(stage, 0o555); err != nil {
		return "", fmt.Errorf("cannot write layer %s: %w", short(id), err)
	}
	rec, err := s.unpack(ctx, l, stage, tsStage)
	if err != nil {
		return "", err
	}
	rec.ID, rec.Parent, rec.Created = id, l.Parent, s.now().UTC()
	if err := os.Rename(tsStage, tsFinal); err != nil {
		return "", fmt.Errorf("cannot write layer %s: %w", short(id), err)
	}
	if err := os.Rename(stage, final); err != nil {
		return "", fmt.Errorf("cannot write layer %s: %w", short(id), err)
	}
	done = true
	if err := s.addLayer(rec); err != nil {
		_ = os.RemoveAll(final)
		return "", err
	}
	return id, nil
}

// unpack applies the layer's diff onto the tree at dir and writes its
// tar-split record to tsPath; it returns the layer's record, its digests
// checked.
func (s *Store) unpack(ctx context.Context, l Layer, dir, tsPath string) (layerRecord, error) {
	var rec layerRecord
	blob, err := l.Open(ctx)
	if err != nil {
		return rec, err
	}
	defer blob.Close()
	compressed := newCounter(sha256.New())
	br := bufio.NewReaderSize(io.TeeReader(ctxio.Reader(ctx, blob), compressed), 1<<20)
	magic, _ := br.Peek(4)
	var diff io.Reader = br
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return rec, fmt.Errorf("%w: layer %s: %v", ErrDigestMismatch, l.Digest, err)
		}
		defer zr.Close()
		diff, rec.CompressionType = zr, gzipped
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br)
		if err != nil {
			return rec, fmt.Errorf("%w: layer %s: %v", ErrDigestMismatch, l.Digest, err)
		}
		defer zr.Close()
		diff, rec.CompressionType = zr, zstded
	}
	raw := newCounter(sha256.New())

	ts, err := os.OpenFile(tsPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return rec, fmt.Errorf("cannot write layer %s: %w", short(l.DiffID), err)
	}
	defer ts.Close()
	tsz := gzip.NewWriter(ts)
	payload, err := asm.NewInputTarStream(io.TeeReader(diff, raw), tsstorage.NewJSONPacker(tsz), tsstorage.NewDiscardFilePutter())
	if err != nil {
		return rec, err
	}
	a := newApplier(dir)
	if err := a.apply(tar.NewReader(payload)); err != nil {
		if ctx.Err() != nil {
			return rec, ctx.Err()
		}
		return rec, fmt.Errorf("layer %s cannot be applied: %w", l.Digest, err)
	}
	// What follows the tar's end (padding) belongs to the record too.
	if _, err := io.Copy(io.Discard, payload); err != nil {
		return rec, fmt.Errorf("layer %s cannot be read: %w", l.Digest, err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return rec, fmt.Errorf("layer %s cannot be read: %w", l.Digest, err)
	}
	if err := tsz.Close(); err != nil {
		return rec, fmt.Errorf("cannot write layer %s: %w", short(l.DiffID), err)
	}
	if err := ts.Sync(); err != nil {
		return rec, fmt.Errorf("cannot write layer %s: %w", short(l.DiffID), err)
	}
	rec.CompressedDigest, rec.CompressedSize = compressed.digest(), compressed.n
	rec.UncompressedDigest, rec.UncompressedSize = raw.digest(), raw.n
	if l.Digest != "" && rec.CompressedDigest != l.Digest {
		return rec, fmt.Errorf("%w: layer %s reads as %s", ErrDigestMismatch, l.Digest, rec.CompressedDigest)
	}
	if rec.UncompressedDigest != l.DiffID {
		return rec, fmt.Errorf("%w: layer %s unpacks to %s, its image's config says %s", ErrDigestMismatch, l.Digest, rec.UncompressedDigest, l.DiffID)
	}
	rec.UIDs, rec.GIDs = sortedIDs(a.uids), sortedIDs(a.gids)
	return rec, nil
}

func sortedIDs(m map[uint32]bool) []uint32 {
	out := make([]uint32, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// counter hashes and counts what is written to it.
type counter struct {
	h hash.Hash
	n int64
}

func newCounter(h hash.Hash) *counter { return &counter{h: h} }

func (c *counter) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return c.h.Write(b)
}

func (c *counter) digest() string { return "sha256:" + hex.EncodeToString(c.h.Sum(nil)) }
