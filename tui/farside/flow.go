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

// keyMap is the far side's keys; every step shows them all, so the
// technician always sees the same line.
type keyMap struct{ Next, Back, Field, Toggle, Retry, Help, Quit key.Binding }

func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Back, k.Field, k.Toggle, k.Retry, k.Help, k.Quit}
}

func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Back}, {k.Field, k.Toggle}, {k.Retry}, {k.Help, k.Quit}}
}

// DefaultKeys are the far side's keys.
func DefaultKeys() help.KeyMap { return defaultKeys() }

func defaultKeys() keyMap {
	return keyMap{
		Next:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Field:  key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next field")),
		Toggle: key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "tick")),
		Retry:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
		Help:   key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit:   key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// New builds the far side; ctx is the app's, from which every job's
// context derives.
func New(ctx context.Context, eng Engine, th themes.Theme, o Options) *Flow {
	f := &Flow{eng: eng, th: th, opts: o, keys: defaultKeys(), jobs: jobs.New(ctx), tick: o.Tick, done: map[stepID]bool{}}
	if f.tick == nil {
		f.tick = jobs.Tick
	}
	f.find = newFindStep(f)
	f.code = &codeStep{helpKeys: helpKeys{f.keys}, f: f, read: &progress.Latest{}}
	f.where = newWhereStep(f)
	f.test = &testStep{helpKeys: helpKeys{f.keys}, f: f}
	f.load = &loadStep{helpKeys: helpKeys{f.keys}, f: f, pushed: &progress.Latest{}}
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
	case foundMsg, openedMsg:
		return f.find.Update(msg)
	case verifiedMsg:
		return f.code.Update(msg)
	case servingStartedMsg:
		return f.where.Update(msg)
	case checkedMsg:
		return f.test.Update(msg)
	case loadedMsg:
		return f.load.Update(msg)
	case configuredMsg:
		return f.configure.Update(msg)
	case tickMsg:
		if f.jobs.Running(jobVerify) || f.jobs.Running(jobImport) || f.where.serveStop != nil {
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

// QuitKey is the binding that quits.
func (f *Flow) QuitKey() key.Binding { return f.keys.Quit }

// HelpKey is the binding that shows every key.
func (f *Flow) HelpKey() key.Binding { return f.keys.Help }

// Typing says whether keys go to a text field or a filter.
func (f *Flow) Typing() bool {
	switch f.cur {
	case stepFind:
		return true
	case stepWhere:
		return f.where.mode == "load"
	case stepConfigure:
		return f.configure.platforms.Filtering()
	}
	return false
}

// QuitQuestion is what to ask before quitting, or "" when quitting loses
// nothing.
func (f *Flow) QuitQuestion() string {
	if f.where.serveStop != nil {
		return "Stop serving? Nodes still pulling will fail. y: stop · any other key: keep serving"
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
	f.cur = s
}

type tickMsg struct{}

// every re-reads progress a few times a second, never once per event.
func (f *Flow) every() tea.Cmd {
	return f.tick(100*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{} })
}

// helpKeys is embedded by every step: they all show the side's keys.
type helpKeys struct{ keys keyMap }

func (h helpKeys) ShortHelp() []key.Binding  { return h.keys.ShortHelp() }
func (h helpKeys) FullHelp() [][]key.Binding { return h.keys.FullHelp() }
