package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/registrytest"
	"ferry/tui/farside"
	"ferry/workflow/session"
)

// ferryEnv is ferry with extra environment, such as FERRY_KEY_PASSWORD.
func ferryEnv(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env = append([]string{"NO_COLOR=1", "HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir()}, env...)
	code := run(context.Background(), args, &out, &errOut, env)
	return code, out.String(), errOut.String()
}

// signedSetup is a bundle of one image on an in-process registry, prepared
// and signed with --sign-key, and the keys that signed it.
type signedSetup struct {
	bundle, key, pub, password string
	fingerprint                string
	upstream                   *registrytest.Registry
}

func newSignedBundle(t *testing.T) signedSetup {
	t.Helper()
	keys := t.TempDir()
	s := signedSetup{key: filepath.Join(keys, "site.key"), pub: filepath.Join(keys, "site.pub"), password: "correct horse battery"}
	env := []string{keyPasswordEnv + "=" + s.password}
	code, out, stderr := ferryEnv(t, env, "keygen", filepath.Join(keys, "site"))
	require.Equal(t, 0, code, stderr)
	s.fingerprint = regexp.MustCompile(`SHA256:\S+`).FindString(out)
	require.NotEmpty(t, s.fingerprint, out)

	s.upstream = registrytest.StartInProcess(t)
	s.upstream.Push(t, registrytest.ImageSpec{Repo: "apache/demo-console", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 300_000}}})
	s.bundle = t.TempDir()
	code, out, stderr = ferryEnv(t, env, "prepare", "--images", writeFile(t, "i.txt", s.upstream.Host+"/apache/demo-console:1.0\n"), "--arch", "amd64",
		"--insecure-source", s.upstream.Host, "--cache", t.TempDir(), "--output", s.bundle, "--split", "128K", "--progress", "none", "--no-binary",
		"--sign-key", s.key)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "signed:  ")
	assert.Contains(t, out, s.fingerprint)
	return s
}

func (s signedSetup) sigFile(t *testing.T) string {
	t.Helper()
	b, err := bundle.Open(s.bundle)
	require.NoError(t, err)
	return filepath.Join(s.bundle, bundle.IndexName(b.Index.Name)) + ".sig"
}

func TestKeygenModesAndRefusal(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := ferry(t, "keygen", filepath.Join(dir, "plain"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "not encrypted")
	st, err := os.Stat(filepath.Join(dir, "plain.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	pub, err := os.ReadFile(filepath.Join(dir, "plain.pub"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(pub), "ssh-ed25519 "), string(pub))

	code, out, stderr = ferryEnv(t, []string{keyPasswordEnv + "=pw"}, "keygen", filepath.Join(dir, "locked"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "encrypted with "+keyPasswordEnv)
	priv, err := os.ReadFile(filepath.Join(dir, "locked.key"))
	require.NoError(t, err)
	assert.NotContains(t, out+stderr, "pw\n")

	code, _, stderr = ferry(t, "keygen", filepath.Join(dir, "locked"))
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "already exists")
	again, _ := os.ReadFile(filepath.Join(dir, "locked.key"))
	assert.Equal(t, priv, again)

	// An encrypted key needs its password to sign, and the right one.
	b := t.TempDir()
	code, _, stderr = ferry(t, "sign", b, "--key", filepath.Join(dir, "locked.key"))
	assert.NotEqual(t, 0, code, stderr)
}

func TestSignVerifyWithTheRightKeyAnotherKeyAndNone(t *testing.T) {
	s := newSignedBundle(t)

	code, out, stderr := ferry(t, "verify", "--key", s.pub, s.bundle, "--progress", "none")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "signed by "+s.fingerprint)

	// Another key.
	other := filepath.Join(t.TempDir(), "other")
	code, _, stderr = ferry(t, "keygen", other)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = ferry(t, "verify", "--key", other+".pub", s.bundle, "--progress", "none")
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "is signed by "+s.fingerprint+", not by the trusted key")

	// A private key given where the public one belongs.
	code, _, stderr = ferry(t, "verify", "--key", s.key, s.bundle)
	assert.Equal(t, 2, code)
	oneSentence(t, stderr, "is a private key")

	// Re-signed with the other key by ferry sign, after its quick check.
	code, out, stderr = ferry(t, "sign", s.bundle, "--key", other+".key", "--progress", "none")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "Signed:")
	code, _, _ = ferry(t, "verify", "--key", other+".pub", "--quick", s.bundle, "--progress", "none")
	assert.Equal(t, 0, code)

	// No signature at all.
	require.NoError(t, os.Remove(s.sigFile(t)))
	code, _, stderr = ferry(t, "verify", "--key", s.pub, s.bundle, "--progress", "none")
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "is not signed")
	code, _, _ = ferry(t, "verify", s.bundle, "--progress", "none")
	assert.Equal(t, 0, code, "without --key an unsigned bundle is checked as before")
}

