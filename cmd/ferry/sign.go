package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/ssh"

	"ferry/artifacts/bundle"
	"ferry/artifacts/signature"
	"ferry/tui/secret"
	"ferry/tui/summary"
	"ferry/workflow/session"
)

// keyPasswordEnv holds the password of an encrypted signing key.
const keyPasswordEnv = session.KeyPasswordEnv

func newKeygenCmd(a *app) *cobra.Command {
	return command("keygen", func(cmd *cobra.Command, args []string) error {
		pass, encryptedWith, err := secret.ForNewKey(a.stdin, a.stderr, a.getenv(keyPasswordEnv), keyPasswordEnv)
		if err != nil {
			return err
		}
		k, err := session.GenerateKey(args[0], pass)
		if err != nil {
			return err
		}
		summary.KeyWritten(a.out(), a.theme(), k, encryptedWith, keyPasswordEnv)
		return nil
	})
}

func newSignCmd(a *app) *cobra.Command {
	var key string
	var progress progressFlag
	c := command("sign", func(cmd *cobra.Command, args []string) error {
		if key == "" {
			return usageError{fmt.Errorf("say which private key signs with --key KEY (ferry keygen makes one)")}
		}
		sess, b, err := a.openBundle(args[0])
		if err != nil {
			return err
		}
		signer, err := a.loadSigner(key, b.Dir)
		if err != nil {
			return err
		}
		r := progress.renderer(a)
		out, err := sess.Sign(cmd.Context(), b, signer, r.Sink())
		r.Finish()
		if err != nil {
			return err
		}
		summary.Signed(a.out(), a.theme(), out, signature.Fingerprint(signer.PublicKey()))
		return nil
	})
	c.Flags().StringVar(&key, "key", "", "private key to sign with (PREFIX.key from ferry keygen, or an OpenSSH ed25519 key)")
	progress.register(c)
	return c
}

// loadSigner opens a private key with FERRY_KEY_PASSWORD, or with a
// password asked on the terminal when that is unset, refusing one kept in
// the bundle's folder: a private key must not travel with what it signs.
func (a *app) loadSigner(path, bundleDir string) (ssh.Signer, error) {
	s, err := secret.OpenKey(a.stdin, a.stderr, path, a.getenv(keyPasswordEnv),
		func(pw string) (ssh.Signer, error) { return session.OpenSigningKey(path, pw, bundleDir) })
	if errors.Is(err, session.ErrKeyInBundle) {
		return nil, usageError{err}
	}
	return s, err
}

// trustFlag is --key PUB on the commands that read a bundle: only a bundle
// signed by that key is accepted.
type trustFlag struct {
	path string
	pub  ssh.PublicKey
}

func (t *trustFlag) register(c *cobra.Command) {
	c.Flags().StringVar(&t.path, "key", "", "accept only a bundle signed by this public key (PREFIX.pub from ferry keygen); anything unsigned, signed by another key or changed since is refused")
}

// load reads the public key, when --key was given.
func (t *trustFlag) load() error {
	if t.path == "" {
		return nil
	}
	k, err := signature.LoadPublic(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return err // like any file that is not there
	} else if err != nil {
		return usageError{fmt.Errorf("--key %w", err)}
	}
	t.pub = k
	return nil
}

// session is a far-side session (no source options) trusting only the
// key --key names, when given.
func (t *trustFlag) session(a *app) (*session.Session, error) {
	if err := t.load(); err != nil {
		return nil, err
	}
	sess, err := a.session(session.Options{}, nil)
	if err != nil {
		return nil, err
	}
	sess.TrustedKey = t.pub
	return sess, nil
}

// open opens the bundle at path in a far-side session and, under --key,
// refuses it unless signed by that key and, with parts, unless its parts
// match the signed index; it prints who signed it.
func (t *trustFlag) open(a *app, cmd *cobra.Command, path string, p progressFlag, parts bool) (*session.Session, *bundle.Bundle, error) {
	sess, err := t.session(a)
	if err != nil {
		return nil, nil, err
	}
	r := p.renderer(a)
	b, fp, err := sess.OpenTrusted(cmd.Context(), path, parts, r.Sink())
	r.Finish()
	if err != nil {
		return nil, nil, err
	}
	if fp != "" {
		summary.SignatureOK(a.out(), a.theme(), b.Index.Name, fp)
	}
	return sess, b, nil
}
