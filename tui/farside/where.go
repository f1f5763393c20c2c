package farside

import (
	"ferry/tui/components/progress"
	"ferry/workflow/session"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ferry/tui/components/picker"
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

var fieldLabels = []string{"Registry address", "Username", "Password", "CA file", "Plain HTTP (y/n)", "Maven URL or folder", "Maven username", "Maven password"}

// servingStartedMsg says the bundle is being served, or why it cannot be.
type servingStartedMsg struct {
	addr string
	stop func()
	err  error
}

// whereStep asks whether the site has a registry, then where the bundle
// goes (the fields) or serves it from this machine.
type whereStep struct {
	helpKeys
	f      *Flow
	w, h   int
	fields []textinput.Model
	focus  int

	// mode is "" until chosen: "load" or "serve".
	mode      string
	modes     picker.Model
	serveAddr string
	// pulls is the last pull reported, read on the timer.
	pulls     *progress.Latest
	serveStop func()
	serveErr  error
}

func newWhereStep(f *Flow) *whereStep {
	s := &whereStep{helpKeys: helpKeys{f.keys}, f: f, pulls: &progress.Latest{}}
	d := f.opts.Destination
	vals := []string{d.Registry, d.Username, d.Password, strings.Join(d.CAFiles, ","), yn(d.Insecure), d.MavenURL, d.MavenUser, d.MavenPassword}
	for i, v := range vals {
		ti := textinput.New()
		noBlink(&ti)
		ti.Prompt = ""
		ti.SetValue(v)
		if i == fPass || i == fMavenPass {
			ti.EchoMode = textinput.EchoPassword
		}
		s.fields = append(s.fields, ti)
	}
	s.modes = picker.New([]picker.Item{
		{ID: "load", Title: "Load it into the site's registry", Detail: "and Maven repository; then configure the machines"},
		{ID: "serve", Title: "There is no registry here", Detail: "serve the bundle from this machine as a read-only registry"},
	}, false, f.th)
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

func (s *whereStep) SetSize(w, h int) { s.w, s.h = w, h }

func (s *whereStep) focusField() { s.fields[s.focus].Focus() }

// destination is what the technician typed.
func (s *whereStep) destination() session.Destination {
	v := func(i int) string { return strings.TrimSpace(s.fields[i].Value()) }
	d := session.Destination{Registry: v(fRegistry), Username: v(fUser), Password: s.fields[fPass].Value(), CAFiles: nonEmpty(v(fCA)),
		Insecure: strings.HasPrefix(strings.ToLower(v(fInsecure)), "y"), MavenURL: v(fMaven), MavenUser: v(fMavenUser), MavenPassword: s.fields[fMavenPass].Value()}
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
			f.cur = stepCode
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
	switch k {
	case "tab", "down":
		s.moveField(1)
		return nil
	case "shift+tab", "up":
		s.moveField(-1)
		return nil
	case "esc":
		s.mode = ""
		return nil
	case "enter":
		if d := s.destination(); d.Registry == "" && d.MavenURL == "" && d.MavenDir == "" {
			return nil
		}
		f.next(stepTest)
		return f.test.run()
	}
	var cmd tea.Cmd
	s.fields[s.focus], cmd = s.fields[s.focus].Update(msg)
	return cmd
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
	}
	say(&b, f, w, "Where does it go?", "Type the site's registry (host:port, and a folder prefix if you like, e.g. registry.site:5000/mirror) and its login, the CA file if the site uses its own certificates, and the Maven repository's URL (or a folder to copy the Maven files into). tab moves between fields; leave what you do not have empty.")
	for i, fl := range s.fields {
		label := fmt.Sprintf("%-22s", fieldLabels[i])
		if i == s.focus {
			label = th.Accent.Render(label)
		}
		fmt.Fprintf(&b, "%s %s\n", label, fl.View())
	}
	if s.destination().Insecure {
		b.WriteString("\n" + th.Warn.Render("Plain HTTP: images travel unencrypted on the site network. Use it only if the registry has no TLS."))
	}
	return b.String()
}

func (s *whereStep) serveView(b *strings.Builder) {
	th, w := s.f.th, s.w
	if s.serveErr != nil {
		b.WriteString(th.Error.Render(ansi.Wordwrap("The bundle cannot be served: "+worded(s.serveErr), w-2, "")) + "\n\n" + th.Subtle.Render("esc goes back."))
		return
	}
	if s.serveStop == nil {
		b.WriteString(th.Title.Render("Serving the bundle") + "\n" + th.Subtle.Render("starting…"))
		return
	}
	b.WriteString(th.Title.Render("Serving the bundle") + "\n")
	b.WriteString(th.Subtle.Render(ansi.Wordwrap("This machine now serves the bundle's images as a read-only registry. Keep it running, and this stick plugged in, while the nodes pull.", w-2, "")) + "\n\n")
	fmt.Fprintf(b, "Address:  %s\n", th.Accent.Render(s.serveAddr))
	b.WriteString(ansi.Wordwrap("Point the nodes at it: write the mirror configuration with `ferry configure --bundle BUNDLE --registry "+s.serveAddr+" --insecure --platform crio` (or containerd, openshift), and apply its steps on each node.", w-2, "") + "\n\n")
	if s.serveStop != nil {
		fmt.Fprintf(b, "Pulls so far: %s\n\n", th.Accent.Render(fmt.Sprint(s.pulls.Get().ItemsDone)))
	}
	b.WriteString(th.Subtle.Render("ctrl+c stops serving (it asks first)."))
}

// nonEmpty is s as a list, or none when s is empty.
func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
