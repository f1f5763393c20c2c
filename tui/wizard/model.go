// Package wizard is ferry's full-screen wizard for the connected side: it
// walks the engineer from product to a finished bundle (product,
// architectures, version, modules, preview, destination, confirm,
// download, done). It renders workflow state and sends intent to the
// Engine; every call to the engine runs in a command.
package wizard

import (
	"context"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ferry/targets/catalog"
	"ferry/themes"
	"ferry/tui/components/frame"
	"ferry/tui/components/picker"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
)

// Minimum terminal size.
const (
	MinWidth  = frame.MinWidth
	MinHeight = frame.MinHeight
)

type stepID int

const (
	stepSide stepID = iota
	stepProduct
	stepArch
	stepVersion
	stepModules
	stepPreview
	stepDest
	stepConfirm
	stepDownload
	stepDone
)

var stepTitles = []string{"Side", "Product", "Architecture", "Version", "Modules", "Preview", "Destination", "Confirm", "Download", "Done"}

// Options tune the wizard.
type Options struct {
	// MachineArch is pre-selected on the architecture step.
	MachineArch string
	// Archs, when set, are pre-selected instead.
	Archs []string
	// Animate turns on the spinner (off in tests for stable screens).
	Animate bool
	// DefaultOutput pre-fills the destination.
	DefaultOutput string
	// Binary is the ferry executable copied beside the bundle.
	Binary string
	// Banner is shown in the header of every screen (the demo's).
	Banner string
	// Product, when set, is the target the product list starts on.
	Product string
}

// Model is the wizard's root: it owns the size, the theme, the current
// step and the answers so far.
type Model struct {
	eng  Engine
	opts Options
	th   themes.Theme
	keys KeyMap
	help help.Model

	width, height int
	step          stepID
	done          map[stepID]bool

	// answers
	target  *catalog.Target
	version string

	side, product, arch, versions, modules picker.Model
	// choice is "import" when the engineer chose the far side.
	choice string
	// heldBy remembers how a module was ticked before a dependency locked it.
	heldBy map[string]bool

	// module sizes, from a plan of every module
	sizes   *plan.Plan
	sizeErr error
	sizing  bool
	sizeKey string

	// preview
	plan      *plan.Plan
	planErr   error
	planning  bool
	planKey   string
	planState *planProgress
	tab       int
	bySize    bool
	// pfilter narrows the preview's tables; pfiltering while it is typed.
	pfilter    string
	pfiltering bool
	spin       int

	// destination
	dest     textinput.Model
	media    []Medium
	space    *prepare.Space
	spaceErr error

	// download
	cancel      context.CancelFunc
	run         *runState
	result      *prepare.Result
	runErr      error
	confirmQuit bool
	scroll      int
}

// New builds the wizard on an engine.
func New(eng Engine, th themes.Theme, opts Options) *Model {
	ti := textinput.New()
	ti.Prompt = "› "
	ti.Placeholder = "/media/usb or a folder"
	ti.SetValue(opts.DefaultOutput)
	st := ti.Styles()
	st.Cursor.Blink = false
	ti.SetStyles(st)
	m := &Model{eng: eng, opts: opts, th: th, keys: DefaultKeys(), help: help.New(), done: map[stepID]bool{}, dest: ti}
	m.help.Styles = help.DefaultStyles(th.Name != themes.Mono)
	m.side = picker.New([]picker.Item{
		{ID: "prepare", Title: "Prepare a bundle", Detail: "on this connected machine: choose, download, write to a stick"},
		{ID: "import", Title: "Import a bundle", Detail: "on the site: check the stick, load it, configure the mirrors"},
	}, false, th)
	var items []picker.Item
	for _, t := range eng.Catalog().Targets() {
		if t.Name == "custom" {
			continue
		}
		items = append(items, picker.Item{ID: t.Name, Title: t.Title, Detail: t.Name, On: t.Name == opts.Product})
	}
	m.product = picker.New(items, false, th)
	return m
}

// Choice says which side was chosen on the first screen, once the wizard
// has quit: "import" hands over to the far-side wizard.
func (m *Model) Choice() string { return m.choice }

