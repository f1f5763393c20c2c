package summary

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"ferry/artifacts/bundle"
	"ferry/tui/app"
	"ferry/tui/wizard"
	"ferry/workflow/prepare"
)

// TestWizardSaysWhetherSigned: the lines left after the wizard say who
// signed the bundle, with the key on the command that makes it again, or
// that it is not signed.
func TestWizardSaysWhetherSigned(t *testing.T) {
	res := &prepare.Result{Dir: "/srv/bundles/demo", Answers: "/srv/bundles/demo/demo-2.0.answers.yaml",
		Index: bundle.Index{Name: "demo-2.0", ShortCode: "7QK4-M2XD", Parts: []bundle.Part{{Name: "demo-2.0.part001"}}}}
	var b bytes.Buffer
	Wizard(&b, app.Result{Side: app.Prepare, Outcome: app.Done, Prepare: &wizard.Outcome{Result: res,
		SignedBy: "SHA256:abc", SignKey: "/home/me/keys/site.key"}})
	assert.Contains(t, b.String(), "\n  signed by SHA256:abc (give the site the key's .pub yourself, never on the stick)\n")
	assert.Contains(t, b.String(), "again, without questions: ferry prepare --answers /srv/bundles/demo/demo-2.0.answers.yaml --output /srv/bundles/demo --sign-key /home/me/keys/site.key\n")
	assert.NotContains(t, b.String(), "not signed")

	b.Reset()
	Wizard(&b, app.Result{Side: app.Prepare, Outcome: app.Done, Prepare: &wizard.Outcome{Result: res}})
	assert.Contains(t, b.String(), "\n  not signed\n")
	assert.NotContains(t, b.String(), "--sign-key")
}
