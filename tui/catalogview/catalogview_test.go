package catalogview

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/targets/catalog"
	"ferry/themes"
)

func TestListAndShowTheBuiltinCatalog(t *testing.T) {
	cat, err := catalog.Builtin()
	require.NoError(t, err)
	var b bytes.Buffer
	List(&b, themes.MonoTheme(), cat.Targets())
	assert.Contains(t, b.String(), "sonataflow")
	assert.Contains(t, b.String(), "ferry catalog show TARGET")

	tg, err := cat.Target("sonataflow")
	require.NoError(t, err)
	b.Reset()
	require.NoError(t, Target(&b, themes.MonoTheme(), tg, ""))
	assert.Contains(t, b.String(), "(latest)")
	assert.Contains(t, b.String(), "    image  ")
}
