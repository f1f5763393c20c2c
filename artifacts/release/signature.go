package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"ferry/artifacts/source"
)

// ErrNoSignature marks a release digest the signature store has no
// signature for.
var ErrNoSignature = errors.New("no signature in the store")

// SignaturesDir is the folder of a bundle's files that holds release
// signatures, laid out as the store lays them out:
// SignaturesDir/sha256=HEX/signature-1.
const SignaturesDir = "openshift-release-signatures"

// maxSignature bounds a signature read from a store: a real one is an
// armored or binary OpenPGP message of a few hundred bytes.
const maxSignature = 1 << 20

// Signature is the first signature a store holds for one release image.
type Signature struct {
	// Release is the release image as the catalog names it, Digest the
	// digest its tag resolved to, which is what the signature signs.
	Release, Digest string
	// URL is where the store serves the signature; Name is its path
	// among the bundle's files (under SignaturesDir).
	URL, Name string
	// SHA256 and Size are those of the signature as read.
	SHA256 string
	Size   int64
}

// SignatureReader fetches release signatures: the release image's digest
// through Access, the signature from a store over Client.
type SignatureReader struct {
	Access *source.Access
	// Client fetches from the store; nil means http.DefaultClient.
	Client *http.Client
	// Store, when set, replaces every catalog's store (a site's own copy
	// of the store, or a test's).
	Store string
}

// SignatureURL is where a store following OpenShift's layout serves the
// first signature of digest (sha256:HEX).
func SignatureURL(store, digest string) string {
	return strings.TrimRight(store, "/") + "/sha256=" + strings.TrimPrefix(digest, "sha256:") + "/signature-1"
}

// SignatureName is the signature's path among a bundle's files.
func SignatureName(digest string) string {
	return SignaturesDir + "/sha256=" + strings.TrimPrefix(digest, "sha256:") + "/signature-1"
}

// Signature resolves ref to its digest and fetches that digest's first
// signature from store (or from r.Store when set). Errors are sentences.
func (r *SignatureReader) Signature(ctx context.Context, store, ref string) (*Signature, error) {
	if r.Store != "" {
		store = r.Store
	}
	fetch, err := r.Access.Reference(ref)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Head(fetch, r.Access.RemoteOptions(remote.WithContext(ctx))...)
	if err != nil {
		return nil, source.Explain(ref, fetch.Context().RegistryStr(), err)
	}
	digest := desc.Digest.String()
	u := SignatureURL(store, digest)
	c := r.Client
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("the signature store %s is not a URL ferry can fetch from: %w", store, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the signature store for %s: %w", ref, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%w: %s (%s) has no signature at %s: a release that is not signed cannot be verified by the cluster; plan with a signature store that holds it", ErrNoSignature, ref, digest, u)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("the signature store answered %s for %s", resp.Status, u)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSignature+1))
	if err != nil {
		return nil, fmt.Errorf("reading the signature of %s from %s: %w", ref, u, err)
	}
	if len(data) == 0 || len(data) > maxSignature {
		return nil, fmt.Errorf("%s is not a release signature (%d bytes)", u, len(data))
	}
	sum := sha256.Sum256(data)
	return &Signature{Release: ref, Digest: digest, URL: u, Name: SignatureName(digest), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}, nil
}
