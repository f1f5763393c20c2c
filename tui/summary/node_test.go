package summary

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"ferry/artifacts/bundle"
	"ferry/tui/app"
	"ferry/tui/farside"
	"ferry/workflow/loadnode"
)

func TestWizardNodePath(t *testing.T) {
	b := &bundle.Bundle{Dir: "/media/usb", Index: bundle.Index{Name: "demo-2.0", ShortCode: "7QK4-M2XD"}}
	cmd := "ferry load-node /media/usb --store /var/lib/ferry-images"
	loaded := &loadnode.Result{Images: make([]loadnode.Loaded, 3), Copied: 2, Skipped: 1, PinFile: "/etc/crio/crio.conf.d/50-ferry-demo-2.0.conf"}
	for _, c := range []struct {
		name    string
		outcome app.Outcome
		node    *loadnode.Result
		want    []string
	}{
		{"loaded", app.Done, loaded, []string{
			"✓ demo-2.0 (code 7QK4-M2XD) loaded into this node's image store: 3 images (2 copied, 1 there already), each checked by its digest.",
			"  pinned by: /etc/crio/crio.conf.d/50-ferry-demo-2.0.conf",
			"  on each other node, as root: " + cmd}},
		{"failed", app.Failed, nil, []string{"✗ This node's image store was not loaded.", "  to go on, as root (what is loaded already is skipped): " + cmd}},
		{"left", app.Cancelled, nil, []string{"  to load it, as root: sudo " + cmd, "  on each other node, as root: " + cmd}},
	} {
		var w bytes.Buffer
		Wizard(&w, app.Result{Side: app.Import, Outcome: c.outcome, Import: &farside.Outcome{Bundle: b, Node: c.node, NodeCommand: cmd}})
		for _, s := range c.want {
			assert.Contains(t, w.String(), s+"\n", c.name)
		}
		assert.NotContains(t, w.String(), "ferry import", c.name)
	}
}
