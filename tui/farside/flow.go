// Package farside is the disconnected side of ferry's terminal app: the
// steps that walk a technician from the USB stick to working mirrors —
// find the bundle, check its code and verify it, say where it goes, test
// the connection, load it, write the mirror configuration — telling them
// at each step what is happening, what to type and what to do when
// something fails. Each step is a component; Flow holds what they share
// and moves between them. The app root (tui/app) owns the window, the
// theme and quitting, and builds the view.
package farside

import (
	"context"
	"ferry/tui/components/progress"
	"ferry/workflow/session"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ferry/artifacts/bundle"
	"ferry/themes"
	"ferry/tui/components/frame"
	"ferry/tui/components/jobs"
	"ferry/tui/components/textfit"
	"ferry/workflow/importer"
)

type stepID int

const (
	stepFind stepID = iota
	stepCode
	stepWhere
	stepTest
	stepLoad
	stepConfigure
	stepDone
)

var stepTitles = []string{"Find the bundle", "Check the code", "Where it goes", "Test connection", "Load", "Configure", "Done"}

// Names of the jobs a Flow runs, each with its own cancel.
const (
	jobVerify    = "verify"
	jobPreflight = "preflight"
	jobImport    = "import"
	jobServe     = "serve"
	jobConfigure = "configure"
)

// Options tune the far side.
type Options struct {
	// Path pre-fills the bundle's location.
	Path string
	// Destination pre-fills where it goes (the demo uses it).
	Destination session.Destination
	// ConfigDir is where mirror configuration is written.
	ConfigDir string
	// Banner is shown above every screen (the demo's).
	Banner string
	// Tick makes the timers that re-read progress (jobs.Tick when nil).
	Tick jobs.Ticker
}

// step is one screen of the far side.
type step interface {
	help.KeyMap
	SetSize(w, h int)
	Update(msg tea.Msg) tea.Cmd
	View() string
}

// FinishedMsg says the technician left the done screen.
type FinishedMsg struct{}

// Flow is the far side: its steps and what they share.
type Flow struct {
	eng  Engine
	th   themes.Theme
	opts Options
	keys keyMap
	jobs *jobs.Set
	tick jobs.Ticker

	width, height int
	cur           stepID
	done          map[stepID]bool
	// expanded shows the current step's error whole instead of its first
	// lines.
	expanded bool

	bundle *bundle.Bundle
	report *importer.Report

	find      *findStep
	code      *codeStep
	where     *whereStep
	test      *testStep
	load      *loadStep
	configure *configureStep
	finish    *doneStep
}

// keyMap is every key of the far side; each step shows only the ones that
// act on it (its own ShortHelp and FullHelp), and the technician guide's
// key table is made from Table.
type keyMap struct {
	Next, Open, Back, Field, List, Up, Down, Move, Toggle, Yes, No, Retry, Rescan, Expand, Filter, Help, TypingHelp, Quit, TypingQuit key.Binding
}

// DefaultKeys are the far side's keys.
func DefaultKeys() help.KeyMap { return defaultKeys() }

func defaultKeys() keyMap {
	return keyMap{
		Next:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Field:      key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next field")),
		List:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "type a path")),
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "down")),
		Move:       key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move")),
		Toggle:     key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "tick")),
		Yes:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "codes match")),
		No:         key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "codes differ")),
		Retry:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "try again")),
		Rescan:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "look again")),
		Expand:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "whole error")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Help:       key.NewBinding(key.WithKeys("?", "f1"), key.WithHelp("?", "all keys")),
		TypingHelp: key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "all keys")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		TypingQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// ShortHelp is every key, for a map that is not a step's.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Back, k.Field, k.Toggle, k.Yes, k.No, k.Retry, k.Help, k.Quit}
}

// FullHelp is every key, grouped.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Back}, {k.Up, k.Down, k.Field, k.Toggle}, {k.Yes, k.No, k.Retry, k.Rescan, k.Expand}, {k.Filter, k.Help, k.Quit}}
}

