package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/inventory"
	"ferry/tui/wizard"
)

// The fake's site holds the base layer every image shares: site.json is
// its inventory, old-bundle the bundle that brought it.
func (f *fakeEngine) Have(_ context.Context, paths []string) (*inventory.Have, error) {
	h := &inventory.Have{Blobs: map[string]bool{}}
	for _, p := range paths {
		switch p {
		case "/srv/site.json":
			h.Add(&inventory.Have{Blobs: map[string]bool{"sha256:base": true}, Registries: []string{"registry.site.test:5000"}})
		case "/srv/old-bundle/":
			h.Add(&inventory.Have{Blobs: map[string]bool{"sha256:base": true}, Bundles: []bundle.BaseBundle{{Name: "demo-1.0", ShortCode: "4HJ2-KP7Q"}}})
		default:
			return nil, fault.New(inventory.ErrNotAnInventory, "%s does not exist", p)
		}
	}
	return h, nil
}

func (f *fakeEngine) HaveFiles(prefix string) []string {
	var out []string
	for _, p := range []string{"/srv/site.json", "/srv/old-bundle"} {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// toPreview walks to the preview with the defaults.
func toPreview(t *testing.T, d *driver) {
	t.Helper()
	d.press("enter", "enter", "enter", "enter", "enter")
	require.Equal(t, "Preview", d.step())
}

func TestHavePanelMeasuresTheDelta(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		d, eng := newPrepare(t, sz[0], sz[1])
		toPreview(t, d)
		assert.Contains(t, d.screen(), "full 160.0 MiB · h: what the site already has (optional)")

		d.press("h")
		assert.Contains(t, d.screen(), "What the site already has (optional)")
		// A file that says nothing is refused as typed, and enter does not
		// take it.
		d.typeText("/srv/nope.json")
		assert.Contains(t, d.screen(), "✗ /srv/nope.json does not exist")
		d.press("enter")
		assert.NotContains(t, d.screen(), "Measured against")

		for range len("/srv/nope.json") {
			d.press("backspace")
		}
		d.typeText("/srv/s")
		d.press("tab")
		assert.Contains(t, d.screen(), "› /srv/site.json")
		assert.Contains(t, d.screen(), "✓ 1 blob · registry.site.test:5000: enter adds it")
		d.golden(fmt.Sprintf("prepare/6-preview-have-%dx%d", sz[0], sz[1]))
		d.press("enter")
		assert.Contains(t, d.screen(), "Measured against")

		// An empty field goes back: the plan is measured again.
		d.press("enter")
		s := d.screen()
		assert.Contains(t, s, "full 160.0 MiB · delta 120.0 MiB (the site has 40.0 MiB, 1 blob)")
		d.golden(fmt.Sprintf("prepare/6-preview-delta-%dx%d", sz[0], sz[1]))
		d.press("tab", "tab", "tab")
		assert.Contains(t, d.screen(), "delta for this site:   120.0 MiB")

		d.press("enter", "enter")
		require.Equal(t, "Confirm", d.step())
		s = d.screen()
		assert.Contains(t, s, "delta 120.0 MiB of full 160.0 MiB")
		assert.Contains(t, strings.Join(strings.Fields(s), " "), "--have /srv/site.json")
		d.golden(fmt.Sprintf("prepare/8-confirm-delta-%dx%d", sz[0], sz[1]))
		d.press("enter")
		require.NotNil(t, eng.prepared)
		assert.Equal(t, []string{"/srv/site.json"}, eng.prepared.Answers.Have, "the answers file records what the site has")
	}
}

func TestHaveGivenToTheWizardAndDropped(t *testing.T) {
	eng := newFake(t)
	d := newDriver(t, Options{Side: Prepare, PrepareEngine: eng, ImportEngine: &fake{},
		Prepare: wizard.Options{MachineArch: "arm64", DefaultOutput: "/srv/bundles/demo", Have: []string{"/srv/old-bundle/"}},
		Import:  farsideOptions()}, 100, 30)
	toPreview(t, d)
	assert.Contains(t, d.screen(), "delta 120.0 MiB")

	// Backspace in the empty field drops the file: the bundle is full again.
	d.press("h")
	assert.Contains(t, d.screen(), "/srv/old-bundle/")
	d.press("backspace")
	assert.Contains(t, d.screen(), "No file yet: the bundle is a full one.")
	d.press("esc")
	assert.Contains(t, d.screen(), "full 160.0 MiB · h: what the site already has")
	d.press("enter", "enter")
	assert.NotContains(t, d.screen(), "--have")
}
