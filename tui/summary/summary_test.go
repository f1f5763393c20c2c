package summary

import (
	"bytes"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"

	"ferry/artifacts/push"
	"ferry/themes"
	"ferry/tui/components/textfit"
)

func TestChecksAreTickedOrCrossed(t *testing.T) {
	var b bytes.Buffer
	Checks(&b, themes.MonoTheme(), []push.Check{{Name: "reachable", OK: true}, {Name: "login accepted"}})
	assert.Equal(t, "  ✓ reachable\n  ✗ login accepted\n", ansi.Strip(b.String()))
}

func TestSentenceAndQuote(t *testing.T) {
	assert.Equal(t, "quay.io/x is gone.", Sentence(" quay.io/x is gone "))
	assert.Equal(t, "why?", Sentence("why?"))
	assert.Equal(t, "/srv/b", textfit.Quote("/srv/b"))
	assert.Equal(t, `'/srv/it'\''s here'`, textfit.Quote("/srv/it's here"))
}
