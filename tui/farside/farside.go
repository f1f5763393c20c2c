// Package farside is the wizard for the disconnected side: it walks a
// technician from the USB stick to working mirrors — find the bundle, check
// its code and verify it, say where it goes, test the connection, load it,
// write the mirror configuration — telling them at each step what is
// happening, what to type and what to do when something fails.
package farside

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"ferry/artifacts/bundle"
	"ferry/artifacts/push"
	"ferry/artifacts/size"
	"ferry/targets/mirrorconfig"
	"ferry/themes"
	"ferry/tui/components/frame"
	"ferry/tui/components/picker"
	"ferry/workflow/importer"
)

// Destination is where the bundle goes, as the technician typed it.
type Destination struct {
	Registry           string // host[:port][/prefix]
	Username, Password string
	CAFile             string
	Insecure           bool
	// MavenURL is the site's Maven repository; MavenDir a folder to copy
	// the Maven files into instead.
	MavenURL      string
	MavenDir      string
	MavenUser     string
	MavenPassword string
}

// Found is a bundle found on mounted media.
type Found struct {
	Path  string
	Index bundle.Index
	// Present counts the parts that are there with the right size.
	Present int
}

// Engine is what the far-side wizard asks of the workflow; every call runs
// in a command.
type Engine interface {
	Find() []Found
	Open(path string) (*bundle.Bundle, error)
	Verify(ctx context.Context, b *bundle.Bundle, progress func(read int64)) error
	Preflight(ctx context.Context, d Destination) ([]push.Check, error)
	Import(ctx context.Context, b *bundle.Bundle, d Destination, progress func(push.Event)) (*importer.Report, error)
	Configure(b *bundle.Bundle, d Destination, platforms []string, dir string) ([]*mirrorconfig.Result, error)
	// Serve serves the bundle as a read-only registry on listen until stop
	// is called; pulls counts the manifests served so far.
	Serve(b *bundle.Bundle, listen string) (addr string, pulls func() int64, stop func(), err error)
}

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

// Options tune the far-side wizard.
type Options struct {
	// Path pre-fills the bundle's location.
	Path string
	// Destination pre-fills where it goes (the demo uses it).
	Destination Destination
	// ConfigDir is where mirror configuration is written.
	ConfigDir string
	// Banner is shown above every screen (the demo's).
	Banner string
	// Tick is how often progress is read while work runs (default 100ms).
	Tick time.Duration
}

// Model is the far-side wizard's root.
type Model struct {
	eng    Engine
	th     themes.Theme
	opts   Options
	help   help.Model
	keys   keyMap
	width  int
	height int
	step   stepID
	done   map[stepID]bool

	path    textinput.Model
	found   []Found
	bundle  *bundle.Bundle
	openErr error

	verifying bool
	verified  bool
	verifyErr error
	read      *progressBox

	fields []textinput.Model
	focus  int

	checks   []push.Check
	checkErr error
	testing  bool

	loading bool
	loadErr error
	report  *importer.Report
	pushed  *progressBox

	// mode is "" until chosen on the "where it goes" step: "load" or "serve".
	mode      string
	modes     picker.Model
	serveAddr string
	servePull func() int64
	serveStop func()
	serveErr  error
	confirm   bool

	platforms picker.Model
	results   []*mirrorconfig.Result
	stepCur   int          // the step under the cursor, across platforms
	stepDone  map[int]bool // steps the technician ticked
	confErr   error
	scroll    int
}

type keyMap struct{ Next, Back, Field, Toggle, Retry, Help, Quit key.Binding }

func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Back, k.Field, k.Toggle, k.Retry, k.Help, k.Quit}
}
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Back}, {k.Field, k.Toggle}, {k.Retry}, {k.Help, k.Quit}}
}

// progressBox is shared with a worker and read on a timer.
type progressBox struct {
	mu          sync.Mutex
	done, total int64
}