// Table lists every key of the far side with what it does on which
// step, for docs/technician-guide.md.
func Table() [][2]string {
	k := defaultKeys()
	rows := []struct {
		b     key.Binding
		where string
	}{
		{k.Next, "every step: go on (open the bundle, load, finish)"},
		{k.Back, "every step after the first: go back, keeping your answers; while a node loads: stop"},
		{k.Move, "lists: move the highlight"},
		{k.Field, "Where it goes: next field (shift+tab: the one before)"},
		{k.List, "Find the bundle: between the bundles found and the path field"},
		{k.Toggle, "Configure: tick; Where it goes: Plain HTTP on or off"},
		{k.Yes, "Check the code: the codes are the same, check the bundle"},
		{k.No, "Check the code: the codes differ, find another bundle"},
		{k.Rescan, "Find the bundle: look again (a stick plugged in later)"},
		{k.Retry, "Test connection, Load: try again"},
		{k.Expand, "where an error is cut short: show all of it"},
		{k.Filter, "Configure: filter the list"},
		{k.Help, "all keys of the step (f1 while typing in a field)"},
		{k.Quit, "quit, asking first if work would be lost (ctrl+c while typing)"},
	}
	out := make([][2]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, [2]string{r.b.Help().Key, r.where})
	}
	return out
}

// New builds the far side; ctx is the app's, from which every job's
// context derives.
func New(ctx context.Context, eng Engine, th themes.Theme, o Options) *Flow {
	f := &Flow{eng: eng, th: th, opts: o, keys: defaultKeys(), jobs: jobs.New(ctx), tick: o.Tick, done: map[stepID]bool{}}
	if f.tick == nil {
		f.tick = jobs.Tick
	}
	f.find = newFindStep(f)
	f.code = &codeStep{f: f, read: &progress.Latest{}}
	f.where = newWhereStep(f)
	f.test = &testStep{f: f}
	f.load = &loadStep{f: f, pushed: &progress.Latest{}}
	f.configure = newConfigureStep(f)
	f.finish = newDoneStep(f)
	return f
}

func (f *Flow) steps() []step {
	return []step{f.find, f.code, f.where, f.test, f.load, f.configure, f.finish}
}

func (f *Flow) current() step { return f.steps()[f.cur] }

// Init looks for bundles on mounted media.
func (f *Flow) Init() tea.Cmd { return f.find.look() }

// SetSize gives the steps the room right of the rail.
func (f *Flow) SetSize(w, h int) {
	f.width, f.height = w, h
	for _, s := range f.steps() {
		s.SetSize(w, h)
	}
}

// Update routes a result to the step that asked for it and a key to the
// current step.
func (f *Flow) Update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case foundMsg, openedMsg, keyTrustedMsg:
		return f.find.Update(msg)
	case verifiedMsg:
		return f.code.Update(msg)
	case servingStartedMsg, caDueMsg, caCheckedMsg, rootMsg, nodeLoadedMsg:
		return f.where.Update(msg)
	case checkedMsg:
		return f.test.Update(msg)
	case loadedMsg:
		return f.load.Update(msg)
	case configuredMsg:
		return f.configure.Update(msg)
	case tickMsg:
		if f.jobs.Running(jobVerify) || f.jobs.Running(jobImport) || f.jobs.Running(jobLoadNode) || f.where.serveStop != nil {
			return f.every()
		}
		return nil
	case tea.KeyPressMsg:
		return f.current().Update(msg)
	}
	return nil
}

// View draws the current step.
func (f *Flow) View() string { return f.current().View() }

// Keys is the current step's key map.
func (f *Flow) Keys() help.KeyMap { return f.current() }

// QuitKey is the binding that quits: q and ctrl+c, or ctrl+c alone while
// a text field has the keys.
func (f *Flow) QuitKey() key.Binding {
	if f.Typing() {
		return f.keys.TypingQuit
	}
	return f.keys.Quit
}

// HelpKey is the binding that shows every key.
func (f *Flow) HelpKey() key.Binding { return f.keys.Help }

// Typing says whether keys go to a text field or a filter.
func (f *Flow) Typing() bool {
	switch f.cur {
	case stepFind:
		return f.find.typing()
	case stepWhere:
		return (f.where.mode == "load" && f.where.focus != fInsecure) || (f.where.mode == "" && f.where.modes.Filtering()) || (f.where.mode == "node" && f.where.node.typing())
	case stepConfigure:
		return f.configure.platforms.Filtering()
	}
	return false
}

