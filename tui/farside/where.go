package farside

import (
	"ferry/tui/components/field"
	"ferry/tui/components/progress"
	"ferry/workflow/session"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ferry/tui/components/picker"
	"ferry/tui/components/textfit"
)

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

var fieldLabels = []string{"Registry address", "Username", "Password", "CA file", "Plain HTTP", "Maven URL or folder", "Maven username", "Maven password"}

// caDebounce is how long typing in the CA file field pauses before the
// file is looked for.
const caDebounce = 300 * time.Millisecond

type (
	// caDueMsg says the CA file field has not changed for a while.
	caDueMsg struct{ seq int }
	// caCheckedMsg says whether the CA file typed exists.
	caCheckedMsg struct {
		path string
		err  error
	}
)

// servingStartedMsg says the bundle is being served, or why it cannot be.
type servingStartedMsg struct {
	addr string
	stop func()
	err  error
}

// whereStep asks whether the site has a registry, then where the bundle
// goes (the fields) or serves it from this machine.
type whereStep struct {
	f      *Flow
	w, h   int
	fields []textinput.Model
	focus  int

	// mode is "" until chosen: "load", "serve" or "node" (this node's
	// image store, then one command per other node).
	mode      string
	node      *nodeStep
	modes     picker.Model
	serveAddr string
	// pulls is the last pull reported, read on the timer.
	pulls     *progress.Latest
	serveStop func()
	serveErr  error

	// note says what was changed in what the technician typed.
	note string
	// refusal says why Enter did nothing.
	refusal string
	// caSeq counts changes of the CA file field, so only the last is
	// checked; caErr is what the check found for caPath.
	caSeq  int
	caPath string
	caErr  error
}

func newWhereStep(f *Flow) *whereStep {
	s := &whereStep{f: f, pulls: &progress.Latest{}}
	d := f.opts.Destination
	maven := d.MavenURL
	if maven == "" {
		maven = d.MavenDir // the field takes a folder too
	}
	vals := []string{d.Registry, d.Username, d.Password, strings.Join(d.CAFiles, ","), yn(d.Insecure), maven, d.MavenUser, d.MavenPassword}
	for i, v := range vals {
		ti := field.New("", "")
		ti.SetValue(v)
		if i == fPass || i == fMavenPass {
			ti.EchoMode = textinput.EchoPassword
		}
		s.fields = append(s.fields, ti)
	}
	s.modes = picker.New([]picker.Item{
		{ID: "load", Title: "Load it into the site's registry", Detail: "and Maven repository; then configure the machines"},
		{ID: "serve", Title: "There is no registry here", Detail: "serve the bundle from this machine as a read-only registry"},
		{ID: "node", Title: "No registry: load each node", Detail: "load this node's image store, then one command per node"},
	}, false, f.th)
	s.node = newNodeStep(f)
	if d.Registry != "" || d.MavenURL != "" {
		s.mode = "load"
	}
	return s
}

func yn(b bool) string {
	if b {
		return "y"
	}
	return "n"
}

func (s *whereStep) SetSize(w, h int) {
	s.w, s.h = w, h
	s.modes.SetSize(w, 6)
	s.node.SetSize(w, h)
	for i := range s.fields {
		s.fields[i].SetWidth(max(10, w-24))
	}
}

func (s *whereStep) ShortHelp() []key.Binding {
	f, k := s.f, s.f.keys
	switch s.mode {
	case "":
		return f.short(withHelp(k.Next, "enter", "choose"), k.Move, k.Back)
	case "node":
		return s.node.ShortHelp()
	case "serve":
		if s.serveStop != nil {
			return []key.Binding{withHelp(k.Quit, "q", "stop serving")}
		}
		return f.short(k.Back)
	}
	if s.focus == fInsecure {
		return f.short(withHelp(k.Next, "enter", "test"), withHelp(k.Toggle, "space", "on/off"), k.Field, k.Back)
	}
	return f.short(withHelp(k.Next, "enter", "test"), k.Field, k.Back)
}

func (s *whereStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	if s.mode == "node" {
		return s.node.FullHelp()
	}
	if s.mode == "load" {
		return s.f.full([]key.Binding{withHelp(k.Next, "enter", "test the connection"), k.Back}, []key.Binding{k.Field, withHelp(k.Toggle, "space", "Plain HTTP on/off")})
	}
	return s.f.full([]key.Binding{k.Next, k.Back}, []key.Binding{k.Up, k.Down})
}

func (s *whereStep) focusField() { s.fields[s.focus].Focus() }

