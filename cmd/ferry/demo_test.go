package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/workflow/demo"
	"ferry/workflow/selection"
)

// TestDemoAutoPlaysBothSides runs the whole journey with no terminal and no
// network: prepare from the embedded upstream, import into the embedded
// site, configure; it must exit 0.
func TestDemoAutoPlaysBothSides(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runIO(context.Background(), []string{"demo", "--auto", "--pace", "40ms"}, strings.NewReader(""), &out, &errOut, []string{"NO_COLOR=1"})
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "Demo complete")
	assert.Contains(t, out.String(), "DEMO — nothing leaves this machine")
	assert.Contains(t, out.String(), "Maven repository (6 files)")
	// The summary left in the scrollback once the full screen is gone.
	assert.Regexp(t, `Bundle prepared: code [0-9A-Z]{4}-[0-9A-Z]{4}\n`, out.String())
	assert.Regexp(t, `✓ sonataflow-10\.1\.0 \(code [0-9A-Z]{4}-[0-9A-Z]{4}\) loaded and checked\.\n  images: \d+ into 127\.0\.0\.1:\d+/mirror\n`, out.String())
}

func TestDemoWithoutTerminalNeedsAuto(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runIO(context.Background(), []string{"demo"}, strings.NewReader(""), &out, &errOut, []string{"NO_COLOR=1"})
	assert.Equal(t, 2, code)
	oneSentence(t, errOut.String(), "the demo needs a terminal; `ferry demo --auto` also plays without one")
}

// TestDemoOffersOnlyWhatItSeeded: the demo's catalog holds its own target
// only, and every version of it with every module plans from the embedded
// servers alone, the Maven repository read out of the builder image
// included.
func TestDemoOffersOnlyWhatItSeeded(t *testing.T) {
	dir := t.TempDir()
	d, err := demo.Start(t.Context(), dir)
	require.NoError(t, err)
	defer d.Close()
	s, err := d.Session(nil, version)
	require.NoError(t, err)
	var names []string
	for _, tg := range s.Catalog().Targets() {
		names = append(names, tg.Name)
	}
	assert.Equal(t, []string{demo.Target}, names, "no product the demo has no content for")
	tg, err := s.Catalog().Target(demo.Target)
	require.NoError(t, err)
	for _, v := range tg.VersionNames() {
		p, err := s.Plan(t.Context(), selection.Selection{Target: demo.Target, Version: v, Archs: []string{"amd64", "arm64"}, Modules: tg.ModuleNames()}, nil)
		require.NoError(t, err, v)
		assert.Empty(t, p.Errors, v)
		var fromImage int
		for _, m := range p.Maven {
			if m.Image != nil {
				fromImage++
			}
		}
		assert.Equal(t, 2, fromImage, "%s: the maven-repository module's artifacts", v)
	}
}
