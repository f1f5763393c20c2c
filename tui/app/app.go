// Package app is ferry's one terminal app: the root model that owns the
// window size, the theme (chosen once by the caller and passed down), the
// side of the gap (prepare or import, chosen on the first screen), the
// quit confirmation, and the tea.View. Each side's steps live in their own
// package (tui/wizard for the connected side, tui/farside for the site);
// the root routes keys to the current step, draws the frame around it and
// the help from the step's key map. One tea.Program runs it all: choosing
// "import" switches sides in place, and the demo plays both sides in a row.
//
// Terminal is what the plain commands and the app share about the terminal
// they print to: colour (NO_COLOR, no colour at all), width, theme, whether
// to ask plain prompts instead (Accessible), and launching the program on
// it (Launch, or Play with no terminal; Walk chooses between them). Start
// is how ferry and ferry import begin a side: the plain prompts of
// tui/accessible where they are asked for, else the full screen, else
// ErrNoTerminal. Demo builds the app the demo plays.
package app

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ferry/themes"
	"ferry/tui/components/frame"
	"ferry/tui/components/jobs"
	"ferry/tui/components/textfit"
	"ferry/tui/farside"
	"ferry/tui/wizard"
)

// Side is a side of the gap.
type Side string

// The two sides.
const (
	// Prepare is the connected side; it starts on the question which side
	// the user is on.
	Prepare Side = "prepare"
	// Import is the site's side.
	Import Side = "import"
)

// Minimum terminal size.
const (
	MinWidth  = frame.MinWidth
	MinHeight = frame.MinHeight
)

// Options configure the app.
type Options struct {
	// Theme is the one theme every screen draws with.
	Theme themes.Theme
	// Side is where the app starts.
	Side Side
	// PrepareEngine and Prepare drive the connected side.
	PrepareEngine wizard.Engine
	Prepare       wizard.Options
	// ImportEngine and Import drive the site's side.
	ImportEngine farside.Engine
	Import       farside.Options
	// Demo goes on to the site's side when the connected side is done.
	Demo bool
	// Auto, when set, plays the walkthrough by itself at a presenter's
	// pace: every Auto it looks whether the current step is ready, and
	// presses its key once the screen has been shown long enough (longer
	// on the short code, each preview tab and the end). Space pauses and
	// resumes; → presses the key at once.
	Auto time.Duration
	// ReadyBundle, in the demo, writes a ready-made bundle and says where
	// it is, for a trainer who starts on the far side.
	ReadyBundle func(ctx context.Context) (string, error)
	// Tick makes the timers of progress and Auto (jobs.Tick when nil).
	Tick jobs.Ticker
}

// side is one side of the gap, as the root drives it.
type side interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	SetSize(w, h int)
	View() string
	Keys() help.KeyMap
	QuitKey() key.Binding
	HelpKey() key.Binding
	Typing() bool
	QuitQuestion() string
	Stop() (wait bool)
	Frame() frame.Frame
	Position() frame.Position
	Step() string
}

// Model is the root of the app.
type Model struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	help   help.Model

	width, height int
	side          Side
	prep          *wizard.Flow
	far           *farside.Flow
	// confirming is set while the quit question is asked.
	confirming bool
	// quitting is set once the user chose to quit and work is stopping.
	quitting bool

	// paused stops a walkthrough that plays itself; beat counts the ticks
	// the screen beatOn has been shown.
	paused bool
	beat   int
	beatOn string
	// seeding is set while the demo writes its ready-made bundle, and
	// seedErr says why it could not.
	seeding bool
	seedErr error
}

// New builds the app; ctx is the parent of every job's context.
func New(ctx context.Context, o Options) *Model {
	if o.Tick == nil {
		o.Tick = jobs.Tick
	}
	if o.Side == "" {
		o.Side = Prepare
	}
	o.Prepare.Tick, o.Import.Tick = o.Tick, o.Tick
	m := &Model{opts: o, help: help.New(), side: o.Side}
	m.ctx, m.cancel = context.WithCancel(ctx)
	m.help.Styles = help.DefaultStyles(o.Theme.Name != themes.Mono)
	if o.Side == Prepare {
		m.prep = wizard.New(m.ctx, o.PrepareEngine, o.Theme, o.Prepare)
	} else {
		m.far = farside.New(m.ctx, o.ImportEngine, o.Theme, o.Import)
	}
	return m
}

func (m *Model) active() side {
	if m.side == Import {
		return m.far
	}
	return m.prep
}

// Side is the side the app is on.
func (m *Model) Side() Side { return m.side }

// Step is the title of the current step.
func (m *Model) Step() string { return m.active().Step() }

