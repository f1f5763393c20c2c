package app

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/workflow/session"
)

// trustFake is the far side's fake that also knows the bundle's
// signature: trust is what opening it finds; the site's key is site.pub.
type trustFake struct {
	*fake
	trust   session.Trust
	checked []string
}

const siteFP = "SHA256:siteKEYsiteKEYsiteKEYsiteKEYsiteKEYsiteKEY0"

func (f *trustFake) TrustOf(*bundle.Bundle) (session.Trust, error) { return f.trust, nil }

func (f *trustFake) CheckWithKey(b *bundle.Bundle, path string) (string, error) {
	f.checked = append(f.checked, path)
	if path == "/home/tech/site.pub" {
		return siteFP, nil
	}
	return "", &session.SignatureError{Bundle: b.Index.Name, Kind: session.ErrSignedByOther, Signer: siteFP, Trusted: "SHA256:otherKEYotherKEYotherKEYotherKEYotherKEYot"}
}

// TestFarSideAsksForTheSitesKey: a signed bundle with no key beside it
// asks for the site's .pub; another key is refused in one sentence, the
// site's key shows "signed by", and an empty answer goes on unchecked,
// saying so.
func TestFarSideAsksForTheSitesKey(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		f := &trustFake{fake: &fake{}, trust: session.Trust{Signed: true}}
		d := newDriver(t, Options{Side: Import, ImportEngine: f, Import: farsideOptions()}, sz[0], sz[1])
		d.press("enter")
		require.Equal(t, "Find the bundle", d.step())
		assert.Contains(t, d.screen(), "Who signed this bundle?")
		d.golden(fmt.Sprintf("import/1-key-%dx%d", sz[0], sz[1]))

		d.typeText("/home/tech/other.pub")
		d.press("enter")
		assert.Equal(t, "Find the bundle", d.step(), "another key is refused")
		assert.Contains(t, d.screen(), "do not")
		assert.Contains(t, d.screen(), "ask the engineer which key")
		d.press("ctrl+u")
		d.typeText("/home/tech/site.pub")
		d.press("enter")
		require.Equal(t, "Check the code", d.step())
		assert.Equal(t, []string{"/home/tech/other.pub", "/home/tech/site.pub"}, f.checked)
		assert.Contains(t, d.screen(), "✓ signed by "+siteFP)
		assert.Contains(t, d.screen(), "the site's key")
	}

	f := &trustFake{fake: &fake{}, trust: session.Trust{Signed: true}}
	d := newDriver(t, Options{Side: Import, ImportEngine: f, Import: farsideOptions()}, 100, 30)
	d.press("enter")
	d.press("esc")
	assert.NotContains(t, d.screen(), "Who signed", "esc chooses another bundle")
	d.press("enter", "enter")
	require.Equal(t, "Check the code", d.step(), "empty goes on unchecked")
	assert.Contains(t, d.screen(), "signed, but unchecked")
	assert.Empty(t, f.checked)
}

// TestFarSideSaysWhatAKeyOnTheStickProves: a .pub beside the bundle
// checks it, and the screen says that proves little.
func TestFarSideSaysWhatAKeyOnTheStickProves(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		f := &trustFake{fake: &fake{}, trust: session.Trust{Signed: true, SignedBy: siteFP, Beside: true}}
		d := newDriver(t, Options{Side: Import, ImportEngine: f, Import: farsideOptions()}, sz[0], sz[1])
		d.press("enter")
		require.Equal(t, "Check the code", d.step(), "nothing asked: a key was beside it")
		assert.Contains(t, d.screen(), "proves only that the bundle matches the key carried")
		d.golden(fmt.Sprintf("import/2-code-beside-%dx%d", sz[0], sz[1]))
	}
}
