package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartChoosesTheFace starts the site's side as ferry does: plain
// prompts when asked for, and no full screen where there is no terminal.
func TestStartChoosesTheFace(t *testing.T) {
	var out bytes.Buffer
	term := Terminal{Out: &out, Env: []string{"TERM=xterm-256color"}}
	s := Start{Options: Options{Side: Import, ImportEngine: &fake{}, Import: farsideOptions()}}

	_, err := term.Start(context.Background(), s, strings.NewReader(""))
	require.ErrorIs(t, err, ErrNoTerminal, "a buffer is no terminal for the full screen")
	assert.Empty(t, out.String())

	s.Accessible = true
	_, err = term.Start(context.Background(), s, strings.NewReader(""))
	assert.Contains(t, out.String(), "/media/tech/USB/bundle", "the plain prompts ask for the bundle they found")
	assert.Error(t, err, "the input ends before the last question")
	assert.NotErrorIs(t, err, ErrNoTerminal)
}
