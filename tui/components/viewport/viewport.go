// Package viewport scrolls content longer than the room a screen has (the
// far side's end screen, a long report), with the arrow and page keys.
package viewport

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// Model is a scrolling view of some text.
type Model struct {
	vp viewport.Model
}

// New is an empty viewport.
func New() Model {
	vp := viewport.New(viewport.WithWidth(60), viewport.WithHeight(10))
	vp.SoftWrap = true
	return Model{vp: vp}
}

// SetSize sets the room it has.
func (m *Model) SetSize(w, h int) {
	m.vp.SetWidth(max(1, w))
	m.vp.SetHeight(max(1, h))
}

// SetContent replaces the text, keeping the scroll position where it can.
func (m *Model) SetContent(s string) { m.vp.SetContent(s) }

// Update scrolls on the viewport's keys.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return cmd
}

// Scrolls says whether the content is longer than the room.
func (m Model) Scrolls() bool { return m.vp.TotalLineCount() > m.vp.Height() }

// AtBottom says whether the last line is on screen.
func (m Model) AtBottom() bool { return m.vp.AtBottom() }

// Keys are the bindings that scroll, for a step's help.
func (m Model) Keys() []key.Binding {
	k := m.vp.KeyMap
	return []key.Binding{k.Up, k.Down, k.PageDown, k.PageUp}
}

// View is the visible part.
func (m Model) View() string { return m.vp.View() }