// Init asks nothing of the terminal it cannot do without.
func (m *Model) Init() tea.Cmd { return nil }

// Messages, named for what happened.
type (
	sizesResolvedMsg struct {
		key  string
		plan *plan.Plan
		err  error
	}
	planResolvedMsg struct {
		key  string
		plan *plan.Plan
		err  error
	}
	planTickMsg     struct{}
	spaceCheckedMsg struct {
		path  string
		space prepare.Space
		err   error
	}
	mediaFoundMsg    []Medium
	downloadTickMsg  struct{}
	bundleWrittenMsg struct {
		res *prepare.Result
		err error
	}
)

// planProgress is what the planning goroutine shares with the screen,
// read on a timer so progress never floods the program.
type planProgress struct {
	mu          sync.Mutex
	done, total int
}

// Update routes a message to the current step.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.resize()
		return m, nil
	case sizesResolvedMsg:
		if msg.key == m.sizeKey {
			m.sizes, m.sizeErr, m.sizing = msg.plan, msg.err, false
			m.refreshModuleSizes()
		}
		return m, nil
	case planResolvedMsg:
		if msg.key == m.planKey {
			m.plan, m.planErr, m.planning = msg.plan, msg.err, false
		}
		return m, nil
	case planTickMsg:
		if m.planning {
			m.spin++
			return m, tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return planTickMsg{} })
		}
		return m, nil
	case spaceCheckedMsg:
		if msg.path == m.destPath() {
			if msg.err != nil {
				m.space, m.spaceErr = nil, msg.err
			} else {
				sp := msg.space
				m.space, m.spaceErr = &sp, nil
			}
		}
		return m, nil
	case mediaFoundMsg:
		m.media = msg
		return m, nil
	case downloadTickMsg:
		if m.step == stepDownload && m.result == nil && m.runErr == nil {
			return m, tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return downloadTickMsg{} })
		}
		return m, nil
	case bundleWrittenMsg:
		m.cancel = nil
		if msg.err != nil {
			m.runErr = msg.err
			if m.confirmQuit || errorsIsCanceled(msg.err) {
				return m, tea.Quit
			}
			return m, nil
		}
		m.result = msg.res
		m.done[stepDownload] = true
		m.step = stepDone
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	if m.step == stepDest {
		var cmd tea.Cmd
		m.dest, cmd = m.dest.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	filtering := (m.currentPicker() != nil && m.currentPicker().Filtering()) || (m.step == stepPreview && m.pfiltering)
	if m.confirmQuit {
		switch msg.String() {
		case "y", "Y":
			if m.cancel != nil {
				m.cancel()
				return m, nil // quit when the engine has stopped
			}
			return m, tea.Quit
		default:
			m.confirmQuit = false
		}
		return m, nil
	}
	switch {
	case msg.String() == "ctrl+c" || (key.Matches(msg, m.keys.Quit) && !filtering && m.step != stepDest):
		if m.cancel != nil {
			m.confirmQuit = true
			return m, nil
		}
		return m, tea.Quit
	case key.Matches(msg, m.keys.Help) && !filtering && m.step != stepDest:
		m.help.ShowAll = !m.help.ShowAll
		return m, nil
	}
	return m.stepKey(msg)
}

func (m *Model) currentPicker() *picker.Model {
	switch m.step {
	case stepSide:
		return &m.side
	case stepProduct:
		return &m.product
	case stepArch:
		return &m.arch
	case stepVersion:
		return &m.versions
	case stepModules:
		return &m.modules
	}
	return nil
}

