package accessible

import (
	"bufio"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"ferry/artifacts/signature"
	"ferry/tui/secret"
	"ferry/workflow/prepare"
	"ferry/workflow/session"
)

// signer opens keys as the session does and records what it signs with.
type signer struct {
	signedWith ssh.Signer
	signed     bool
	err        error
}

func (s *signer) SigningKey(path, password, bundleDir string) (ssh.Signer, error) {
	return session.OpenSigningKey(path, password, bundleDir)
}

func (s *signer) SignPrepared(res *prepare.Result, k ssh.Signer) (session.Signed, error) {
	s.signed, s.signedWith = true, k
	if s.err != nil {
		return session.Signed{}, s.err
	}
	if k == nil {
		return session.Signed{}, nil
	}
	return session.Signed{Sidecar: filepath.Join(res.Dir, "b.sig"), Fingerprint: signature.Fingerprint(k.PublicKey())}, nil
}

// askKey runs the signing question on input, the bundle going to dest.
func askKey(t *testing.T, eng any, o Options, dest, input string) (ssh.Signer, string, error) {
	t.Helper()
	var out strings.Builder
	p := &prompter{in: bufio.NewReader(strings.NewReader(input)), out: &out}
	var k ssh.Signer
	q := signQuestion(p, eng, o, &dest, &k)
	if q.skip() {
		return nil, "skipped", nil
	}
	err := q.run()
	return k, out.String(), err
}

func TestSignPrompt(t *testing.T) {
	dir := t.TempDir()
	plain, err := signature.Generate(filepath.Join(dir, "plain"), "", "")
	require.NoError(t, err)
	enc, err := signature.Generate(filepath.Join(dir, "enc"), "correct horse", "")
	require.NoError(t, err)
	dest := filepath.Join(t.TempDir(), "bundle")
	eng := &signer{}

	// Empty is unsigned.
	k, out, err := askKey(t, eng, Options{}, dest, "\n")
	require.NoError(t, err)
	assert.Nil(t, k)
	assert.Contains(t, out, "Question 6: sign the bundle")
	assert.Contains(t, out, "Signing key [none]:")
	assert.Contains(t, out, "The bundle will not be signed.")

	// A plain key opens as it is; one that does not exist is asked again.
	k, out, err = askKey(t, eng, Options{}, dest, filepath.Join(dir, "nope.key")+"\n"+plain.Private+"\n")
	require.NoError(t, err)
	require.NotNil(t, k)
	assert.Equal(t, plain.Fingerprint, signature.Fingerprint(k.PublicKey()))
	assert.Contains(t, out, "That key cannot be used: ")
	assert.Contains(t, out, "nope.key does not exist")
	assert.Contains(t, out, "The bundle will be signed as "+plain.Fingerprint+".")

	// The key given with --sign-key is the default answer; none declines it.
	k, out, err = askKey(t, eng, Options{SignKey: plain.Private}, dest, "\n")
	require.NoError(t, err)
	assert.NotNil(t, k)
	assert.Contains(t, out, "Signing key ["+plain.Private+"]:")
	k, _, err = askKey(t, eng, Options{SignKey: plain.Private}, dest, "none\n")
	require.NoError(t, err)
	assert.Nil(t, k)

	// A key inside the bundle's folder is refused.
	_, out, err = askKey(t, eng, Options{}, dir, plain.Private+"\nnone\n")
	require.NoError(t, err)
	assert.Contains(t, out, "must never travel with the bundle")

	// An encrypted key, with no terminal to ask on: the sentence about
	// FERRY_KEY_PASSWORD, and the question again.
	k, out, err = askKey(t, eng, Options{}, dest, enc.Private+"\nnone\n")
	require.NoError(t, err)
	assert.Nil(t, k)
	assert.Contains(t, out, "The key "+enc.Private+" is encrypted, and its password is asked only on a terminal: set FERRY_KEY_PASSWORD to it and run ferry again, or answer none.")

	// The password from the environment, right and wrong.
	k, _, err = askKey(t, eng, Options{KeyPassword: "correct horse"}, dest, enc.Private+"\n")
	require.NoError(t, err)
	assert.Equal(t, enc.Fingerprint, signature.Fingerprint(k.PublicKey()))
	_, out, err = askKey(t, eng, Options{KeyPassword: "nope"}, dest, enc.Private+"\nnone\n")
	require.NoError(t, err)
	assert.Contains(t, out, "FERRY_KEY_PASSWORD does not open the key "+enc.Private)

	// Asked without echo: a wrong password is asked again.
	var said strings.Builder
	o := Options{Secret: secret.FromReader(strings.NewReader("wrong\ncorrect horse\n"), &said)}
	k, out, err = askKey(t, eng, o, dest, enc.Private+"\n")
	require.NoError(t, err)
	require.NotNil(t, k)
	assert.Equal(t, enc.Fingerprint, signature.Fingerprint(k.PublicKey()))
	assert.Contains(t, said.String(), "Password of "+enc.Private+" (not shown as you type): ")
	assert.Contains(t, said.String(), "That password does not open it; try again.")
	assert.NotContains(t, out+said.String(), "correct horse", "the password is never shown")

	// back returns to the question before; an engine that cannot sign
	// skips the question.
	_, _, err = askKey(t, eng, Options{}, dest, "back\n")
	assert.ErrorIs(t, err, errBack)
	_, out, _ = askKey(t, struct{}{}, Options{}, dest, "")
	assert.Equal(t, "skipped", out)
}

func TestSignAtTheEnd(t *testing.T) {
	dir := t.TempDir()
	plain, err := signature.Generate(filepath.Join(dir, "plain"), "", "")
	require.NoError(t, err)
	k, err := signature.LoadSigner(plain.Private, "")
	require.NoError(t, err)
	res := &prepare.Result{Dir: "/srv/b"}
	var out strings.Builder
	p := &prompter{out: &out}

	eng := &signer{}
	require.NoError(t, sign(p, eng, res, k))
	assert.Equal(t, k, eng.signedWith)
	assert.Equal(t, "Signed by "+plain.Fingerprint+", in /srv/b/b.sig. Give the site the key's .pub yourself, never on the stick.\n", out.String())

	out.Reset()
	eng = &signer{}
	require.NoError(t, sign(p, eng, res, nil))
	assert.True(t, eng.signed, "asked even unsigned, so a stale signature goes")
	assert.Equal(t, "Not signed.\n", out.String())

	eng = &signer{err: errors.Join(session.ErrWrittenNotSigned, errors.New("disk full"))}
	err = sign(p, eng, res, k)
	assert.ErrorIs(t, err, session.ErrWrittenNotSigned)
	assert.ErrorContains(t, err, "sign it with ferry sign")
	assert.NoError(t, sign(p, struct{}{}, res, k), "an engine that cannot sign")
}
