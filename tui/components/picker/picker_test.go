package picker

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"

	"ferry/themes"
)

func key(s string) tea.KeyPressMsg {
	switch s {
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func items() []Item {
	return []Item{
		{ID: "operator", Title: "operator", Locked: true, On: true, Note: "required"},
		{ID: "builder", Title: "builder", On: true},
		{ID: "devmode", Title: "devmode"},
		{ID: "data-index", Title: "data-index"},
	}
}

func TestMultiToggleRespectsLocks(t *testing.T) {
	m := New(items(), true, themes.MonoTheme())
	m, _ = m.Update(key("space")) // operator is locked
	assert.Equal(t, []string{"operator", "builder"}, m.Chosen())
	m, _ = m.Update(key("down"))
	m, _ = m.Update(key("space"))
	m, _ = m.Update(key("down"))
	m, _ = m.Update(key("space"))
	assert.Equal(t, []string{"operator", "devmode"}, m.Chosen())
	v := ansi.Strip(m.View())
	assert.Contains(t, v, "[■] operator")
	assert.Contains(t, v, "(required)")
	assert.Contains(t, v, "▸ [x] devmode")
}

func TestFilterGuardsShortcuts(t *testing.T) {
	m := New(items(), true, themes.MonoTheme())
	m, _ = m.Update(key("/"))
	assert.True(t, m.Filtering())
	for _, r := range "dx" { // x is a toggle shortcut outside the filter
		m, _ = m.Update(key(string(r)))
	}
	assert.Equal(t, "dx", m.Filter())
	assert.Equal(t, []string{"operator", "builder"}, m.Chosen(), "typing did not toggle")
	it, _ := m.Current()
	assert.Equal(t, "data-index", it.ID)
	m, _ = m.Update(key("backspace"))
	m, _ = m.Update(key("enter"))
	assert.False(t, m.Filtering())
	assert.Equal(t, "d", m.Filter())
	m, _ = m.Update(key("/"))
	m, _ = m.Update(key("esc"))
	assert.Equal(t, "", m.Filter())
	m, _ = m.Update(key("/"))
	m, _ = m.Update(key("q"))
	m, _ = m.Update(key("q"))
	assert.Contains(t, ansi.Strip(m.View()), "nothing matches the filter")
}

func TestSingleChoiceAndScrolling(t *testing.T) {
	var many []Item
	for i := range 50 {
		many = append(many, Item{ID: fmt.Sprint(i), Title: fmt.Sprintf("item %02d", i)})
	}
	m := New(many, false, themes.MonoTheme())
	m.SetSize(40, 6)
	for range 10 {
		m, _ = m.Update(key("down"))
	}
	assert.Equal(t, []string{"10"}, m.Chosen())
	v := ansi.Strip(m.View())
	assert.Contains(t, v, "▸ item 10")
	assert.NotContains(t, v, "item 06")
	assert.Contains(t, v, "8–11 of 50")
	_, used := m.Update(key("space"))
	assert.False(t, used, "space does nothing in a single list")
}

// BenchmarkFilter10000 types one more letter of a filter over 10,000 rows
// and redraws: it must stay well under one frame (16 ms).
func BenchmarkFilter10000(b *testing.B) {
	var many []Item
	for i := range 10000 {
		many = append(many, Item{ID: fmt.Sprint(i), Title: fmt.Sprintf("org.example.group%d:artifact-%d:1.%d.0", i%97, i, i%13), Detail: "12.3 KiB"})
	}
	m := New(many, true, themes.DefaultTheme(true))
	m.SetSize(100, 30)
	m, _ = m.Update(key("/"))
	m, _ = m.Update(key("a"))
	m, _ = m.Update(key("r"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m2, _ := m.Update(key("t"))
		_ = m2.View()
	}
}