func (p *progressBox) set(done, total int64) {
	p.mu.Lock()
	p.done, p.total = done, total
	p.mu.Unlock()
}

func (p *progressBox) get() (int64, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done, p.total
}

// Field order on the "where it goes" step.
const (
	fRegistry = iota
	fUser
	fPass
	fCA
	fInsecure
	fMaven
	fMavenUser
	fMavenPass
)

var fieldLabels = []string{"Registry address", "Username", "Password", "CA file", "Plain HTTP (y/n)", "Maven URL or folder", "Maven username", "Maven password"}

// New builds the far-side wizard.
func New(eng Engine, th themes.Theme, o Options) *Model {
	m := &Model{eng: eng, th: th, opts: o, help: help.New(), done: map[stepID]bool{}, read: &progressBox{}, pushed: &progressBox{}}
	m.keys = keyMap{
		Next:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Field:  key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next field")),
		Toggle: key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "tick")),
		Retry:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
		Help:   key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit:   key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
	m.help.Styles = help.DefaultStyles(th.Name != themes.Mono)
	noBlink := func(ti *textinput.Model) {
		st := ti.Styles()
		st.Cursor.Blink = false
		ti.SetStyles(st)
	}
	m.path = textinput.New()
	noBlink(&m.path)
	m.path.Prompt = "› "
	m.path.SetValue(o.Path)
	m.path.Focus()
	d := o.Destination
	vals := []string{d.Registry, d.Username, d.Password, d.CAFile, yn(d.Insecure), d.MavenURL, d.MavenUser, d.MavenPassword}
	for i, v := range vals {
		ti := textinput.New()
		noBlink(&ti)
		ti.Prompt = ""
		ti.SetValue(v)
		if i == fPass || i == fMavenPass {
			ti.EchoMode = textinput.EchoPassword
		}
		m.fields = append(m.fields, ti)
	}
	var items []picker.Item
	for _, p := range mirrorconfig.Platforms {
		items = append(items, picker.Item{ID: p, Title: p, Detail: platformText[p]})
	}
	m.platforms = picker.New(items, true, th)
	m.modes = picker.New([]picker.Item{
		{ID: "load", Title: "Load it into the site's registry", Detail: "and Maven repository; then configure the machines"},
		{ID: "serve", Title: "There is no registry here", Detail: "serve the bundle from this machine as a read-only registry"},
	}, false, th)
	if o.Destination.Registry != "" || o.Destination.MavenURL != "" {
		m.mode = "load"
	}
	return m
}

var platformText = map[string]string{
	"openshift":     "OpenShift clusters (ImageDigestMirrorSet)",
	"crio":          "CRI-O hosts (registries.conf.d)",
	"podman":        "Podman hosts (registries.conf.d)",
	"containerd":    "containerd nodes (hosts.toml)",
	"docker":        "Docker hosts (daemon.json, Docker Hub only)",
	"eks-anywhere":  "EKS Anywhere clusters",
	"maven":         "Maven builds (settings.xml)",
	"gradle":        "Gradle builds (init script)",
	"registry-less": "OpenShift nodes without a registry",
}

func yn(b bool) string {
	if b {
		return "y"
	}
	return "n"
}

// Messages.
type (
	foundMsg  []Found
	openedMsg struct {
		b   *bundle.Bundle
		err error
	}
	verifiedMsg struct{ err error }
	checkedMsg  struct {
		checks []push.Check
		err    error
	}
	loadedMsg struct {
		rep *importer.Report
		err error
	}
	configuredMsg struct {
		res []*mirrorconfig.Result
		err error
	}
	tickMsg struct{}
)

// Init looks for bundles on mounted media.
func (m *Model) Init() tea.Cmd {
	eng := m.eng
	return func() tea.Msg { return foundMsg(eng.Find()) }
}

// tick re-reads progress a few times a second, never once per event.
func (m *Model) tick() tea.Cmd {
	d := m.opts.Tick
	if d <= 0 {
		d = 100 * time.Millisecond
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{} })
}

