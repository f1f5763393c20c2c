package app

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/signature"
	"ferry/tui/wizard"
)

// fingerprints are masked in goldens: every test key is new.
var fingerprintRE = regexp.MustCompile(`SHA256:[A-Za-z0-9+/]{43}`)

// toConfirm walks the connected side to its confirmation.
func toConfirm(t *testing.T, d *driver) {
	t.Helper()
	d.press("enter", "enter", "enter", "enter", "enter", "enter", "enter")
	require.Equal(t, "Confirm", d.step())
}

// TestConfirmSignsWithAnEncryptedKey types an encrypted key's path on the
// confirmation: it is read as typed, asks for its password (masked, tried
// on Enter), and the bundle is signed at the end, the password nowhere.
func TestConfirmSignsWithAnEncryptedKey(t *testing.T) {
	small, smallEng := newPrepare(t, 80, 24) // the catalog is read from here
	large, largeEng := newPrepare(t, 120, 40)
	t.Chdir(t.TempDir()) // a short relative key path, the same in every run
	require.NoError(t, os.Mkdir("keys", 0o700))
	k, err := signature.Generate(filepath.Join("keys", "site"), "correct horse", "")
	require.NoError(t, err)

	for _, run := range []struct {
		d   *driver
		eng *fakeEngine
	}{{small, smallEng}, {large, largeEng}} {
		d, eng := run.d, run.eng
		sz := [2]int{d.m.width, d.m.height}
		golden := func(name string) {
			d.t.Helper()
			d.goldenMasked(fmt.Sprintf("prepare/%s-%dx%d", name, sz[0], sz[1]), func(s string) string {
				return fingerprintRE.ReplaceAllString(s, "SHA256:"+fmt.Sprintf("%043d", 0))
			})
		}
		toConfirm(t, d)
		assert.Contains(t, d.screen(), "Not signed")

		d.typeText("keys/nope.key")
		assert.Contains(t, d.screen(), "✗ keys/nope.key does not exist")
		d.press("enter")
		assert.Equal(t, "Confirm", d.step(), "a key that does not open stops Enter")
		assert.Contains(t, d.screen(), "Enter starts once the signing key opens")

		for range "nope.key" {
			d.press("backspace")
		}
		d.typeText("site.pub")
		assert.Contains(t, d.screen(), "is a public key")
		for range "pub" {
			d.press("backspace")
		}
		d.typeText("key")
		assert.Contains(t, d.screen(), "The key is encrypted")
		d.press("enter")
		assert.Equal(t, "Confirm", d.step())
		assert.Contains(t, d.screen(), "Type the key's password")

		d.press("tab")
		d.typeText("wrong")
		d.press("enter")
		assert.Equal(t, "Confirm", d.step())
		assert.Contains(t, d.screen(), "that password does not open the key")
		for range "wrong" {
			d.press("backspace")
		}
		d.typeText("correct horse")
		assert.NotContains(t, d.screen(), "correct horse", "the password is masked")
		assert.Contains(t, d.screen(), "FERRY_KEY_PASSWORD")
		golden("8-confirm-signing")
		cmd := d.m.Prepare().Command()
		assert.Contains(t, cmd, "--sign-key keys/site.key")
		assert.NotContains(t, cmd, "correct horse")

		d.press("enter") // opens the key, then starts
		require.Equal(t, "Done", d.step())
		require.NotNil(t, eng.signedWith, "signed at the end of prepare")
		assert.Equal(t, k.Fingerprint, signature.Fingerprint(eng.signedWith.PublicKey()))
		assert.Empty(t, eng.prepared.Answers.SignKey, "the answers beside the bundle travel with it: no key's path")
		assert.Contains(t, d.screen(), "--sign-key", "the replay command names the key")
		assert.Contains(t, d.screen(), "keys/site.key")
		assert.Contains(t, d.screen(), "✓ signed by "+k.Fingerprint)
		golden("10-done-signed")
		o := d.m.Result().Prepare
		assert.Equal(t, k.Fingerprint, o.SignedBy, "the summary after the screen says who signed")
		assert.Equal(t, "keys/site.key", o.SignKey)
	}
}

// TestConfirmUnsignedAndAKeyInTheBundle: empty is unsigned (any earlier
// signature is dropped by the engine), a plain key signs without a
// password, and a key inside the bundle's folder is refused.
func TestConfirmUnsignedAndAKeyInTheBundle(t *testing.T) {
	dir := t.TempDir()
	d, eng := newPrepare(t, 100, 30)
	plain, err := signature.Generate(filepath.Join(dir, "plain"), "", "")
	require.NoError(t, err)
	toConfirm(t, d)
	d.press("esc") // back to the destination: the bundle goes where the key is
	d.press("ctrl+u")
	d.typeText(dir)
	d.press("enter")
	require.Equal(t, "Confirm", d.step())
	d.typeText(plain.Private)
	assert.Contains(t, d.screen(), "must never travel with the bundle")
	d.press("enter")
	assert.Equal(t, "Confirm", d.step())

	d.press("esc", "ctrl+u")
	d.typeText("/srv/bundles/demo")
	d.press("enter")
	assert.Contains(t, d.screen(), "✓ signs as "+plain.Fingerprint, "checked again for the new destination")
	assert.NotContains(t, d.screen(), "encrypted", "a plain key needs no password")
	d.press("ctrl+u")
	assert.Contains(t, d.screen(), "Not signed")
	assert.NotContains(t, d.m.Prepare().Command(), "--sign-key")
	d.press("enter")
	require.Equal(t, "Done", d.step())
	assert.Nil(t, eng.signedWith)
	assert.Empty(t, eng.prepared.Answers.SignKey)
	assert.Contains(t, d.screen(), "not signed")
	assert.Empty(t, d.m.Result().Prepare.SignedBy)
	assert.Empty(t, d.m.Result().Prepare.SignKey)
}

// TestConfirmKeyFromTheCommandLine: the key given to ferry --sign-key is
// in the field when the confirmation opens, checked, and signs.
func TestConfirmKeyFromTheCommandLine(t *testing.T) {
	plain, err := signature.Generate(filepath.Join(t.TempDir(), "plain"), "", "")
	require.NoError(t, err)
	eng := newFake(t)
	d := newDriver(t, Options{Side: Prepare, PrepareEngine: eng, ImportEngine: &fake{},
		Prepare: wizard.Options{MachineArch: "arm64", DefaultOutput: "/srv/bundles/demo", SignKey: plain.Private},
		Import:  farsideOptions()}, 100, 30)
	toConfirm(t, d)
	assert.Contains(t, d.screen(), "✓ signs as "+plain.Fingerprint)
	assert.Contains(t, d.m.Prepare().Command(), "--sign-key "+plain.Private)
	d.press("enter")
	require.Equal(t, "Done", d.step())
	require.NotNil(t, eng.signedWith)
	assert.Equal(t, plain.Fingerprint, d.m.Result().Prepare.SignedBy)
}
