package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
}

func TestDemoWithoutTerminalNeedsAuto(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runIO(context.Background(), []string{"demo"}, strings.NewReader(""), &out, &errOut, []string{"NO_COLOR=1"})
	assert.Equal(t, 2, code)
	oneSentence(t, errOut.String(), "the demo needs a terminal; `ferry demo --auto` also plays without one")
}