// Destination is what the technician typed.
func (m *Model) Destination() Destination {
	v := func(i int) string { return strings.TrimSpace(m.fields[i].Value()) }
	d := Destination{Registry: v(fRegistry), Username: v(fUser), Password: m.fields[fPass].Value(), CAFile: v(fCA),
		Insecure: strings.HasPrefix(strings.ToLower(v(fInsecure)), "y"), MavenURL: v(fMaven), MavenUser: v(fMavenUser), MavenPassword: m.fields[fMavenPass].Value()}
	if d.MavenURL != "" && !strings.Contains(d.MavenURL, "://") {
		d.MavenDir, d.MavenURL = d.MavenURL, "" // a folder, not a URL
	}
	return d
}

// Step is the current step's title, for tests and the demo.
func (m *Model) Step() string { return stepTitles[m.step] }

// Update routes messages.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		w, h := frame.ContentSize(msg.Width, msg.Height)
		m.platforms.SetSize(w, max(5, h-7))
		return m, nil
	case foundMsg:
		m.found = msg
		if m.path.Value() == "" && len(msg) > 0 {
			m.path.SetValue(msg[0].Path)
		}
		return m, nil
	case openedMsg:
		m.bundle, m.openErr = msg.b, msg.err
		if msg.err == nil {
			m.next(stepCode)
		}
		return m, nil
	case verifiedMsg:
		m.verifying, m.verifyErr, m.verified = false, msg.err, msg.err == nil
		if msg.err == nil {
			m.next(stepWhere)
			m.fields[m.focus].Focus()
		}
		return m, nil
	case checkedMsg:
		m.testing, m.checks, m.checkErr = false, msg.checks, msg.err
		return m, nil
	case loadedMsg:
		m.loading, m.report, m.loadErr = false, msg.rep, msg.err
		if msg.err == nil {
			m.next(stepConfigure)
		}
		return m, nil
	case configuredMsg:
		m.results, m.confErr = msg.res, msg.err
		return m, nil
	case tickMsg:
		if m.verifying || m.loading || m.serveStop != nil {
			return m, m.tick()
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) next(s stepID) {
	m.done[m.step] = true
	m.step = s
	m.scroll = 0
}

