package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/workflow/selection"
)

// Every flag that overrides an answers file exists on plan and prepare and
// names a field of the answers file.
func TestAnswersKeysNameFlagsAndFields(t *testing.T) {
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	for _, name := range []string{"plan", "prepare"} {
		c, _, err := root.Find([]string{name})
		require.NoError(t, err)
		for flag, key := range answersKeys() {
			assert.NotNil(t, c.Flags().Lookup(flag), "ferry %s --%s", name, flag)
			assert.NotPanics(t, func() { new(selection.Selection).Overlay(selection.Selection{}, key) }, key)
		}
	}
}
