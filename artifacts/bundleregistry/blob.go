package bundleregistry

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// chunk is how much of a blob is read at a time; two chunks per blob being
// served, so memory stays bounded by the connection limit.
const chunk = 64 << 10

func (r *Registry) serveBlob(w http.ResponseWriter, req *http.Request, rp *repository, digest string) {
	if !validDigest(digest) {
		digestInvalid(w, digest)
		return
	}
	sr, ok := r.entry(digest)
	if !ok || !rp.uses[digest] {
		regError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry", map[string]string{"digest": digest})
		return
	}
	if d := r.damagedErr(digest); d != nil {
		r.refuse(w, d)
		return
	}
	h := w.Header()
	h.Set("Docker-Content-Digest", digest)
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Cache-Control", "max-age=31536000")
	if req.Method == http.MethodGet && req.Header.Get("Range") == "" {
		h.Set("Content-Length", strconv.FormatInt(sr.Size(), 10))
		h.Set("Accept-Ranges", "bytes")
		w.WriteHeader(http.StatusOK)
		if err := r.stream(w, sr, digest); err != nil {
			if errors.Is(err, errClientGone) {
				return
			}
			r.report(err)
			// The client must see a broken transfer, never a complete
			// body: the last chunk was held back, and the connection is
			// dropped.
			panic(http.ErrAbortHandler)
		}
		return
	}
	if req.Method == http.MethodGet {
		// A piece cannot be checked on its own: the whole blob is hashed
		// once, then served in pieces.
		if err := r.verify(digest, sr); err != nil {
			r.refuse(w, err)
			return
		}
	}
	// ServeContent answers HEAD, Range and If-Range with the right
	// Content-Length and Content-Range.
	http.ServeContent(w, req, "", time.Time{}, sr)
}

// errClientGone marks a write to the client that failed: nothing to report.
var errClientGone = errors.New("client went away")

// stream copies a blob to w while hashing it, holding the last chunk back
// until the hash is known: a blob whose bytes do not match its digest is
// never sent whole, and is remembered as damaged.
func (r *Registry) stream(w io.Writer, sr *io.SectionReader, digest string) error {
	bufs := r.bufs.Get().(*[2][]byte)
	defer r.bufs.Put(bufs)
	for i := range bufs {
		if bufs[i] == nil {
			bufs[i] = make([]byte, chunk)
		}
	}
	cur, next := bufs[0], bufs[1]
	h := sha256.New()
	var held []byte
	var off int64
	for off < sr.Size() {
		n, err := sr.ReadAt(cur[:min(int64(len(cur)), sr.Size()-off)], off)
		off += int64(n)
		h.Write(cur[:n])
		if len(held) > 0 {
			if _, werr := w.Write(held); werr != nil {
				return errClientGone
			}
		}
		held = cur[:n]
		cur, next = next, cur
		if errors.Is(err, io.EOF) {
			break // a part shorter than its index says: the hash tells
		}
		if err != nil {
			return fmt.Errorf("blob %s cannot be read from the bundle: %w", shortDigest(digest), err)
		}
	}
	if "sha256:"+hex.EncodeToString(h.Sum(nil)) != digest {
		return r.markDamaged("image blob", digest, sr)
	}
	r.mu.Lock()
	r.verified[digest] = true
	r.mu.Unlock()
	if _, err := w.Write(held); err != nil {
		return errClientGone
	}
	return nil
}

// verify hashes a blob whole, once however many requests wait for it, and
// remembers the answer.
func (r *Registry) verify(digest string, sr *io.SectionReader) error {
	r.mu.Lock()
	ok := r.verified[digest]
	r.mu.Unlock()
	if ok {
		return nil
	}
	_, err, _ := r.hashing.Do(digest, func() (any, error) {
		return nil, r.stream(io.Discard, sr, digest)
	})
	return err
}