func TestSignRefusesAKeyInsideTheBundle(t *testing.T) {
	s := newSignedBundle(t)
	inside := filepath.Join(s.bundle, "site.key")
	data, err := os.ReadFile(s.key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(inside, data, 0o600))
	code, _, stderr := ferryEnv(t, []string{keyPasswordEnv + "=" + s.password}, "sign", s.bundle, "--key", inside)
	assert.Equal(t, 2, code)
	oneSentence(t, stderr, "must never travel with the bundle")

	code, _, stderr = ferryEnv(t, []string{keyPasswordEnv + "=wrong"}, "sign", s.bundle, "--key", s.key)
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "check FERRY_KEY_PASSWORD")
	assert.NotContains(t, stderr, "wrong")
}

// TestSignedBundleForgeryIsRefusedByVerifyImportAndServe rewrites a part
// and its sha256 in the index together: every part matches the index, and
// only the signature shows the change.
func TestSignedBundleForgeryIsRefusedByVerifyImportAndServe(t *testing.T) {
	s := newSignedBundle(t)
	site := registrytest.StartInProcess(t)

	// Signed and intact: import and serve accept it.
	code, out, stderr := ferry(t, "import", s.bundle, "--key", s.pub, "--registry", site.Host, "--insecure", "--progress", "none")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "signed by "+s.fingerprint)
	host, stop := startServe(t, "--key", s.pub, s.bundle, "--progress", "none")
	resp, err := http.Get("http://" + host + "/v2/apache/demo-console/tags/list")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	stop()

	b, err := bundle.Open(s.bundle)
	require.NoError(t, err)
	var layer string
	c, err := b.Scan(t.Context())
	require.NoError(t, err)
	for _, n := range c.Names() {
		if sr, _ := c.Open(n); strings.HasPrefix(n, "images/blobs/sha256/") && sr.Size() > 200_000 {
			layer = n
		}
	}
	require.NoError(t, c.Close())
	require.NotEmpty(t, layer)
	flipByte(t, s.bundle, layer)
	code, _, _ = ferry(t, "verify", "--quick", s.bundle, "--progress", "none")
	require.Equal(t, 0, code, "the forgery passes the parts check without a key")

	other := registrytest.StartInProcess(t)
	for _, args := range [][]string{
		{"verify", "--key", s.pub, s.bundle},
		{"verify", "--quick", "--key", s.pub, s.bundle},
		{"import", s.bundle, "--key", s.pub, "--registry", other.Host, "--insecure"},
		{"serve", s.bundle, "--key", s.pub, "--listen", "127.0.0.1:0"},
	} {
		code, out, stderr := ferry(t, append(args, "--progress", "none")...)
		assert.Equal(t, 1, code, args)
		oneSentence(t, stderr, "was changed after it was signed")
		assert.NotContains(t, out, "Serving", args)
	}
	resp, err = http.Get("http://" + other.Host + "/v2/_catalog")
	require.NoError(t, err)
	defer resp.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	assert.NotContains(t, body.String(), "demo-console", "nothing was loaded")
}