// stepKey handles a key on the current step.
func (m *Model) stepKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if p := m.currentPicker(); p != nil {
		if p.Filtering() || (!key.Matches(msg, m.keys.Next) && !key.Matches(msg, m.keys.Back)) {
			np, used := p.Update(msg)
			*p = np
			if used {
				if m.step == stepModules {
					m.applyDependencies()
				}
				return m, nil
			}
		}
	}
	switch m.step {
	case stepPreview:
		if m.pfiltering {
			switch msg.String() {
			case "esc":
				m.pfiltering, m.pfilter = false, ""
			case "enter":
				m.pfiltering = false
			case "backspace":
				if r := []rune(m.pfilter); len(r) > 0 {
					m.pfilter = string(r[:len(r)-1])
				}
			default:
				m.pfilter += msg.Text
			}
			m.scroll = 0
			return m, nil
		}
		switch {
		case key.Matches(msg, m.keys.Filter):
			m.pfiltering = true
			return m, nil
		case key.Matches(msg, m.keys.Tab):
			if msg.String() == "shift+tab" {
				m.tab = (m.tab + 3) % 4
			} else {
				m.tab = (m.tab + 1) % 4
			}
			m.scroll = 0
			return m, nil
		case key.Matches(msg, m.keys.Sort):
			m.bySize = !m.bySize
			return m, nil
		case key.Matches(msg, m.keys.Down):
			m.scroll++
			return m, nil
		case key.Matches(msg, m.keys.Up):
			m.scroll = max(0, m.scroll-1)
			return m, nil
		}
	case stepDest:
		switch {
		case msg.String() == "tab":
			m.completeFolder()
			return m, m.checkSpace()
		case key.Matches(msg, m.keys.Next), key.Matches(msg, m.keys.Back):
		case msg.String() == "up" || msg.String() == "down":
			m.pickMedium(msg.String() == "down")
			return m, m.checkSpace()
		default:
			var cmd tea.Cmd
			m.dest, cmd = m.dest.Update(msg)
			return m, tea.Batch(cmd, m.checkSpace())
		}
	case stepDownload:
		switch {
		case key.Matches(msg, m.keys.Down):
			m.scroll++
		case key.Matches(msg, m.keys.Up):
			m.scroll = max(0, m.scroll-1)
		}
		if m.runErr != nil && key.Matches(msg, m.keys.Back) {
			m.runErr = nil
			m.step = stepConfirm
		}
		return m, nil
	case stepDone:
		if key.Matches(msg, m.keys.Next) {
			return m, tea.Quit
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, m.keys.Next):
		return m.next()
	case key.Matches(msg, m.keys.Back):
		return m.back()
	}
	return m, nil
}

// next validates the current step and moves on.
func (m *Model) next() (tea.Model, tea.Cmd) {
	switch m.step {
	case stepSide:
		if c := m.side.Chosen(); len(c) == 1 && c[0] == "import" {
			m.choice = "import"
			return m, tea.Quit
		}
		m.go_(stepProduct)
	case stepProduct:
		it, ok := m.product.Current()
		if !ok {
			return m, nil
		}
		t, err := m.eng.Catalog().Target(it.ID)
		if err != nil {
			return m, nil
		}
		if m.target == nil || m.target.Name != t.Name {
			m.target = t
			m.buildArch()
			m.buildVersions()
			m.modules = picker.Model{}
			m.heldBy = nil
		}
		m.go_(stepArch)
	case stepArch:
		if len(m.arch.Chosen()) == 0 {
			return m, nil
		}
		if len(m.target.Versions) == 0 {
			m.version = ""
			m.buildModules()
			m.go_(stepModules)
			return m, m.sizeModules()
		}
		m.go_(stepVersion)
	case stepVersion:
		v := m.versions.Chosen()
		if len(v) == 0 {
			return m, nil
		}
		if v[0] != m.version || len(m.modules.Items()) == 0 {
			m.version = v[0]
			m.buildModules()
		}
		m.go_(stepModules)
		return m, m.sizeModules()
	case stepModules:
		m.go_(stepPreview)
		return m, m.startPlan()
	case stepPreview:
		if m.plan == nil || len(m.plan.Errors) > 0 {
			return m, nil
		}
		m.go_(stepDest)
		m.dest.Focus()
		return m, tea.Batch(m.findMedia(), m.checkSpace())
	case stepDest:
		if m.destPath() == "" || m.space == nil || !m.fits() {
			return m, m.checkSpace()
		}
		m.go_(stepConfirm)
	case stepConfirm:
		m.go_(stepDownload)
		return m, m.startDownload()
	}
	return m, nil
}

func (m *Model) go_(s stepID) {
	m.done[m.step] = true
	m.step = s
	m.scroll = 0
	m.resize()
}