// Prepare is the connected side (nil when the app started on the site's).
func (m *Model) Prepare() *wizard.Flow { return m.prep }

// Import is the site's side (nil until the app is on it).
func (m *Model) Import() *farside.Flow { return m.far }

// Init starts the current side and, with Auto, the walkthrough.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.active().Init(), m.auto())
}

// switchToImport moves to the site's side, inside the same program.
func (m *Model) switchToImport() tea.Cmd {
	m.side = Import
	if m.opts.Demo && m.prep != nil {
		if r := m.prep.Outcome().Result; r != nil {
			m.opts.Import.Path = r.Dir // the bundle just written
		}
	}
	if m.far == nil {
		m.far = farside.New(m.ctx, m.opts.ImportEngine, m.opts.Theme, m.opts.Import)
	}
	m.resize()
	m.help.ShowAll = false
	return m.far.Init()
}

func (m *Model) resize() {
	w, h := frame.ContentSize(m.width, m.height)
	if m.prep != nil {
		m.prep.SetSize(w, h)
	}
	if m.far != nil {
		m.far.SetSize(w, h)
	}
}

// Update handles the window, quitting, help and switching sides, and
// gives everything else to the current side.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.resize()
		return m, nil
	case wizard.ImportChosenMsg:
		if m.opts.Demo && m.opts.ReadyBundle != nil {
			return m, m.seedFirst()
		}
		return m, m.switchToImport()
	case seededMsg:
		return m, m.seeded(msg)
	case wizard.FinishedMsg:
		if m.opts.Demo {
			return m, m.switchToImport()
		}
		return m, m.quit()
	case farside.FinishedMsg:
		return m, m.quit()
	case autoMsg:
		return m, m.autoKey()
	case tea.KeyPressMsg:
		if cmd, ok := m.presenterKey(msg); ok {
			return m, cmd
		}
		return m, m.key(msg)
	}
	return m, m.active().Update(msg)
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	cur := m.active()
	if m.quitting {
		return nil
	}
	if m.seeding {
		if msg.String() == "ctrl+c" {
			return m.quit()
		}
		return nil
	}
	if m.confirming {
		m.confirming = false
		if k := msg.String(); k == "y" || k == "Y" {
			return m.quit()
		}
		return nil
	}
	k := msg.String()
	small := frame.TooSmall(m.width, m.height)
	switch {
	case k == "ctrl+c" || (key.Matches(msg, cur.QuitKey()) && (!cur.Typing() || small)):
		if cur.QuitQuestion() != "" {
			m.confirming = true
			return nil
		}
		return m.quit()
	case small:
		// Nothing on screen says what a key would do: only quitting acts.
		return nil
	case key.Matches(msg, cur.HelpKey()) && (!cur.Typing() || k == "f1"):
		m.help.ShowAll = !m.help.ShowAll
		return nil
	}
	return cur.Update(msg)
}

// quit stops every job; it quits now, or once the work that must report
// its end (a download) has stopped.
func (m *Model) quit() tea.Cmd {
	m.quitting = true
	wait := m.active().Stop()
	if m.side == Import && m.prep != nil {
		m.prep.Stop()
	}
	m.cancel()
	if wait {
		return nil
	}
	return tea.Quit
}

// View draws the frame around the current step, with the step's keys or
// the quit question at the bottom.
func (m *Model) View() tea.View {
	cur := m.active()
	footer := m.help.View(cur.Keys())
	if frame.TooSmall(m.width, m.height) {
		footer = ""
	} else if m.opts.Auto > 0 && !m.help.ShowAll {
		footer = m.autoFooter()
	}
	if m.confirming {
		footer = m.opts.Theme.Warn.Render(textfit.Words(cur.QuitQuestion(), max(1, m.width)))
	}
	f, p := cur.Frame(), cur.Position()
	body := cur.View()
	if m.seeding {
		w, _ := frame.ContentSize(m.width, m.height)
		body = m.seedingView(w)
	}
	v := tea.NewView(f.Render(m.width, m.height, p.Current, p.Done, p.RailExtra, body, footer))
	v.AltScreen = true
	v.WindowTitle = "ferry"
	if m.side == Import {
		v.WindowTitle = "ferry — import"
	}
	return v
}

// Run runs the app in one program until the user quits, and says how it
// ended: the command prints its summary from the Result once the full
// screen is gone, with no engine call after the exit.
func Run(ctx context.Context, o Options, popts ...tea.ProgramOption) (Result, error) {
	m := New(ctx, o)
	defer m.cancel()
	_, err := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx)}, popts...)...).Run()
	return m.Result(), err
}
