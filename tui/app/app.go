// Package app is ferry's one terminal app: the root model that owns the
// window size, the theme (chosen once by the caller and passed down), the
// side of the gap (prepare or import, chosen on the first screen), the
// quit confirmation, and the tea.View. Each side's steps live in their own
// package (tui/wizard for the connected side, tui/farside for the site);
// the root routes keys to the current step, draws the frame around it and
// the help from the step's key map. One tea.Program runs it all: choosing
// "import" switches sides in place, and the demo plays both sides in a row.
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
	// Auto, when set, plays the walkthrough by itself: every Auto it
	// presses the key the current step is ready for.
	Auto time.Duration
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
}

// autoMsg asks a walkthrough that plays itself for its next key.
type autoMsg struct{}

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

func (m *Model) auto() tea.Cmd {
	if m.opts.Auto <= 0 {
		return nil
	}
	return m.opts.Tick(m.opts.Auto, func(time.Time) tea.Msg { return autoMsg{} })
}

// switchToImport moves to the site's side, inside the same program.
func (m *Model) switchToImport() tea.Cmd {
	m.side = Import
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
		return m, m.switchToImport()
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
		return m, m.key(msg)
	}
	return m, m.active().Update(msg)
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	cur := m.active()
	if m.quitting {
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

// ready is the key the current step is ready for, if any.
func (m *Model) ready() (string, bool) {
	if m.side == Import {
		return m.far.Ready()
	}
	if m.prep.Ready() {
		return "enter", true
	}
	return "", false
}

// autoKey presses the key the current step is ready for and asks again
// later.
func (m *Model) autoKey() tea.Cmd {
	k, ok := m.ready()
	if !ok || m.quitting {
		return m.auto()
	}
	var msg tea.KeyPressMsg
	switch k {
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	case "space":
		msg = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	default:
		msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
	}
	return tea.Batch(m.key(msg), m.auto())
}

// View draws the frame around the current step, with the step's keys or
// the quit question at the bottom.
func (m *Model) View() tea.View {
	cur := m.active()
	footer := m.help.View(cur.Keys())
	if frame.TooSmall(m.width, m.height) {
		footer = ""
	}
	if m.confirming {
		footer = m.opts.Theme.Warn.Render(textfit.Words(cur.QuitQuestion(), max(1, m.width)))
	}
	f, p := cur.Frame(), cur.Position()
	v := tea.NewView(f.Render(m.width, m.height, p.Current, p.Done, p.RailExtra, cur.View(), footer))
	v.AltScreen = true
	v.WindowTitle = "ferry"
	if m.side == Import {
		v.WindowTitle = "ferry — import"
	}
	return v
}

// Run runs the app in one program until the user quits; it returns the
// app, to read where it ended.
func Run(ctx context.Context, o Options, popts ...tea.ProgramOption) (*Model, error) {
	m := New(ctx, o)
	defer m.cancel()
	_, err := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx)}, popts...)...).Run()
	return m, err
}