// back goes one step back, keeping every answer.
func (m *Model) back() (tea.Model, tea.Cmd) {
	switch m.step {
	case stepSide, stepDownload, stepDone:
		return m, nil
	case stepModules:
		if m.target != nil && len(m.target.Versions) == 0 {
			m.step = stepArch
			return m, nil
		}
	}
	m.step--
	m.scroll = 0
	m.dest.Blur()
	return m, nil
}

func (m *Model) resize() {
	w, h := m.contentSize()
	for _, p := range []*picker.Model{&m.side, &m.product, &m.arch, &m.versions, &m.modules} {
		p.SetSize(w, h-4)
	}
	m.dest.SetWidth(max(20, w-4))
}

// contentSize is the room right of the rail, between header and footer.
func (m *Model) contentSize() (int, int) { return frame.ContentSize(m.width, m.height) }

// View draws header, rail, the step and the key help.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "ferry"
	return v
}

func (m *Model) render() string {
	footer := m.help.View(m.stepKeys())
	if m.confirmQuit {
		footer = m.th.Warn.Render("Stop the download? Running ferry again resumes where it stopped. y: stop · any other key: go on")
	}
	w, h := m.contentSize()
	f := frame.Frame{Theme: m.th, Title: "prepare a bundle", Banner: m.opts.Banner, Steps: stepTitles}
	return f.Render(m.width, m.height, int(m.step), func(i int) bool { return m.done[stepID(i)] }, m.railExtra(), m.stepView(w, h), footer)
}

// railExtra is the selection so far, under the steps.
func (m *Model) railExtra() string {
	if m.target == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + m.th.Subtle.Render(m.target.Name))
	if m.version != "" && m.step > stepVersion {
		b.WriteString(m.th.Subtle.Render(" " + m.version))
	}
	if m.step > stepArch {
		b.WriteString("\n" + m.th.Subtle.Render(strings.Join(m.arch.Chosen(), ", ")))
	}
	return b.String()
}

// stepKeys is the help for the current step.
func (m *Model) stepKeys() help.KeyMap {
	k := m.keys
	switch m.step {
	case stepSide, stepProduct, stepVersion:
		return keyHelp{[]key.Binding{k.Next, k.Back, k.Up, k.Down, k.Filter, k.Help, k.Quit}, [][]key.Binding{{k.Next, k.Back}, {k.Up, k.Down}, {k.Filter}, {k.Help, k.Quit}}}
	case stepArch, stepModules:
		return keyHelp{[]key.Binding{k.Toggle, k.Next, k.Back, k.Filter, k.Help, k.Quit}, [][]key.Binding{{k.Toggle, k.Next, k.Back}, {k.Up, k.Down}, {k.Filter}, {k.Help, k.Quit}}}
	case stepPreview:
		return keyHelp{[]key.Binding{k.Next, k.Back, k.Tab, k.Sort, k.Filter, k.Help, k.Quit}, [][]key.Binding{{k.Next, k.Back}, {k.Tab, k.Sort, k.Filter}, {k.Up, k.Down}, {k.Help, k.Quit}}}
	case stepDest:
		return keyHelp{[]key.Binding{k.Next, k.Back, k.Complete, k.Up, k.Down}, [][]key.Binding{{k.Next, k.Back}, {k.Complete, k.Up, k.Down}}}
	case stepDownload:
		return keyHelp{[]key.Binding{k.Up, k.Down, k.Quit}, [][]key.Binding{{k.Up, k.Down}, {k.Quit}}}
	case stepDone:
		return keyHelp{[]key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "quit"))}, nil}
	}
	return keyHelp{[]key.Binding{k.Next, k.Back, k.Help, k.Quit}, [][]key.Binding{{k.Next, k.Back}, {k.Help, k.Quit}}}
}

// Step names the current step.
func (m *Model) Step() string { return stepTitles[m.step] }

// Ready says whether enter would move on from the current step now (what
// a scripted walkthrough waits for).
func (m *Model) Ready() bool {
	switch m.step {
	case stepModules:
		return !m.sizing
	case stepPreview:
		return m.plan != nil && len(m.plan.Errors) == 0
	case stepDest:
		return m.space != nil && m.fits()
	case stepDownload:
		return false
	case stepDone:
		return m.result != nil
	}
	return true
}
