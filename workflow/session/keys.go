package session

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"ferry/artifacts/bundle"
	"ferry/artifacts/progress"
	"ferry/artifacts/signature"
)

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
