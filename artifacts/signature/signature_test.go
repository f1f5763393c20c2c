package signature

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestGenerateWritesBothFilesOnce(t *testing.T) {
	for _, tc := range []struct{ name, password string }{{"plain", ""}, {"encrypted", "correct horse"}} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "site")
			k, err := Generate(prefix, tc.password, "site")
			require.NoError(t, err)
			st, err := os.Stat(k.Private)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
			priv, err := os.ReadFile(k.Private)
			require.NoError(t, err)
			assert.Contains(t, string(priv), "-----BEGIN OPENSSH PRIVATE KEY-----")

			pub, err := LoadPublic(k.Public)
			require.NoError(t, err)
			assert.Equal(t, k.Fingerprint, Fingerprint(pub))
			assert.True(t, strings.HasPrefix(k.Fingerprint, "SHA256:"))

			if tc.password != "" {
				_, err = LoadSigner(k.Private, "")
				assert.ErrorIs(t, err, ErrNeedPassword)
				_, err = LoadSigner(k.Private, "wrong")
				assert.ErrorIs(t, err, ErrWrongPassword)
				assert.NotContains(t, err.Error(), "wrong", "the password is never repeated")
			}
			s, err := LoadSigner(k.Private, tc.password)
			require.NoError(t, err)
			assert.Equal(t, pub.Marshal(), s.PublicKey().Marshal())

			_, err = Generate(prefix, tc.password, "site")
			assert.ErrorIs(t, err, ErrExists)
			again, _ := os.ReadFile(k.Private)
			assert.Equal(t, priv, again, "the first key is left as it was")
		})
	}
}

func TestGenerateRefusesWhenOnlyThePublicHalfExists(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "site")
	require.NoError(t, os.WriteFile(prefix+PublicSuffix, []byte("keep me\n"), 0o644))
	_, err := Generate(prefix, "", "")
	require.ErrorIs(t, err, ErrExists)
	_, err = os.Stat(prefix + PrivateSuffix)
	assert.True(t, os.IsNotExist(err), "no private key without its public half")
}

func newSigner(t *testing.T) (ssh.Signer, ssh.PublicKey) {
	t.Helper()
	k, err := Generate(filepath.Join(t.TempDir(), "k"), "", "")
	require.NoError(t, err)
	s, err := LoadSigner(k.Private, "")
	require.NoError(t, err)
	return s, s.PublicKey()
}

func TestSignAndVerify(t *testing.T) {
	s, pub := newSigner(t)
	_, other := newSigner(t)
	msg := []byte(`{"name":"b","parts":[]}` + "\n")
	sig, err := Sign(s, Namespace, msg)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(sig), "-----BEGIN SSH SIGNATURE-----\n"))
	for _, l := range strings.Split(strings.TrimSpace(string(sig)), "\n") {
		assert.LessOrEqual(t, len(l), 70)
	}

	require.NoError(t, Verify(pub, Namespace, msg, sig))
	assert.ErrorIs(t, Verify(other, Namespace, msg, sig), ErrOtherKey)
	assert.ErrorIs(t, Verify(pub, Namespace, append([]byte("x"), msg...), sig), ErrMismatch)
	assert.ErrorIs(t, Verify(pub, "file", msg, sig), ErrMismatch)
	assert.ErrorIs(t, Verify(pub, Namespace, msg, []byte("hello")), ErrMalformed)

	p, err := Parse(sig)
	require.NoError(t, err)
	assert.Equal(t, Namespace, p.Namespace)
	assert.Equal(t, "sha512", p.HashAlgorithm)
}

func TestPublicKeyFormats(t *testing.T) {
	_, pub := newSigner(t)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	for _, text := range []string{line, line + " comment", "ferry " + line, `ferry namespaces="ferry-bundle" ` + line} {
		k, err := ParsePublic([]byte(text + "\n"))
		require.NoError(t, err, text)
		assert.Equal(t, pub.Marshal(), k.Marshal())
	}
	_, err := ParsePublic([]byte("not a key"))
	assert.Error(t, err)

	priv := filepath.Join(t.TempDir(), "x.key")
	require.NoError(t, os.WriteFile(priv, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), 0o600))
	_, err = LoadPublic(priv)
	assert.ErrorContains(t, err, "is a private key")
}

// TestOpenSSHReadsAndWritesTheSameSignatures checks both ways against the
// machine's ssh-keygen: what ferry signs ssh-keygen verifies, and what
// ssh-keygen signs with ferry's key ferry verifies.
func TestOpenSSHReadsAndWritesTheSameSignatures(t *testing.T) {
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen is not installed: the OpenSSH check needs it")
	}
	dir := t.TempDir()
	k, err := Generate(filepath.Join(dir, "site"), "pw", "site")
	require.NoError(t, err)
	s, err := LoadSigner(k.Private, "pw")
	require.NoError(t, err)
	msg := []byte("the index\n")
	msgFile := filepath.Join(dir, "msg")
	require.NoError(t, os.WriteFile(msgFile, msg, 0o644))
	sig, err := Sign(s, Namespace, msg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(msgFile+".sig", sig, 0o644))
	pubLine, err := os.ReadFile(k.Public)
	require.NoError(t, err)
	allowed := filepath.Join(dir, "allowed_signers")
	require.NoError(t, os.WriteFile(allowed, append([]byte("ferry "), pubLine...), 0o644))

	verify := func(sigFile string) (string, error) {
		cmd := exec.Command(keygen, "-Y", "verify", "-f", allowed, "-I", "ferry", "-n", Namespace, "-s", sigFile)
		in, _ := os.Open(msgFile)
		defer in.Close()
		cmd.Stdin = in
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := verify(msgFile + ".sig")
	require.NoError(t, err, out)
	assert.Contains(t, out, "Good \"ferry-bundle\" signature for ferry")

	// ssh-keygen signing with ferry's key, ferry checking.
	plain, err := Generate(filepath.Join(dir, "plain"), "", "")
	require.NoError(t, err)
	require.NoError(t, os.Remove(msgFile+".sig"))
	cmd := exec.Command(keygen, "-Y", "sign", "-f", plain.Private, "-n", Namespace, msgFile)
	out2, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out2))
	theirs, err := os.ReadFile(msgFile + ".sig")
	require.NoError(t, err)
	pub, err := LoadPublic(plain.Public)
	require.NoError(t, err)
	require.NoError(t, Verify(pub, Namespace, msg, theirs))
}

func FuzzParse(f *testing.F) {
	s, _ := func() (ssh.Signer, error) {
		_, priv, _ := ed25519Key()
		return ssh.NewSignerFromKey(priv)
	}()
	good, _ := Sign(s, Namespace, []byte("x"))
	f.Add(good)
	f.Add([]byte("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			assert.ErrorIs(t, err, ErrMalformed)
			return
		}
		// Whatever parses can be checked without panicking.
		_ = Verify(p.PublicKey, p.Namespace, []byte("x"), data)
	})
}

func ed25519Key() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand.Reader)
}
