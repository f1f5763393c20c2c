package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"

	"golang.org/x/crypto/ssh"

	"ferry/artifacts/bundle"
	"ferry/artifacts/progress"
	"ferry/artifacts/signature"
)

// maxIndex bounds what is read as a bundle's index before its signature
// is checked: thousands of parts fit in well under a megabyte.
const maxIndex = 16 << 20

// Why a bundle's signature was refused.
var (
	// ErrUnsigned is a bundle with no signature beside its index.
	ErrUnsigned = errors.New("the bundle is not signed")
	// ErrSignedByOther is a bundle signed with another key than the
	// trusted one.
	ErrSignedByOther = errors.New("the bundle is signed by another key")
	// ErrSignatureMismatch is a bundle whose index, or signature, changed
	// after it was signed.
	ErrSignatureMismatch = errors.New("the bundle changed after it was signed")
)

// SignatureError says why a bundle's signature is not accepted, with the
// facts each face words: which bundle, which key signed it, which key was
// trusted.
type SignatureError struct {
	// Bundle is the bundle's name; Sidecar its signature file.
	Bundle, Sidecar string
	// Kind is ErrUnsigned, ErrSignedByOther or ErrSignatureMismatch.
	Kind error
	// Signer is the fingerprint of the key that signed it (ErrSignedByOther);
	// Trusted the fingerprint of the key it was checked against.
	Signer, Trusted string
	// Err is the underlying cause, when there is one.
	Err error
}

func (e *SignatureError) Error() string {
	switch e.Kind {
	case ErrUnsigned:
		return fmt.Sprintf("%s is not signed (no %s beside its index), and only bundles signed by %s are accepted: ask the engineer for a signed bundle (ferry sign)", e.Bundle, filepath.Base(e.Sidecar), e.Trusted)
	case ErrSignedByOther:
		return fmt.Sprintf("%s is signed by %s, not by the trusted key %s: do not use it, and ask the engineer which key signed it", e.Bundle, e.Signer, e.Trusted)
	default:
		return fmt.Sprintf("%s was changed after it was signed (the signature by %s no longer matches its index): do not use it, and ask the engineer for the bundle again", e.Bundle, e.Trusted)
	}
}

// Unwrap gives the kind of refusal.
func (e *SignatureError) Unwrap() error { return e.Kind }

// indexPath is the bundle's index file, which its signature covers.
func indexPath(b *bundle.Bundle) string { return filepath.Join(b.Dir, bundle.IndexName(b.Index.Name)) }

// SignaturePath is where a bundle's signature is, or goes.
func SignaturePath(b *bundle.Bundle) string { return signature.SidecarName(indexPath(b)) }

// SignBundle signs the bundle's index file, byte for byte, into the
// sidecar beside it, replacing an earlier signature, and returns the
// sidecar's path. Nothing of the key but its public half (inside the
// signature) is written.
func (s *Session) SignBundle(b *bundle.Bundle, signer ssh.Signer) (string, error) {
	data, err := readBounded(indexPath(b), maxIndex)
	if err != nil {
		return "", err
	}
	sig, err := signature.Sign(signer, signature.Namespace, data)
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", b.Index.Name, err)
	}
	out := SignaturePath(b)
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, sig, 0o644); err != nil {
		return "", fmt.Errorf("write the signature: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("write the signature: %w", err)
	}
	return out, nil
}

// CheckSignature checks that the bundle's index is signed by trusted and
// is the index b was opened with, and returns the signer's fingerprint.
// It reads only the index and its signature; the parts are vouched for
// through their sha256 in the index (CheckSigned checks them too).
func (s *Session) CheckSignature(b *bundle.Bundle, trusted ssh.PublicKey) (string, error) {
	fp := signature.Fingerprint(trusted)
	e := &SignatureError{Bundle: b.Index.Name, Sidecar: SignaturePath(b), Trusted: fp}
	data, err := readBounded(indexPath(b), maxIndex)
	if err != nil {
		return "", err
	}
	sig, err := readBounded(e.Sidecar, 64<<10)
	if errors.Is(err, os.ErrNotExist) {
		e.Kind = ErrUnsigned
		return "", e
	} else if err != nil {
		return "", err
	}
	if err := signature.Verify(trusted, signature.Namespace, data, sig); err != nil {
		e.Kind, e.Err = ErrSignatureMismatch, err
		if errors.Is(err, signature.ErrOtherKey) {
			e.Kind = ErrSignedByOther
			if p, perr := signature.Parse(sig); perr == nil {
				e.Signer = signature.Fingerprint(p.PublicKey)
			}
		}
		return "", e
	}
	// The index read now is the signed one; the bundle must have been
	// opened from those same bytes, not from a copy swapped in between.
	var signed bundle.Index
	if err := json.Unmarshal(data, &signed); err != nil || !reflect.DeepEqual(signed, b.Index) {
		e.Kind = ErrSignatureMismatch
		return "", e
	}
	return fp, nil
}