func (m *Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := msg.String()
	if m.confirm {
		m.confirm = false
		if k == "y" || k == "Y" {
			if m.serveStop != nil {
				m.serveStop()
			}
			return m, tea.Quit
		}
		return m, nil
	}
	if k == "ctrl+c" {
		if m.serveStop != nil {
			m.confirm = true
			return m, nil
		}
		return m, tea.Quit
	}
	busy := m.verifying || m.testing || m.loading
	switch m.step {
	case stepFind:
		switch k {
		case "enter":
			p := strings.TrimSpace(m.path.Value())
			eng := m.eng
			return m, func() tea.Msg { b, err := eng.Open(p); return openedMsg{b, err} }
		case "down", "up":
			m.pickFound(k == "down")
			return m, nil
		}
		var cmd tea.Cmd
		m.path, cmd = m.path.Update(msg)
		return m, cmd
	case stepCode:
		switch {
		case busy:
		case k == "y" || (k == "enter" && m.verifyErr != nil):
			m.verifying, m.verifyErr = true, nil
			b, eng, box := m.bundle, m.eng, m.read
			box.set(0, b.Index.Size)
			return m, tea.Batch(func() tea.Msg {
				return verifiedMsg{eng.Verify(context.Background(), b, func(n int64) { box.set(n, b.Index.Size) })}
			}, m.tick())
		case k == "n" || k == "esc":
			m.step = stepFind
		}
		return m, nil
	case stepWhere:
		if m.mode == "" {
			switch k {
			case "enter":
				c := m.modes.Chosen()
				if len(c) == 1 && c[0] == "serve" {
					addr, pulls, stop, err := m.eng.Serve(m.bundle, "0.0.0.0:5000")
					m.serveAddr, m.servePull, m.serveStop, m.serveErr = addr, pulls, stop, err
					m.mode = "serve"
					return m, m.tick()
				}
				m.mode = "load"
				m.fields[m.focus].Focus()
			case "esc":
				m.step = stepCode
			default:
				m.modes, _ = m.modes.Update(msg)
			}
			return m, nil
		}
		if m.mode == "serve" {
			if k == "esc" && m.serveStop == nil {
				m.mode = ""
			}
			return m, nil
		}
		switch k {
		case "tab", "down":
			m.moveField(1)
			return m, nil
		case "shift+tab", "up":
			m.moveField(-1)
			return m, nil
		case "esc":
			m.mode = ""
			return m, nil
		case "enter":
			if d := m.Destination(); d.Registry == "" && d.MavenURL == "" && d.MavenDir == "" {
				return m, nil
			}
			m.next(stepTest)
			return m, m.runChecks()
		}
		var cmd tea.Cmd
		m.fields[m.focus], cmd = m.fields[m.focus].Update(msg)
		return m, cmd
	case stepTest:
		switch {
		case busy:
		case k == "r":
			return m, m.runChecks()
		case k == "esc":
			m.step = stepWhere
		case k == "enter" && m.checkErr == nil && len(m.checks) > 0:
			m.next(stepLoad)
			m.loading, m.loadErr = true, nil
			b, eng, d, box := m.bundle, m.eng, m.Destination(), m.pushed
			return m, tea.Batch(func() tea.Msg {
				rep, err := eng.Import(context.Background(), b, d, func(e push.Event) { box.set(e.BytesDone, e.BytesTotal) })
				return loadedMsg{rep, err}
			}, m.tick())
		}
		return m, nil
	case stepLoad:
		if !busy && m.loadErr != nil && k == "esc" {
			m.step = stepTest
		}
		return m, nil
	case stepConfigure:
		if m.results == nil && (m.platforms.Filtering() || (k != "enter" && k != "esc")) {
			p, used := m.platforms.Update(msg)
			m.platforms = p
			if used {
				return m, nil
			}
		}
		if m.results != nil {
			switch k {
			case "down":
				m.stepCur = min(m.stepCur+1, m.stepCount()-1)
			case "up":
				m.stepCur = max(m.stepCur-1, 0)
			case "space":
				if m.stepDone == nil {
					m.stepDone = map[int]bool{}
				}
				m.stepDone[m.stepCur] = !m.stepDone[m.stepCur]
			case "enter":
				m.next(stepDone)
			}
			return m, nil
		}
		switch k {
		case "enter":
			chosen := m.platforms.Chosen()
			if len(chosen) == 0 {
				return m, nil
			}
			b, eng, d, dir := m.bundle, m.eng, m.Destination(), m.opts.ConfigDir
			return m, func() tea.Msg { res, err := eng.Configure(b, d, chosen, dir); return configuredMsg{res, err} }
		}
		return m, nil
	case stepDone:
		if k == "enter" || k == "q" {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m *Model) pickFound(down bool) {
	if len(m.found) == 0 {
		return
	}
	i := 0
	for j, f := range m.found {
		if f.Path == m.path.Value() {
			i = j
			if down {
				i = min(j+1, len(m.found)-1)
			} else {
				i = max(j-1, 0)
			}
		}
	}
	m.path.SetValue(m.found[i].Path)
}

func (m *Model) moveField(d int) {
	m.fields[m.focus].Blur()
	m.focus = (m.focus + d + len(m.fields)) % len(m.fields)
	m.fields[m.focus].Focus()
}

func (m *Model) runChecks() tea.Cmd {
	m.testing, m.checks, m.checkErr = true, nil, nil
	eng, d := m.eng, m.Destination()
	return func() tea.Msg { c, err := eng.Preflight(context.Background(), d); return checkedMsg{c, err} }
}

// View draws the banner, the rail, the step and the keys.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "ferry — import"
	return v
}

func (m *Model) render() string {
	w, h := frame.ContentSize(m.width, m.height)
	f := frame.Frame{Theme: m.th, Title: "import a bundle", Banner: m.opts.Banner, Steps: stepTitles}
	return f.Render(m.width, m.height, int(m.step), func(i int) bool { return m.done[stepID(i)] }, "", m.stepView(w, h), m.help.View(m.keys))
}

func (m *Model) stepView(w, h int) string {
	th := m.th
	var b strings.Builder
	say := func(title, explain string) {
		b.WriteString(th.Title.Render(title) + "\n" + th.Subtle.Render(ansi.Wordwrap(explain, w-2, "")) + "\n\n")
	}
	switch m.step {
	case stepFind:
		say("Where is the bundle?", "Plug in the USB stick. ferry looks for bundles on mounted media; pick one with ↑/↓ or type the folder where it is, then press Enter.")
		b.WriteString(m.path.View() + "\n\n")
		for _, f := range m.found {
			parts := fmt.Sprintf("%d part(s)", len(f.Index.Parts))
			if f.Present < len(f.Index.Parts) {
				parts = th.Warn.Render(fmt.Sprintf("%d of %d parts present", f.Present, len(f.Index.Parts)))
			}
			line := fmt.Sprintf("%s %s · %s · modules %s · %s, %s", f.Index.Target, f.Index.Version, strings.Join(f.Index.Archs, ", "), strings.Join(f.Index.Modules, ", "), parts, size.Format(f.Index.Size))
			fmt.Fprintf(&b, "  %s\n    %s\n", f.Path, ansi.Truncate(line, w-6, "…"))
		}
		if len(m.found) == 0 {
			b.WriteString(th.Subtle.Render("No bundle found on mounted media (/media, /run/media, /mnt).") + "\n")
		}
		if m.openErr != nil {
			b.WriteString("\n" + th.Error.Render(ansi.Wordwrap(m.openErr.Error(), w-2, "")))
		}
	case stepCode:
		ix := m.bundle.Index
		say("Check the code", "Ask the engineer who made the bundle to read you their code. Do they match? Press y if they do, n if they do not.")
		b.WriteString(lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).Padding(1, 4).Bold(true).Render(th.Accent.Render(strings.Join(strings.Split(ix.ShortCode, ""), " "))) + "\n\n")
		fmt.Fprintf(&b, "%s %s · %s · modules %s\n%d part(s), %s\n\n", ix.Target, ix.Version, strings.Join(ix.Archs, ", "), strings.Join(ix.Modules, ", "), len(ix.Parts), size.Format(ix.Size))
		switch {
		case m.verifying:
			done, total := m.read.get()
			part := 1
			if ix.PartSize > 0 {
				part = min(int(done/ix.PartSize)+1, len(ix.Parts))
			}
			fmt.Fprintf(&b, "Checking part %d of %d and every item in it…\n%s\n", part, len(ix.Parts), bar(th, done, total, w-10))
		case m.verifyErr != nil:
			b.WriteString(th.Error.Render(ansi.Wordwrap("The bundle is damaged: "+m.verifyErr.Error(), w-2, "")) + "\n" + th.Subtle.Render("Copy the part again, then press Enter to check again."))
		}
	case stepWhere:
		if m.mode == "" {
			say("Where does it go?", "Does the site have a container registry (and a Maven repository) to load the bundle into? If it has none, this machine can serve the bundle to the others.")
			b.WriteString(m.modes.View())
			break
		}
		if m.mode == "serve" {
			m.serveView(&b, w)
			break
		}
		say("Where does it go?", "Type the site's registry (host:port, and a folder prefix if you like, e.g. registry.site:5000/mirror) and its login, the CA file if the site uses its own certificates, and the Maven repository's URL (or a folder to copy the Maven files into). tab moves between fields; leave what you do not have empty.")
		for i, f := range m.fields {
			label := fmt.Sprintf("%-22s", fieldLabels[i])
			if i == m.focus {
				label = th.Accent.Render(label)
			}
			fmt.Fprintf(&b, "%s %s\n", label, f.View())
		}
		if m.Destination().Insecure {
			b.WriteString("\n" + th.Warn.Render("Plain HTTP: images travel unencrypted on the site network. Use it only if the registry has no TLS."))
		}
	case stepTest:
		say("Testing the connection", "ferry checks, before sending anything, that the registry answers, its certificate is trusted, the login works and pushing is allowed.")
		for _, c := range m.checks {
			if c.OK {
				b.WriteString(th.OK.Render("✓ ") + c.Name + "\n")
			} else {
				b.WriteString(th.Error.Render("✗ ") + c.Name + "\n")
			}
		}
		switch {
		case m.testing:
			b.WriteString(th.Subtle.Render("checking…"))
		case m.checkErr != nil:
			b.WriteString("\n" + th.Error.Render(ansi.Wordwrap(m.checkErr.Error(), w-2, "")) + "\n\n" + th.Subtle.Render("Fix it, then press r to test again, or esc to change the answers."))
		default:
			b.WriteString("\n" + th.OK.Render("Everything is ready. Press Enter to load the bundle."))
		}
	case stepLoad:
		say("Loading", "Images go to the registry and Maven files to the repository, straight from the stick. What is already there is skipped.")
		done, total := m.pushed.get()
		b.WriteString(bar(th, done, total, w-30) + fmt.Sprintf(" %s of %s\n", size.Format(done), size.Format(total)))
		if m.loadErr != nil {
			b.WriteString("\n" + th.Error.Render(ansi.Wordwrap(m.loadErr.Error(), w-2, "")) + "\n" + th.Subtle.Render("Nothing that failed is reported as loaded. Running the import again continues; esc goes back."))
		}
	case stepConfigure:
		if m.results == nil {
			say("Configure the clients", "Tick the kinds of machines that will pull from the mirror (space), then press Enter. ferry writes the files to "+m.opts.ConfigDir+" and shows the steps to apply them.")
			b.WriteString(m.platforms.View())
			if m.confErr != nil {
				b.WriteString("\n\n" + th.Error.Render(m.confErr.Error()))
			}
			break
		}
		say("The mirror configuration", "Written to "+m.opts.ConfigDir+". Follow the steps on each kind of machine and tick each one (space) as you do it; ↑/↓ moves; Enter finishes.")
		if m.report != nil && m.report.Verified {
			if m.report.Registry != "" {
				b.WriteString(th.OK.Render("✓ ferry checked: "+m.report.Registry+" serves every image by its digest") + "\n")
			}
			if m.report.Maven != nil {
				b.WriteString(th.OK.Render("✓ ferry checked: the Maven repository serves every file with its checksum") + "\n")
			}
		}
		var lines []string
		cursorLine := 0
		n := 0
		for _, r := range m.results {
			lines = append(lines, th.Header.Render(r.Platform))
			for _, f := range r.Files {
				lines = append(lines, "  "+filepath.Join(m.opts.ConfigDir, f.Path))
			}
			for _, st := range r.Steps {
				box := "[ ]"
				if m.stepDone[n] {
					box = th.OK.Render("[x]")
				}
				cur := "  "
				if n == m.stepCur {
					cur = th.Accent.Render("▸ ")
					cursorLine = len(lines)
				}
				for j, l := range strings.Split(ansi.Wordwrap(st, w-10, ""), "\n") {
					if j == 0 {
						lines = append(lines, cur+box+" "+l)
					} else {
						lines = append(lines, "      "+l)
					}
				}
				n++
			}
		}
		room := h - 8
		start := max(0, min(cursorLine-room/2, len(lines)-room))
		b.WriteString(strings.Join(lines[start:min(len(lines), start+room)], "\n"))
		b.WriteString("\n" + th.Subtle.Render(fmt.Sprintf("%d of %d steps done", len(doneCount(m.stepDone)), n)))
	case stepDone:
		r := m.report
		b.WriteString(th.OK.Render("✓ The bundle is loaded and checked.") + "\n\n")
		if r != nil {
			if r.Registry != "" {
				fmt.Fprintf(&b, "%d images into %s\n", len(r.Images), r.Registry)
			}
			if r.Maven != nil {
				fmt.Fprintf(&b, "%d Maven files into %s\n", r.Maven.Files, r.Maven.Destination)
			}
			for _, p := range r.Problems {
				b.WriteString(th.Warn.Render("still to do: "+p) + "\n")
			}
		}
		if m.report != nil && m.report.Path != "" {
			fmt.Fprintf(&b, "report: %s\n", m.report.Path)
		}
		fmt.Fprintf(&b, "mirror configuration: %s\n\nPress Enter to finish.", m.opts.ConfigDir)
	}
	return b.String()
}

