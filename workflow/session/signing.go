package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"ferry/artifacts/bundle"
	"ferry/artifacts/progress"
	"ferry/artifacts/signature"
	"ferry/workflow/prepare"
)

// ErrKeyInBundle is a private key kept in the folder of the bundle it
// would sign: it would travel with the bundle.
var ErrKeyInBundle = errors.New("the private key is in the bundle's folder")

// KeyInBundleError names the key and the bundle's folder it is in.
type KeyInBundleError struct{ Key, Dir string }

func (e *KeyInBundleError) Error() string {
	return fmt.Sprintf("the private key %s is in the bundle's folder %s: move it elsewhere first, as it must never travel with the bundle", e.Key, e.Dir)
}

// Unwrap gives ErrKeyInBundle.
func (e *KeyInBundleError) Unwrap() error { return ErrKeyInBundle }

// OpenSigningKey reads the private key at path, opening it with password
// when it is encrypted (signature.ErrNeedPassword without one,
// signature.ErrWrongPassword with the wrong one), and refuses a key kept
// in bundleDir, the folder the bundle is (or goes) in.
func OpenSigningKey(path, password, bundleDir string) (ssh.Signer, error) {
	if bundleDir != "" && inside(path, bundleDir) {
		return nil, &KeyInBundleError{Key: path, Dir: bundleDir}
	}
	return signature.LoadSigner(path, password)
}

// inside says whether path is in dir (or a folder under it), following
// symbolic links.
func inside(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	if rp, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(rp, filepath.Base(p))
	}
	if rd, err := filepath.EvalSymlinks(d); err == nil {
		d = rd
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// ErrWrittenNotSigned marks a bundle written whole whose signing failed.
var ErrWrittenNotSigned = errors.New("the bundle was written but not signed")

// Signed is what SignPrepared did to a bundle just written.
type Signed struct {
	// Sidecar is the signature file written, and Fingerprint the key that
	// signed it ("" when there was no key).
	Sidecar, Fingerprint string
	// Dropped says an earlier signature, which the new index no longer
	// matched, was removed.
	Dropped bool
}

// SignPrepared finishes a prepare: with a signer it signs the bundle just
// written (SignBundle); without one it removes an earlier signature the
// rewritten index no longer matches (DropStaleSignature), so no bundle is
// left looking signed when it is not.
func (s *Session) SignPrepared(res *prepare.Result, signer ssh.Signer) (Signed, error) {
	b, err := s.Open(filepath.Join(res.Dir, bundle.IndexName(res.Index.Name)))
	if err != nil {
		return Signed{}, err
	}
	if signer == nil {
		dropped, err := s.DropStaleSignature(b)
		return Signed{Dropped: dropped}, err
	}
	out, err := s.SignBundle(b, signer)
	if err != nil {
		return Signed{}, fmt.Errorf("%w: %w", ErrWrittenNotSigned, err)
	}
	return Signed{Sidecar: out, Fingerprint: signature.Fingerprint(signer.PublicKey())}, nil
}

// Trust is what the far side knows of a bundle's signature before it is
// used.
type Trust struct {
	// Signed says a signature is beside the bundle's index.
	Signed bool
	// SignedBy is the fingerprint of the key the signature was checked
	// against ("" when it was not checked).
	SignedBy string
	// Beside says that key is a .pub on the same medium as the bundle, not
	// the site's own: it proves the bundle matches the key carried with
	// it, not who made it, as a forger can replace both.
	Beside bool
}

// Unchecked says the bundle is signed but nothing checked by whom: no key
// of the site's and none beside it.
func (t Trust) Unchecked() bool { return t.Signed && t.SignedBy == "" }

// TrustOf checks the bundle's signature as far as the keys at hand allow:
// against the TrustedKey when there is one (refusing a bundle unsigned or
// signed by another key), else against a .pub beside the bundle (refusing
// one a key there does not match), else it only says whether the bundle is
// signed.
func (s *Session) TrustOf(b *bundle.Bundle) (Trust, error) {
	_, err := os.Stat(SignaturePath(b))
	t := Trust{Signed: err == nil}
	if s.TrustedKey != nil {
		fp, err := s.CheckSignature(b, s.TrustedKey)
		t.SignedBy = fp
		return t, err
	}
	fp, err := s.SignatureBeside(b)
	t.SignedBy, t.Beside = fp, fp != ""
	return t, err
}

// CheckWithKey checks the bundle against the public key at path, the
// site's own copy named on the far side's screen: it refuses a bundle
// unsigned, signed by another key or changed since, and gives the
// signer's fingerprint.
func (s *Session) CheckWithKey(b *bundle.Bundle, path string) (string, error) {
	pub, err := signature.LoadPublic(path)
	if err != nil {
		return "", err
	}
	return s.CheckSignature(b, pub)
}

// SigningKey is OpenSigningKey for the wizard's engine: the key the
// engineer names on the screen, checked as it is typed.
func (s *Session) SigningKey(path, password, bundleDir string) (ssh.Signer, error) {
	return OpenSigningKey(path, password, bundleDir)
}

// KeyPasswordEnv is the environment variable holding the password of an
// encrypted signing key: a password is never taken on a command line, where
// it would show in the process list and the shell's history.
const KeyPasswordEnv = "FERRY_KEY_PASSWORD"

// GenerateKey makes a signing key pair named after prefix (a .key or .pub
// typed at its end is dropped): PREFIX.key, encrypted with password when
// there is one, and PREFIX.pub. It never overwrites a key.
func GenerateKey(prefix, password string) (*signature.Keys, error) {
	prefix = strings.TrimSuffix(strings.TrimSuffix(prefix, signature.PrivateSuffix), signature.PublicSuffix)
	return signature.Generate(prefix, password, "ferry:"+filepath.Base(prefix))
}

// Sign checks every part of b against its index, hashes included, and
// only then signs the index with signer (SignBundle): a damaged bundle is
// never signed. It says where the signature is.
func (s *Session) Sign(ctx context.Context, b *bundle.Bundle, signer ssh.Signer, sink progress.Sink) (string, error) {
	if err := b.CheckParts(ctx, true, sink); err != nil {
		return "", fmt.Errorf("%s is not signed: %w", b.Index.Name, err)
	}
	return s.SignBundle(b, signer)
}
