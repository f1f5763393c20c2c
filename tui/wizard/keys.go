package wizard

import "charm.land/bubbles/v2/key"

// KeyMap is the wizard's keys: the one source for the help line, the full
// help (?) and the key table in the docs.
type KeyMap struct {
	Next, Back, Toggle, Filter, Up, Down, Move, Tab, Sort, Complete, Have, Help, Quit key.Binding
	// TypingHelp and TypingQuit are what act while a text field or a
	// filter has the keys (where ? and q are text).
	TypingHelp, TypingQuit key.Binding
}

// DefaultKeys are the wizard's keys.
func DefaultKeys() KeyMap {
	return KeyMap{
		Next:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Toggle:   key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("space", "tick")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Move:     key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move")),
		Tab:      key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next tab")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete folder")),
		Have:     key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "what the site already has (preview)")),
		Help:     key.NewBinding(key.WithKeys("?", "f1"), key.WithHelp("?", "all keys")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		TypingHelp: key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "all keys")),
		TypingQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// withHelp is b described otherwise, for a step where it does something
// more precise.
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// Table lists every key with what it does, for docs/wizard.md.
func (k KeyMap) Table() [][2]string {
	var out [][2]string
	for _, b := range []key.Binding{k.Next, k.Back, k.Up, k.Down, k.Toggle, k.Filter, k.Tab, k.Sort, k.Complete, k.Have, k.Help, k.TypingHelp, k.Quit, k.TypingQuit} {
		desc := b.Help().Desc
		switch b.Help().Key {
		case "tab":
			desc += " (preview)"
			if b.Help().Desc == "complete folder" {
				desc = "complete folder (destination)"
			}
		case "f1", "ctrl+c":
			desc += " (also while typing in a field or filter)"
		case "s":
			desc = "sort by size or name (preview)"
		case "q":
			desc = "quit, asking first if answers or a download would be lost"
		}
		out = append(out, [2]string{b.Help().Key, desc})
	}
	return out
}