// destination is what the technician typed, laid out and sent as the
// command that started the app says (--repo-mapping, --concurrency).
func (s *whereStep) destination() session.Destination {
	v := func(i int) string { return strings.TrimSpace(s.fields[i].Value()) }
	given := s.f.opts.Destination
	d := session.Destination{Registry: v(fRegistry), Username: v(fUser), Password: s.fields[fPass].Value(), CAFiles: nonEmpty(v(fCA)),
		Insecure: s.insecure(), MavenURL: v(fMaven), MavenUser: v(fMavenUser), MavenPassword: s.fields[fMavenPass].Value(),
		Flat: given.Flat, Concurrency: given.Concurrency}
	if d.MavenURL != "" && !strings.Contains(d.MavenURL, "://") {
		d.MavenDir, d.MavenURL = d.MavenURL, "" // a folder, not a URL
	}
	return d
}

func (s *whereStep) stopServing() {
	if s.serveStop != nil {
		s.serveStop()
		s.serveStop = nil
	}
}

func (s *whereStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch m := msg.(type) {
	case caDueMsg:
		if m.seq == s.caSeq {
			return s.checkCA()
		}
		return nil
	case caCheckedMsg:
		if m.path == s.caValue() {
			s.caPath, s.caErr = m.path, m.err
		}
		return nil
	}
	if s.mode == "node" {
		return s.node.Update(msg)
	}
	if m, ok := msg.(servingStartedMsg); ok {
		if !f.jobs.Running(jobServe) {
			if m.stop != nil {
				m.stop() // quit or gone back meanwhile
			}
			return nil
		}
		s.serveAddr, s.serveStop, s.serveErr = m.addr, m.stop, m.err
		if m.err != nil {
			f.jobs.Finish(jobServe)
			return nil
		}
		return f.every()
	}
	msgKey, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := msgKey.String()
	switch s.mode {
	case "":
		switch k {
		case "enter":
			c := s.modes.Chosen()
			if len(c) == 1 && c[0] == "node" {
				s.mode = "node"
				return s.node.start()
			}
			if len(c) == 1 && c[0] == "serve" {
				s.mode = "serve"
				ctx := f.jobs.Start(jobServe)
				b, eng := f.bundle, f.eng
				s.pulls = &progress.Latest{}
				pulls := s.pulls
				return func() tea.Msg {
					// Pulls are changes of state, each kept: the screen
					// reads the last one on its timer.
					addr, stop, err := eng.Serve(ctx, b, "0.0.0.0:5000", pulls.Record)
					return servingStartedMsg{addr, stop, err}
				}
			}
			s.mode = "load"
			s.focusField()
		case "esc":
			f.setStep(stepCode)
		default:
			s.modes, _ = s.modes.Update(msgKey)
		}
		return nil
	case "serve":
		if k == "esc" && s.serveStop == nil {
			f.jobs.Cancel(jobServe)
			s.mode, s.serveErr = "", nil
		}
		return nil
	}
	s.refusal = ""
	switch k {
	case "tab", "down":
		s.moveField(1)
		return s.checkCA()
	case "shift+tab", "up":
		s.moveField(-1)
		return s.checkCA()
	case "esc":
		s.mode = ""
		return nil
	case "enter":
		if d := s.destination(); d.Registry == "" && d.MavenURL == "" && d.MavenDir == "" {
			s.refusal = "Type the registry address or the Maven repository first (tab moves between fields)."
			return nil
		}
		if s.caErr != nil && s.caPath == s.caValue() {
			s.refusal = "The CA file is not there: correct its path, or empty the field."
			return nil
		}
		f.next(stepTest)
		return f.test.run()
	}
	if s.focus == fInsecure {
		switch k {
		case "space":
			s.fields[fInsecure].SetValue(yn(!s.insecure()))
		case "y", "n":
			s.fields[fInsecure].SetValue(k)
		}
		return nil
	}
	var cmd tea.Cmd
	before := s.fields[s.focus].Value()
	s.fields[s.focus], cmd = s.fields[s.focus].Update(msg)
	if s.fields[s.focus].Value() == before {
		return cmd
	}
	switch s.focus {
	case fRegistry:
		s.cleanRegistry()
	case fCA:
		s.caSeq++
		seq := s.caSeq
		return tea.Batch(cmd, f.tick(caDebounce, func(time.Time) tea.Msg { return caDueMsg{seq} }))
	}
	return cmd
}

// cleanRegistry takes a scheme off the registry address: http:// ticks
// Plain HTTP, and says so; https:// is what ferry does anyway.
func (s *whereStep) cleanRegistry() {
	v := s.fields[fRegistry].Value()
	low := strings.ToLower(v)
	switch {
	case strings.HasPrefix(low, "http://"):
		s.fields[fRegistry].SetValue(v[len("http://"):])
		s.fields[fInsecure].SetValue("y")
		s.note = "http:// taken off the address, and Plain HTTP ticked."
	case strings.HasPrefix(low, "https://"):
		s.fields[fRegistry].SetValue(v[len("https://"):])
	default:
		return
	}
	s.fields[fRegistry].CursorEnd()
}

