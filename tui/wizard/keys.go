package wizard

import "charm.land/bubbles/v2/key"

// KeyMap is the wizard's keys: the one source for the help line, the full
// help (?) and the key table in the docs.
type KeyMap struct {
	Next, Back, Toggle, Filter, Up, Down, Tab, Sort, Complete, Help, Quit key.Binding
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
		Tab:      key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next tab")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by size/name")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete folder")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// Table lists every key with what it does, for docs/wizard.md.
func (k KeyMap) Table() [][2]string {
	var out [][2]string
	for _, b := range []key.Binding{k.Next, k.Back, k.Up, k.Down, k.Toggle, k.Filter, k.Tab, k.Sort, k.Complete, k.Help, k.Quit} {
		out = append(out, [2]string{b.Help().Key, b.Help().Desc})
	}
	return out
}
