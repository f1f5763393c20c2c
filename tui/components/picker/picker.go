// Package picker is a filterable list for the wizard's choices: one item
// or several, with items that are locked (required) or carry a note (why a
// dependency was ticked). Typing / starts a fuzzy filter; while it is on,
// keys go to the filter, not to shortcuts.
package picker

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"

	"ferry/themes"
	"ferry/tui/components/textfit"
)

// Item is one choice.
type Item struct {
	ID     string
	Title  string
	Detail string // a second column: a description, a size
	Note   string // shown after the title: "required", "needed by ui"
	Locked bool   // cannot be toggled
	On     bool   // ticked (multi) or chosen (single)
}

// Model is the list.
type Model struct {
	items     []Item
	multi     bool
	cursor    int // index into visible
	offset    int
	filter    string
	filtering bool
	visible   []int
	width     int
	height    int
	th        themes.Theme
}

// New builds a list; multi allows several ticked items.
func New(items []Item, multi bool, th themes.Theme) Model {
	m := Model{items: items, multi: multi, th: th, width: 60, height: 10}
	m.refilter()
	for i, idx := range m.visible {
		if !multi && m.items[idx].On {
			m.cursor = i
		}
	}
	return m
}

// SetSize sets the room the list has.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, max(h, 3)
	m.scroll()
}

// Filtering says whether keys go to the filter.
func (m Model) Filtering() bool { return m.filtering }

// Filter is the current filter text.
func (m Model) Filter() string { return m.filter }

// Items returns the items with their state.
func (m Model) Items() []Item { return m.items }

// SetItems replaces the items, keeping the filter.
func (m *Model) SetItems(items []Item) {
	m.items = items
	m.refilter()
}

// Current is the item under the cursor, if any.
func (m Model) Current() (Item, bool) {
	if len(m.visible) == 0 {
		return Item{}, false
	}
	return m.items[m.visible[m.cursor]], true
}

// Chosen lists the IDs of the ticked items (multi), or the item under the
// cursor (single).
func (m Model) Chosen() []string {
	if !m.multi {
		if it, ok := m.Current(); ok {
			return []string{it.ID}
		}
		return nil
	}
	var out []string
	for _, it := range m.items {
		if it.On {
			out = append(out, it.ID)
		}
	}
	return out
}

func (m *Model) refilter() {
	m.visible = m.visible[:0]
	if m.filter == "" {
		for i := range m.items {
			m.visible = append(m.visible, i)
		}
	} else {
		for _, match := range fuzzy.FindFrom(m.filter, source(m.items)) {
			m.visible = append(m.visible, match.Index)
		}
	}
	if m.cursor >= len(m.visible) {
		m.cursor = max(0, len(m.visible)-1)
	}
	m.scroll()
}

type source []Item

func (s source) String(i int) string { return s[i].Title + " " + s[i].ID }
func (s source) Len() int            { return len(s) }

func (m *Model) scroll() {
	rows := m.rows()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	if m.offset < 0 {
		m.offset = 0
	}
}

// rows is how many items fit between the filter line and the range line.
func (m Model) rows() int { return max(1, m.height-2) }

// Update handles a key; it reports whether the list used it.
func (m Model) Update(msg tea.KeyPressMsg) (Model, bool) {
	k := msg.String()
	if m.filtering {
		switch k {
		case "esc":
			m.filtering = false
			m.filter = ""
			m.refilter()
		case "enter":
			m.filtering = false
		case "backspace":
			if r := []rune(m.filter); len(r) > 0 {
				m.filter = string(r[:len(r)-1])
				m.refilter()
			}
		case "up", "down":
			m.move(map[string]int{"up": -1, "down": 1}[k])
		default:
			if msg.Text != "" {
				m.filter += msg.Text
				m.cursor = 0
				m.refilter()
			} else {
				return m, false
			}
		}
		return m, true
	}
	switch k {
	case "/":
		m.filtering = true
	case "up", "k":
		m.move(-1)
	case "down", "j":
		m.move(1)
	case "pgup":
		m.move(-m.rows())
	case "pgdown":
		m.move(m.rows())
	case "home", "g":
		m.move(-len(m.items))
	case "end", "G":
		m.move(len(m.items))
	case "space", "x":
		if !m.multi || len(m.visible) == 0 {
			return m, false
		}
		it := &m.items[m.visible[m.cursor]]
		if !it.Locked {
			it.On = !it.On
		}
	default:
		return m, false
	}
	return m, true
}

func (m *Model) move(d int) {
	if len(m.visible) == 0 {
		return
	}
	m.cursor = min(max(m.cursor+d, 0), len(m.visible)-1)
	m.scroll()
}

// View draws the filter line and the visible items.
func (m Model) View() string {
	var b strings.Builder
	switch {
	case m.filtering:
		fmt.Fprintf(&b, "%s %s%s\n", m.th.Accent.Render("/"), m.filter, m.th.Accent.Render("▏"))
	case m.filter != "":
		fmt.Fprintf(&b, "%s\n", m.th.Subtle.Render(fmt.Sprintf("filter: %s (%d of %d) — / to change, esc clears", m.filter, len(m.visible), len(m.items))))
	default:
		fmt.Fprintf(&b, "%s\n", m.th.Subtle.Render(fmt.Sprintf("%d to choose from — / to filter", len(m.items))))
	}
	if len(m.visible) == 0 {
		b.WriteString(m.th.Warn.Render("  nothing matches the filter: esc clears it"))
		return b.String()
	}
	end := min(m.offset+m.rows(), len(m.visible))
	cut := false
	titleW := 0
	for _, idx := range m.visible[m.offset:end] {
		titleW = max(titleW, lipgloss.Width(m.items[idx].Title))
	}
	for i := m.offset; i < end; i++ {
		it := m.items[m.visible[i]]
		cur := "  "
		if i == m.cursor {
			cur = m.th.Accent.Render("▸ ")
		}
		box := ""
		if m.multi {
			switch {
			case it.Locked:
				box = "[■] "
			case it.On:
				box = "[x] "
			default:
				box = "[ ] "
			}
		}
		title := it.Title + strings.Repeat(" ", titleW-lipgloss.Width(it.Title))
		if i == m.cursor {
			title = m.th.Accent.Render(title)
		}
		line := cur + box + title
		if it.Detail != "" {
			line += "  " + m.th.Subtle.Render(it.Detail)
		}
		if it.Note != "" {
			line += "  " + m.th.Warn.Render("("+it.Note+")")
		}
		if i == m.cursor && ansi.StringWidth(line) > m.width {
			cut = true
		}
		b.WriteString(ansi.Truncate(line, m.width, "…"))
		if i < end-1 {
			b.WriteString("\n")
		}
	}
	if end < len(m.visible) || m.offset > 0 {
		b.WriteString("\n" + m.th.Subtle.Render(fmt.Sprintf("  %d–%d of %d", m.offset+1, end, len(m.visible))))
	}
	if cut {
		// The highlighted row did not fit: say it whole underneath.
		b.WriteString("\n\n" + m.th.Subtle.Render(textfit.Words(m.DetailLine(), m.width-1)))
	}
	return b.String()
}

// DetailLine is the highlighted item said whole: its title, detail and
// note.
func (m Model) DetailLine() string {
	it, ok := m.Current()
	if !ok {
		return ""
	}
	s := it.Title
	if it.Detail != "" {
		s += ": " + strings.Join(strings.Fields(it.Detail), " ")
	}
	if it.Note != "" {
		s += " (" + it.Note + ")"
	}
	return s
}
