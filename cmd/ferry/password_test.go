package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle/bundletest"
	"ferry/artifacts/signature"
)

// TestEncryptedKeyWithoutATerminalSaysToSetThePassword runs sign with an
// encrypted key, FERRY_KEY_PASSWORD unset and a standard input that is
// not a terminal (a pipe holding the password): nothing is asked or read,
// and the one sentence names the variable.
func TestEncryptedKeyWithoutATerminalSaysToSetThePassword(t *testing.T) {
	dir := t.TempDir()
	bundletest.Write(t, dir, bundletest.Spec{Entries: []bundletest.Entry{bundletest.File("files/a.txt", []byte("a"))}})
	k, err := signature.Generate(filepath.Join(t.TempDir(), "site"), "correct horse", "")
	require.NoError(t, err)

	var out, errOut bytes.Buffer
	code := runIO(context.Background(), []string{"sign", dir, "--key", k.Private, "--progress", "none"},
		strings.NewReader("correct horse\n"), &out, &errOut, []string{"NO_COLOR=1", "HOME=" + t.TempDir()})
	assert.Equal(t, 1, code)
	oneSentence(t, errOut.String(), "set FERRY_KEY_PASSWORD to its password")
	assert.NotContains(t, out.String()+errOut.String(), "Password of", "nothing is asked off a terminal")
	assert.NotContains(t, out.String()+errOut.String(), "correct horse")

	// keygen off a terminal writes an unencrypted key, as before.
	code = runIO(context.Background(), []string{"keygen", filepath.Join(t.TempDir(), "plain")},
		strings.NewReader("pw\npw\n"), &out, &errOut, []string{"NO_COLOR=1"})
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "not encrypted")
}

// TestAccessibleFarSideAsksForTheSitesKey: the plain prompts ask for the
// site's key when a signed bundle has none beside it, refuse another key,
// and say who signed it; an empty answer goes on unchecked, saying so.
func TestAccessibleFarSideAsksForTheSitesKey(t *testing.T) {
	stick := t.TempDir()
	bundletest.Write(t, stick, bundletest.Spec{Entries: []bundletest.Entry{bundletest.File("files/a.txt", []byte("a"))}})
	keys := t.TempDir()
	site, err := signature.Generate(filepath.Join(keys, "site"), "", "")
	require.NoError(t, err)
	other, err := signature.Generate(filepath.Join(keys, "other"), "", "")
	require.NoError(t, err)
	env := []string{"NO_COLOR=1", "HOME=" + t.TempDir()}
	var out, errOut bytes.Buffer
	require.Equal(t, 0, runIO(context.Background(), []string{"sign", stick, "--key", site.Private, "--progress", "none"}, strings.NewReader(""), &out, &errOut, env), errOut.String())
	t.Chdir(t.TempDir())

	ask := func(answers ...string) string {
		var so, se bytes.Buffer
		runIO(context.Background(), []string{"import", "--accessible"}, strings.NewReader(strings.Join(answers, "\n")+"\n"), &so, &se, env)
		return so.String()
	}
	text := ask(stick, other.Public, site.Public, "n")
	assert.Contains(t, text, "The bundle is signed, and no key was found beside it.")
	assert.Contains(t, text, "not by the trusted key "+other.Fingerprint)
	assert.Contains(t, text, "It is signed by "+site.Fingerprint+", checked with the site's key")

	text = ask(stick, "", "n")
	assert.Contains(t, text, "Going on unchecked")
	assert.Contains(t, text, "It is signed, but unchecked")
}