// QuitQuestion is what to ask before quitting, or "" when quitting loses
// nothing. Each fits whole on the smallest window (80 columns).
func (f *Flow) QuitQuestion() string {
	switch {
	case f.where.serveStop != nil:
		return "Stop serving? Nodes still pulling fail. y: stop · any other key: keep serving"
	case f.jobs.Running(jobImport), f.jobs.Running(jobLoadNode):
		return "Stop loading? Running it again continues. y: stop · any other key: keep going"
	case f.cur == stepWhere && f.where.nodeLoaded():
		return ""
	case f.jobs.Running(jobVerify):
		return "Stop the check? y: stop · any other key: keep going"
	case f.cur > stepFind && f.cur < stepDone:
		return "Quit? Running ferry import again is safe. y: quit · any other key: keep going"
	}
	return ""
}

// Stop cancels every running job and stops serving; nothing needs waiting
// for.
func (f *Flow) Stop() (wait bool) {
	f.jobs.CancelAll()
	f.where.stopServing()
	return false
}

// Frame is the layout of the far side's screens.
func (f *Flow) Frame() frame.Frame {
	return frame.Frame{Theme: f.th, Title: "import a bundle", Banner: f.opts.Banner, Steps: stepTitles}
}

// Position is the current step and the done ones.
func (f *Flow) Position() frame.Position {
	return frame.Position{Current: int(f.cur), Done: func(i int) bool { return f.done[stepID(i)] }}
}

// Step is the current step's title, for tests and the demo.
func (f *Flow) Step() string { return stepTitles[f.cur] }

// Destination is what the technician typed.
func (f *Flow) Destination() session.Destination { return f.where.destination() }

// Ready says whether the current step can move on now, and the key that
// does it (what a scripted walkthrough presses).
func (f *Flow) Ready() (string, bool) {
	switch f.cur {
	case stepFind:
		return "enter", f.find.path() != ""
	case stepCode:
		return "y", !f.jobs.Running(jobVerify) && f.code.err == nil
	case stepWhere:
		return "enter", true
	case stepTest:
		return "enter", !f.jobs.Running(jobPreflight) && f.test.err == nil && len(f.test.checks) > 0
	case stepLoad:
		return "", false
	case stepConfigure:
		c := f.configure
		if c.results != nil {
			return "enter", true
		}
		if c.running {
			return "", false
		}
		if len(c.platforms.Chosen()) == 0 {
			return "space", true // the first platform
		}
		return "enter", true
	case stepDone:
		return "enter", f.report != nil
	}
	return "", false
}

// next moves on to s, marking the current step done.
func (f *Flow) next(s stepID) {
	f.done[f.cur] = true
	f.setStep(s)
}

// errLines is how many lines of an error a step shows before e shows all.
const errLines = 3

// errText wraps an error's sentence to w; unless expanded, it keeps the
// first lines and says how to see the rest. It says whether it cut.
func (f *Flow) errText(msg string, w int) (string, bool) {
	wrapped := textfit.Words(msg, w)
	if f.expanded {
		return f.th.Error.Render(wrapped), false
	}
	cut, more := textfit.Lines(wrapped, errLines)
	if more {
		cut += "…"
		return f.th.Error.Render(cut) + "\n" + f.th.Subtle.Render("e shows the whole error"), true
	}
	return f.th.Error.Render(cut), false
}

// expandKey toggles the whole error on e; it says whether it did.
func (f *Flow) expandKey(msg tea.KeyPressMsg) bool {
	if key.Matches(msg, f.keys.Expand) {
		f.expanded = !f.expanded
		return true
	}
	return false
}

type tickMsg struct{}

// every re-reads progress a few times a second, never once per event.
func (f *Flow) every() tea.Cmd {
	return f.tick(100*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{} })
}

// help is the end of every step's help line: all keys, and quit.
func (f *Flow) helpQuit() []key.Binding {
	if f.Typing() {
		return []key.Binding{f.keys.TypingHelp, f.keys.TypingQuit}
	}
	return []key.Binding{f.keys.Help, f.keys.Quit}
}

// short is a step's help line: its own keys, then help and quit.
func (f *Flow) short(b ...key.Binding) []key.Binding { return append(b, f.helpQuit()...) }

// full is a step's full help: its own keys in groups, then help and quit.
func (f *Flow) full(groups ...[]key.Binding) [][]key.Binding {
	return append(groups, f.helpQuit())
}

// next moves on, forgetting that an error was shown whole.
func (f *Flow) setStep(s stepID) {
	f.cur = s
	f.expanded = false
}
