package progress

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"

	"ferry/themes"
)

func TestBar(t *testing.T) {
	th := themes.MonoTheme()
	assert.Equal(t, "█████░░░░░  50%", ansi.Strip(Bar(th, 5, 10, 10)))
	assert.Equal(t, "░░░░░░░░░░   0%", ansi.Strip(Bar(th, 0, 0, 3)), "at least 10 cells; nothing of nothing is 0%")
	assert.Equal(t, "██████████ 100%", ansi.Strip(Bar(th, 12, 10, 10)), "never wider than asked")
}

func TestBytes(t *testing.T) {
	assert.Equal(t, "60.0 MiB of 160.0 MiB", Bytes(60<<20, 160<<20, time.Time{}))
	assert.Equal(t, "60.0 MiB of 160.0 MiB", Bytes(60<<20, 160<<20, time.Now()), "no rate in the first half second")
	assert.Contains(t, Bytes(60<<20, 160<<20, time.Now().Add(-6*time.Second)), "60.0 MiB of 160.0 MiB · 10.0 MiB/s · about 10s left")
}
