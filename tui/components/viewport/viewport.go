// Package viewport scrolls content longer than the room a screen has (the
// far side's end screen, the configuration steps, a long error), with the
// arrow and page keys, and says where the reader is ("12–20 of 31").
package viewport

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// Model is a scrolling view of some text.
type Model struct {
	vp   viewport.Model
	h    int
	text string
}

// New is an empty viewport.
func New() Model {
	vp := viewport.New(viewport.WithWidth(60), viewport.WithHeight(10))
	vp.SoftWrap = true
	return Model{vp: vp, h: 10}
}

// SetSize sets the room it has, the position line included.
func (m *Model) SetSize(w, h int) {
	m.vp.SetWidth(max(1, w))
	m.h = max(2, h)
	m.fit()
}

// fit gives the text the whole room, or all but the position line when
// it is longer.
func (m *Model) fit() {
	m.vp.SetHeight(m.h)
	if m.vp.TotalLineCount() > m.h {
		m.vp.SetHeight(m.h - 1)
	}
}

// SetContent replaces the text, keeping the scroll position where it can.
func (m *Model) SetContent(s string) {
	m.text = s
	m.vp.SetContent(s)
	m.fit()
}

// Update scrolls on the viewport's keys.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return cmd
}

// Scrolls says whether the content is longer than the room.
func (m Model) Scrolls() bool { return m.vp.TotalLineCount() > m.h }

// AtBottom says whether the last line is on screen.
func (m Model) AtBottom() bool { return m.vp.AtBottom() }

// GotoBottom shows the last lines.
func (m *Model) GotoBottom() { m.vp.GotoBottom() }

// Show scrolls just enough for line n to be on screen.
func (m *Model) Show(n int) {
	top, h := m.vp.YOffset(), m.vp.Height()
	switch {
	case n < top:
		m.vp.SetYOffset(n)
	case n >= top+h:
		m.vp.SetYOffset(n - h + 1)
	}
}

// Position says which lines are shown of how many, as "12–20 of 31".
func (m Model) Position() string {
	top := m.vp.YOffset()
	total := m.vp.TotalLineCount()
	return fmt.Sprintf("%d–%d of %d", top+1, min(total, top+m.vp.Height()), total)
}

// Keys are the bindings that scroll, for a step's help: by line and by
// page (the viewport's own key map has more, such as space and f).
func (m Model) Keys() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll")),
		key.NewBinding(key.WithKeys("pgdown", "pgup"), key.WithHelp("pgdn/pgup", "page")),
	}
}

// View is the visible part, followed by the position when it scrolls.
func (m Model) View() string {
	if !m.Scrolls() {
		return m.text // all of it fits, with no padding below
	}
	return m.vp.View() + "\n" + m.Position()
}