func (s *whereStep) insecure() bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(s.fields[fInsecure].Value())), "y")
}

func (s *whereStep) caValue() string { return strings.TrimSpace(s.fields[fCA].Value()) }

// checkCA looks for the CA file typed, in a command; an empty field needs
// no looking.
func (s *whereStep) checkCA() tea.Cmd {
	p := s.caValue()
	if p == "" {
		s.caPath, s.caErr = "", nil
		return nil
	}
	if p == s.caPath {
		return nil
	}
	eng := s.f.eng
	return func() tea.Msg { return caCheckedMsg{path: p, err: eng.CheckFile(p)} }
}

func (s *whereStep) moveField(d int) {
	s.fields[s.focus].Blur()
	s.focus = (s.focus + d + len(s.fields)) % len(s.fields)
	s.fields[s.focus].Focus()
}

func (s *whereStep) View() string {
	f, th, w := s.f, s.f.th, s.w
	var b strings.Builder
	switch s.mode {
	case "":
		say(&b, f, w, "Where does it go?", "Does the site have a container registry (and a Maven repository) to load the bundle into? If it has none, this machine can serve the bundle to the others.")
		b.WriteString(s.modes.View())
		return b.String()
	case "serve":
		s.serveView(&b)
		return b.String()
	case "node":
		return s.node.View()
	}
	say(&b, f, w, "Where does it go?", "Type the site's registry (host:port, and a folder if you like, e.g. registry.site:5000/mirror), its login, its CA file if it has its own certificates, and the Maven repository's URL or a folder. Leave empty what you do not have.")
	for i, fl := range s.fields {
		label := fmt.Sprintf("%-21s", fieldLabels[i])
		if i == s.focus {
			label = th.Accent.Render(label)
		}
		v := fl.View()
		if i == fInsecure {
			v = "[ ] no"
			if s.insecure() {
				v = "[x] yes"
			}
			if i == s.focus {
				v = th.Accent.Render(v)
			}
		}
		fmt.Fprintf(&b, "%s %s\n", label, v)
		if i == fCA && s.caErr != nil && s.caPath == s.caValue() {
			b.WriteString(th.Error.Render(textfit.Middle("  ✗ no such file: "+s.caPath, w-1)) + "\n")
		}
	}
	if s.note != "" {
		b.WriteString(th.Subtle.Render(textfit.Words(s.note, w-1)) + "\n")
	}
	if s.insecure() {
		b.WriteString(th.Warn.Render(textfit.Words("Plain HTTP: images travel unencrypted. Use it only if the registry has no TLS.", w-1)) + "\n")
	}
	if s.refusal != "" {
		b.WriteString(th.Warn.Render(textfit.Words(s.refusal, w-1)))
	}
	return b.String()
}

func (s *whereStep) serveView(b *strings.Builder) {
	th, w := s.f.th, s.w
	if s.serveErr != nil {
		e, _ := s.f.errText("The bundle cannot be served: "+worded(s.serveErr), w-1)
		b.WriteString(e + "\n\n" + th.Subtle.Render("esc goes back."))
		return
	}
	if s.serveStop == nil {
		b.WriteString(th.Title.Render("Serving the bundle") + "\n" + th.Subtle.Render("starting…"))
		return
	}
	b.WriteString(th.Title.Render("Serving the bundle") + "\n")
	b.WriteString(th.Subtle.Render(textfit.Words("This machine now serves the bundle's images as a read-only registry. Keep it running, and this stick plugged in, while the nodes pull.", w-1)) + "\n\n")
	fmt.Fprintf(b, "Address:  %s\n", th.Accent.Render(s.serveAddr))
	b.WriteString(textfit.Words("Point the nodes at it: on another terminal write the mirror configuration (crio here; or containerd, openshift) and apply its steps on each node:", w-1) + "\n")
	b.WriteString(th.Accent.Render(textfit.Command("ferry configure --bundle "+textfit.Quote(s.f.bundle.Dir)+" --registry "+s.serveAddr+" --insecure --platform crio", w-1)) + "\n\n")
	if s.serveStop != nil {
		fmt.Fprintf(b, "Pulls so far: %s\n\n", th.Accent.Render(fmt.Sprint(s.pulls.Get().ItemsDone)))
	}
	b.WriteString(th.Subtle.Render("q or ctrl+c stops serving (it asks first)."))
}

// nonEmpty is s as a list, or none when s is empty.
func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