func (m *Model) serveView(b *strings.Builder, w int) {
	th := m.th
	if m.serveErr != nil {
		b.WriteString(th.Error.Render(ansi.Wordwrap("The bundle cannot be served: "+m.serveErr.Error(), w-2, "")) + "\n\n" + th.Subtle.Render("esc goes back."))
		return
	}
	b.WriteString(th.Title.Render("Serving the bundle") + "\n")
	b.WriteString(th.Subtle.Render(ansi.Wordwrap("This machine now serves the bundle's images as a read-only registry. Keep it running, and this stick plugged in, while the nodes pull.", w-2, "")) + "\n\n")
	fmt.Fprintf(b, "Address:  %s\n", th.Accent.Render(m.serveAddr))
	b.WriteString(ansi.Wordwrap("Point the nodes at it: write the mirror configuration with `ferry configure --bundle BUNDLE --registry "+m.serveAddr+" --insecure --platform crio` (or containerd, openshift), and apply its steps on each node.", w-2, "") + "\n\n")
	if m.servePull != nil {
		fmt.Fprintf(b, "Pulls so far: %s\n\n", th.Accent.Render(fmt.Sprint(m.servePull())))
	}
	if m.confirm {
		b.WriteString(th.Warn.Render("Stop serving? Nodes still pulling will fail. y: stop · any other key: keep serving"))
	} else {
		b.WriteString(th.Subtle.Render("ctrl+c stops serving (it asks first)."))
	}
}

