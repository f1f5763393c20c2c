package session

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle/bundletest"
	"ferry/artifacts/signature"
	"ferry/workflow/prepare"
)

func TestSigningKeyAndTrust(t *testing.T) {
	s := newSession(t)
	dir := t.TempDir()
	f := bundletest.Write(t, dir, bundletest.Spec{Entries: []bundletest.Entry{bundletest.File("files/a.txt", []byte("a"))}})
	keys, err := signature.Generate(filepath.Join(t.TempDir(), "k"), "pw", "")
	require.NoError(t, err)

	_, err = OpenSigningKey(keys.Private, "", dir)
	assert.ErrorIs(t, err, signature.ErrNeedPassword)
	_, err = OpenSigningKey(keys.Private, "nope", dir)
	assert.ErrorIs(t, err, signature.ErrWrongPassword)
	inBundle := filepath.Join(dir, "k.key")
	data, _ := os.ReadFile(keys.Private)
	require.NoError(t, os.WriteFile(inBundle, data, 0o600))
	_, err = OpenSigningKey(inBundle, "pw", dir)
	assert.ErrorIs(t, err, ErrKeyInBundle)
	require.NoError(t, os.Remove(inBundle))
	signer, err := OpenSigningKey(keys.Private, "pw", dir)
	require.NoError(t, err)

	b, err := s.Open(dir)
	require.NoError(t, err)
	tr, err := s.TrustOf(b)
	require.NoError(t, err)
	assert.Equal(t, Trust{}, tr, "not signed")

	res := &prepare.Result{Dir: dir, Index: f.Index}
	signed, err := s.SignPrepared(res, signer)
	require.NoError(t, err)
	assert.Equal(t, keys.Fingerprint, signed.Fingerprint)
	tr, err = s.TrustOf(b)
	require.NoError(t, err)
	assert.True(t, tr.Unchecked(), "signed, and no key at hand")

	fp, err := s.CheckWithKey(b, keys.Public)
	require.NoError(t, err)
	assert.Equal(t, keys.Fingerprint, fp)
	other, err := signature.Generate(filepath.Join(t.TempDir(), "o"), "", "")
	require.NoError(t, err)
	_, err = s.CheckWithKey(b, other.Public)
	assert.ErrorIs(t, err, ErrSignedByOther)
	_, err = s.CheckWithKey(b, other.Private)
	assert.ErrorContains(t, err, "is a private key")

	// A .pub beside the bundle checks it, and says it was beside.
	pub, _ := os.ReadFile(keys.Public)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "site.pub"), pub, 0o644))
	tr, err = s.TrustOf(b)
	require.NoError(t, err)
	assert.Equal(t, Trust{Signed: true, SignedBy: keys.Fingerprint, Beside: true}, tr)

	// The site's own key wins over the one beside.
	s.TrustedKey, err = signature.LoadPublic(other.Public)
	require.NoError(t, err)
	_, err = s.TrustOf(b)
	assert.ErrorIs(t, err, ErrSignedByOther)
	s.TrustedKey = nil

	// Unsigned again: a prepare without a key drops a signature its index
	// no longer matches.
	require.NoError(t, os.WriteFile(SignaturePath(b), []byte("-----BEGIN SSH SIGNATURE-----\nx\n-----END SSH SIGNATURE-----\n"), 0o644))
	signed, err = s.SignPrepared(res, nil)
	require.NoError(t, err)
	assert.True(t, signed.Dropped)
	_, err = os.Stat(SignaturePath(b))
	assert.True(t, os.IsNotExist(err))
}
