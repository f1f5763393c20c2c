package themes

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestByName(t *testing.T) {
	for _, n := range Names {
		th, err := ByName(n, true)
		require.NoError(t, err)
		assert.Equal(t, n, th.Name)
	}
	_, err := ByName("neon", true)
	assert.EqualError(t, err, `there is no theme "neon": choose one of default, high-contrast, mono`)
}

func TestMonoHasNoColour(t *testing.T) {
	th := MonoTheme()
	for _, s := range []string{th.Title.Render("x"), th.Error.Render("x"), th.Subtle.Render("x"), th.Accent.Render("x")} {
		assert.NotContains(t, s, "38;", "no foreground colour")
	}
	assert.Contains(t, DefaultTheme(true).Title.Render("x"), "38;2;", "the default theme has colour")
	assert.NotEqual(t, DefaultTheme(true).Title.Render("x"), DefaultTheme(false).Title.Render("x"), "dark and light differ")
}
