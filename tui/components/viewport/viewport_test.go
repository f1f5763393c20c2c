package viewport

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/assert"
)

func TestPositionIsShownWhenItScrolls(t *testing.T) {
	m := New()
	m.SetSize(40, 10)
	var lines []string
	for i := range 31 {
		lines = append(lines, fmt.Sprintf("line %d", i+1))
	}
	m.SetContent(strings.Join(lines, "\n"))
	assert.True(t, m.Scrolls())
	assert.Equal(t, "1–9 of 31", m.Position())
	assert.Len(t, strings.Split(m.View(), "\n"), 10, "the text and the position fill the room")
	m.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	assert.Equal(t, "10–18 of 31", m.Position())
	m.Show(30)
	assert.Equal(t, "23–31 of 31", m.Position())
	assert.True(t, m.AtBottom())

	m.SetContent("short")
	assert.False(t, m.Scrolls())
	assert.Equal(t, "short", m.View(), "no position and no padding when all of it fits")
}
