package session

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/progress"
	"ferry/artifacts/signature"
	"ferry/workflow/prepare"
)

// KeyPasswordEnv is the environment variable holding the password of an
// encrypted signing key: a password is never taken on a command line, where
// it would show in the process list and the shell's history.
const KeyPasswordEnv = "FERRY_KEY_PASSWORD"

// ErrKeyWithBundle is a private key kept in the folder of the bundle it
// would sign: it must never travel with the bundle.
var ErrKeyWithBundle = errors.New("the private key is in the bundle's folder")

// LoadSigner opens the private key at path with password, refusing one
// kept in bundleDir (or a folder under it). A missing key file is
// os.ErrNotExist; a wrong password signature.ErrWrongPassword.
func LoadSigner(path, bundleDir, password string) (ssh.Signer, error) {
	if inside(path, bundleDir) {
		return nil, fault.New(ErrKeyWithBundle, "the private key %s is in the bundle's folder %s: move it elsewhere first, as it must never travel with the bundle", path, bundleDir)
	}
	return signature.LoadSigner(path, password)
}

// GenerateKey makes a signing key pair named after prefix (a .key or .pub
// typed at its end is dropped): PREFIX.key, encrypted with password when
// there is one, and PREFIX.pub. It never overwrites a key.
func GenerateKey(prefix, password string) (*signature.Keys, error) {
	prefix = strings.TrimSuffix(strings.TrimSuffix(prefix, signature.PrivateSuffix), signature.PublicSuffix)
	return signature.Generate(prefix, password, "ferry:"+filepath.Base(prefix))
}

// inside says whether path is in dir (or a folder under it), through
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

// SignPrepared signs the bundle prepare just wrote with signer and says
// where the signature is. With no signer it removes a signature left from
// an earlier run that no longer matches the index, and says so (dropped).
func (s *Session) SignPrepared(res *prepare.Result, signer ssh.Signer) (sig string, dropped bool, err error) {
	b, err := s.Open(filepath.Join(res.Dir, bundle.IndexName(res.Index.Name)))
	if err != nil {
		return "", false, err
	}
	if signer == nil {
		dropped, _ = s.DropStaleSignature(b)
		return "", dropped, nil
	}
	if sig, err = s.SignBundle(b, signer); err != nil {
		return "", false, fmt.Errorf("%w: %w", ErrWrittenNotSigned, err)
	}
	return sig, false, nil
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