// CheckSigned checks the bundle's signature (CheckSignature) and then
// every part's size and sha256 against the signed index, reporting the
// parts checked to sink: after it, every byte of the parts is the one the
// key holder signed for.
func (s *Session) CheckSigned(ctx context.Context, b *bundle.Bundle, trusted ssh.PublicKey, sink progress.Sink) (string, error) {
	fp, err := s.CheckSignature(b, trusted)
	if err != nil {
		return "", err
	}
	if err := b.CheckParts(ctx, true, sink); err != nil {
		return "", err
	}
	return fp, nil
}

// OpenTrusted opens the bundle at path (Open) and, when the session has a
// TrustedKey, refuses it unless signed by that key (CheckSignature) and,
// with parts, unless every part matches the signed index (CheckSigned,
// reporting to sink). It returns the signer's fingerprint, "" without a
// TrustedKey.
func (s *Session) OpenTrusted(ctx context.Context, path string, parts bool, sink progress.Sink) (*bundle.Bundle, string, error) {
	b, err := s.Open(path)
	if err != nil || s.TrustedKey == nil {
		return b, "", err
	}
	var fp string
	if parts {
		fp, err = s.CheckSigned(ctx, b, s.TrustedKey, sink)
	} else {
		fp, err = s.CheckSignature(b, s.TrustedKey)
	}
	return b, fp, err
}

// SignedBy says who signed the bundle, for the far side's screens: with a
// TrustedKey, the bundle must be signed by it; without one, the keys
// beside the bundle are tried (SignatureBeside), and a bundle with none
// beside it gives "", nil.
func (s *Session) SignedBy(b *bundle.Bundle) (string, error) {
	if s.TrustedKey != nil {
		return s.CheckSignature(b, s.TrustedKey)
	}
	return s.SignatureBeside(b)
}

// BesideKeys lists the public keys (*.pub) in the bundle's folder, sorted.
func BesideKeys(b *bundle.Bundle) []string {
	found, _ := filepath.Glob(filepath.Join(b.Dir, "*"+signature.PublicSuffix))
	sort.Strings(found)
	return found
}

// SignatureBeside checks the bundle against the public keys in its folder,
// for the far side with no key of its own: none there gives "", nil;
// otherwise the first key the bundle is signed by, or the refusal for the
// first key. A key on the same medium proves only as much as the
// fingerprint the engineer reads out: the screen shows it for that.
func (s *Session) SignatureBeside(b *bundle.Bundle) (string, error) {
	var first error
	for _, p := range BesideKeys(b) {
		pub, err := signature.LoadPublic(p)
		if err != nil {
			continue
		}
		fp, err := s.CheckSignature(b, pub)
		if err == nil {
			return fp, nil
		}
		if first == nil {
			first = err
		}
	}
	return "", first
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than ferry reads (%d bytes)", path, limit)
	}
	return data, nil
}

// DropStaleSignature removes the signature beside the bundle's index when
// it no longer matches it (checked against the key inside it), as after a
// prepare that rewrote the index without signing again, and says whether
// it did.
func (s *Session) DropStaleSignature(b *bundle.Bundle) (bool, error) {
	sig, err := readBounded(SignaturePath(b), 64<<10)
	if err != nil {
		return false, nil
	}
	data, err := readBounded(indexPath(b), maxIndex)
	if err != nil {
		return false, err
	}
	if p, err := signature.Parse(sig); err == nil && signature.Verify(p.PublicKey, signature.Namespace, data, sig) == nil {
		return false, nil
	}
	return true, os.Remove(SignaturePath(b))
}
