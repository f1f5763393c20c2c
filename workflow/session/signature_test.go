package session

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/bundle/bundletest"
	"ferry/artifacts/signature"
)

func TestSignatureOfABundle(t *testing.T) {
	s := newSession(t)
	dir := t.TempDir()
	f := bundletest.Write(t, dir, bundletest.Spec{PartSize: 2048, Entries: []bundletest.Entry{bundletest.File("files/a.txt", make([]byte, 5000))}})
	keys, err := signature.Generate(filepath.Join(t.TempDir(), "k"), "", "")
	require.NoError(t, err)
	signer, err := signature.LoadSigner(keys.Private, "")
	require.NoError(t, err)
	pub, err := signature.LoadPublic(keys.Public)
	require.NoError(t, err)

	b, err := s.Open(dir)
	require.NoError(t, err)
	_, err = s.CheckSignature(b, pub)
	assert.ErrorIs(t, err, ErrUnsigned)

	_, err = s.SignBundle(b, signer)
	require.NoError(t, err)
	fp, err := s.CheckSigned(t.Context(), b, pub, nil)
	require.NoError(t, err)
	assert.Equal(t, keys.Fingerprint, fp)

	// Opened trusting no key, nothing is checked; trusting the signer's,
	// the signature is.
	_, fp, err = s.OpenTrusted(t.Context(), dir, true, nil)
	require.NoError(t, err)
	assert.Empty(t, fp)
	s.TrustedKey = pub
	_, fp, err = s.OpenTrusted(t.Context(), dir, true, nil)
	require.NoError(t, err)
	assert.Equal(t, keys.Fingerprint, fp)

	// A part damaged without its index: the signature holds, the parts
	// check does not.
	bundletest.FlipStreamByte(t, dir, f.Index, 100)
	_, err = s.CheckSignature(b, pub)
	require.NoError(t, err)
	_, err = s.CheckSigned(t.Context(), b, pub, nil)
	assert.ErrorIs(t, err, bundle.ErrDamagedPart)
	_, _, err = s.OpenTrusted(t.Context(), dir, false, nil)
	assert.NoError(t, err, "the index alone is checked")
	_, _, err = s.OpenTrusted(t.Context(), dir, true, nil)
	assert.ErrorIs(t, err, bundle.ErrDamagedPart)
	s.TrustedKey = nil

	// An index opened from other bytes than those signed.
	b.Index.Size++
	_, err = s.CheckSignature(b, pub)
	assert.ErrorIs(t, err, ErrSignatureMismatch)
	b.Index.Size--

	// A rewritten index: not dropped while it matches, dropped after.
	dropped, err := s.DropStaleSignature(b)
	require.NoError(t, err)
	assert.False(t, dropped)
	idx := filepath.Join(dir, bundle.IndexName(b.Index.Name))
	data, err := os.ReadFile(idx)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(idx, append(data, ' '), 0o644))
	_, err = s.CheckSignature(b, pub)
	assert.ErrorIs(t, err, ErrSignatureMismatch)
	dropped, err = s.DropStaleSignature(b)
	require.NoError(t, err)
	assert.True(t, dropped)
	_, err = os.Stat(SignaturePath(b))
	assert.True(t, os.IsNotExist(err))
}