// TestSignedPartRewriteWithoutTheIndexIsRefusedBeforeLoading damages a
// part only: the signed index no longer matches it, and import refuses it
// before the first push.
func TestSignedPartRewriteWithoutTheIndexIsRefusedBeforeLoading(t *testing.T) {
	s := newSignedBundle(t)
	b, err := bundle.Open(s.bundle)
	require.NoError(t, err)
	last := filepath.Join(s.bundle, b.Index.Parts[len(b.Index.Parts)-1].Name)
	data, err := os.ReadFile(last)
	require.NoError(t, err)
	data[0] ^= 0xff
	require.NoError(t, os.WriteFile(last, data, 0o644))
	site := registrytest.StartInProcess(t)
	code, _, stderr := ferry(t, "import", s.bundle, "--key", s.pub, "--registry", site.Host, "--insecure", "--progress", "none")
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "is damaged")
	resp, err := http.Get("http://" + site.Host + "/v2/_catalog")
	require.NoError(t, err)
	defer resp.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	assert.NotContains(t, body.String(), "demo-console", "nothing was loaded")
}

// TestPrivateKeyNeverEntersTheBundle greps everything prepare wrote,
// answers file included, for the private key's bytes and its password.
func TestPrivateKeyNeverEntersTheBundle(t *testing.T) {
	s := newSignedBundle(t)
	priv, err := os.ReadFile(s.key)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(priv)), "\n")
	secret := lines[len(lines)/2] // a line of the key's body
	var answers int
	require.NoError(t, filepath.WalkDir(s.bundle, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() {
			return nil
		}
		if strings.HasSuffix(p, ".answers.yaml") {
			answers++
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.NotContains(t, string(data), secret, p)
		assert.NotContains(t, string(data), "PRIVATE KEY", p)
		assert.NotContains(t, string(data), s.password, p)
		assert.NotContains(t, string(data), filepath.Base(s.key), p)
		return nil
	}))
	assert.Equal(t, 1, answers, "the answers file was checked too")
}

// TestBundleSignatureChecksWithSSHKeygen runs the independent check from
// docs/bundle-format.md with the machine's ssh-keygen.
func TestBundleSignatureChecksWithSSHKeygen(t *testing.T) {
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen is not installed: the independent check needs OpenSSH's client tools")
	}
	s := newSignedBundle(t)
	b, err := bundle.Open(s.bundle)
	require.NoError(t, err)
	name := b.Index.Name
	pub, err := os.ReadFile(s.pub)
	require.NoError(t, err)
	// As the docs say: printf 'ferry %s\n' "$(cat site.pub)" > allowed_signers
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	require.NoError(t, os.WriteFile(allowed, []byte("ferry "+strings.TrimSpace(string(pub))+"\n"), 0o644))
	check := func() (string, error) {
		cmd := exec.Command(keygen, "-Y", "verify", "-f", allowed, "-I", "ferry", "-n", "ferry-bundle", "-s", name+".ferry.json.sig")
		cmd.Dir = s.bundle
		in, err := os.Open(filepath.Join(s.bundle, name+".ferry.json"))
		require.NoError(t, err)
		defer in.Close()
		cmd.Stdin = in
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := check()
	require.NoError(t, err, out)
	assert.Contains(t, out, `Good "ferry-bundle" signature for ferry`)

	flipByte(t, s.bundle, bundle.ManifestName)
	out, err = check()
	assert.Error(t, err, "ssh-keygen refuses the rewritten index too: %s", out)
}

func TestFarSideFindsTheKeyBesideTheBundle(t *testing.T) {
	s := newSignedBundle(t)
	sess, err := (&app{fs: afero.NewOsFs()}).session(session.Options{}, nil)
	require.NoError(t, err)
	eng := farside.SessionEngine{Session: sess}
	b, err := eng.Open(s.bundle)
	require.NoError(t, err)
	fp, err := sess.SignedBy(b)
	require.NoError(t, err)
	assert.Empty(t, fp, "no key beside it, none trusted: nothing to say")

	data, err := os.ReadFile(s.pub)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(s.bundle, "site.pub"), data, 0o644))
	fp, err = sess.SignedBy(b)
	require.NoError(t, err)
	assert.Equal(t, s.fingerprint, fp)

	require.NoError(t, os.Remove(s.sigFile(t)))
	_, err = eng.Open(s.bundle)
	assert.ErrorContains(t, err, "is not signed")
}