func (m *Model) stepCount() int {
	n := 0
	for _, r := range m.results {
		n += len(r.Steps)
	}
	return n
}

func doneCount(d map[int]bool) []int {
	var out []int
	for k, v := range d {
		if v {
			out = append(out, k)
		}
	}
	return out
}

func bar(th themes.Theme, done, total int64, w int) string {
	w = max(10, w)
	pct := 0.0
	if total > 0 {
		pct = float64(done) / float64(total)
	}
	n := int(pct * float64(w))
	return th.Accent.Render(strings.Repeat("█", n)) + th.Subtle.Render(strings.Repeat("░", w-n)) + fmt.Sprintf(" %3.0f%%", pct*100)
}

// Ready says whether the current step can move on now, and the key that
// does it (what a scripted walkthrough presses).
func (m *Model) Ready() (string, bool) {
	switch m.step {
	case stepFind:
		return "enter", strings.TrimSpace(m.path.Value()) != ""
	case stepCode:
		return "y", !m.verifying && m.verifyErr == nil
	case stepWhere:
		return "enter", true
	case stepTest:
		return "enter", !m.testing && m.checkErr == nil && len(m.checks) > 0
	case stepLoad:
		return "", false
	case stepConfigure:
		if m.results != nil {
			return "enter", true
		}
		if len(m.platforms.Chosen()) == 0 {
			return "space", true // the first platform
		}
		return "enter", true
	case stepDone:
		return "enter", m.report != nil
	}
	return "", false
}
