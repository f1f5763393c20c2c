package farside

import (
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ferry/targets/mirrorconfig"
	"ferry/tui/components/picker"
	"ferry/tui/components/viewport"
)

type configuredMsg struct {
	res []*mirrorconfig.Result
	err error
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

// configureStep writes the mirror configuration for the platforms ticked,
// then lists the steps to apply it, each ticked as the technician does it.
type configureStep struct {
	helpKeys
	f         *Flow
	w, h      int
	platforms picker.Model
	running   bool
	results   []*mirrorconfig.Result
	cur       int          // the step under the cursor, across platforms
	ticked    map[int]bool // steps the technician ticked
	err       error
}

func newConfigureStep(f *Flow) *configureStep {
	var items []picker.Item
	for _, p := range mirrorconfig.Platforms {
		items = append(items, picker.Item{ID: p, Title: p, Detail: platformText[p]})
	}
	return &configureStep{helpKeys: helpKeys{f.keys}, f: f, platforms: picker.New(items, true, f.th), ticked: map[int]bool{}}
}

func (s *configureStep) SetSize(w, h int) {
	s.w, s.h = w, h
	s.platforms.SetSize(w, max(5, h-7))
}

func (s *configureStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case configuredMsg:
		f.jobs.Finish(jobConfigure)
		s.running = false
		s.results, s.err = msg.res, msg.err
		return nil
	case tea.KeyPressMsg:
		k := msg.String()
		if s.results == nil && (s.platforms.Filtering() || (k != "enter" && k != "esc")) {
			p, used := s.platforms.Update(msg)
			s.platforms = p
			if used {
				return nil
			}
		}
		if s.results != nil {
			switch k {
			case "down":
				s.cur = min(s.cur+1, s.stepCount()-1)
			case "up":
				s.cur = max(s.cur-1, 0)
			case "space":
				s.ticked[s.cur] = !s.ticked[s.cur]
			case "enter":
				f.next(stepDone)
				f.finish.refresh()
			}
			return nil
		}
		if k == "enter" && !s.running {
			chosen := s.platforms.Chosen()
			if len(chosen) == 0 {
				return nil
			}
			s.running = true
			ctx := f.jobs.Start(jobConfigure)
			b, eng, d, dir := f.bundle, f.eng, f.Destination(), f.opts.ConfigDir
			return func() tea.Msg { res, err := eng.Configure(ctx, b, d, chosen, dir); return configuredMsg{res, err} }
		}
	}
	return nil
}

func (s *configureStep) stepCount() int {
	n := 0
	for _, r := range s.results {
		n += len(r.Steps)
	}
	return n
}

func (s *configureStep) View() string {
	f, th, w, h := s.f, s.f.th, s.w, s.h
	var b strings.Builder
	if s.results == nil {
		say(&b, f, w, "Configure the clients", "Tick the kinds of machines that will pull from the mirror (space), then press Enter. ferry writes the files to "+f.opts.ConfigDir+" and shows the steps to apply them.")
		b.WriteString(s.platforms.View())
		if s.err != nil {
			b.WriteString("\n\n" + th.Error.Render(worded(s.err)))
		}
		return b.String()
	}
	say(&b, f, w, "The mirror configuration", "Written to "+f.opts.ConfigDir+". Follow the steps on each kind of machine and tick each one (space) as you do it; ↑/↓ moves; Enter finishes.")
	if r := f.report; r != nil && r.Verified {
		if r.Registry != "" {
			b.WriteString(th.OK.Render("✓ ferry checked: "+r.Registry+" serves every image by its digest") + "\n")
		}
		if r.Maven != nil {
			b.WriteString(th.OK.Render("✓ ferry checked: the Maven repository serves every file with its checksum") + "\n")
		}
	}
	var lines []string
	cursorLine := 0
	n, done := 0, 0
	for _, r := range s.results {
		lines = append(lines, th.Header.Render(r.Platform))
		for _, fl := range r.Files {
			lines = append(lines, "  "+filepath.Join(f.opts.ConfigDir, fl.Path))
		}
		for _, st := range r.Steps {
			box := "[ ]"
			if s.ticked[n] {
				box = th.OK.Render("[x]")
				done++
			}
			cur := "  "
			if n == s.cur {
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
	b.WriteString("\n" + th.Subtle.Render(fmt.Sprintf("%d of %d steps done", done, n)))
	return b.String()
}

// doneStep says what was loaded where and what is left to do; it scrolls
// when that is longer than the window.
type doneStep struct {
	f    *Flow
	w, h int
	vp   viewport.Model
}

func newDoneStep(f *Flow) *doneStep { return &doneStep{f: f, vp: viewport.New()} }

func (s *doneStep) SetSize(w, h int) {
	s.w, s.h = w, h
	s.vp.SetSize(w, h)
	s.refresh()
}

func (s *doneStep) ShortHelp() []key.Binding {
	if s.vp.Scrolls() {
		vk := s.vp.Keys()
		return []key.Binding{s.f.keys.Next, vk[0], vk[1], vk[2], s.f.keys.Help, s.f.keys.Quit}
	}
	return s.f.keys.ShortHelp()
}

func (s *doneStep) FullHelp() [][]key.Binding {
	if s.vp.Scrolls() {
		return append(s.f.keys.FullHelp(), s.vp.Keys())
	}
	return s.f.keys.FullHelp()
}

func (s *doneStep) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && (k.String() == "enter" || k.String() == "q") {
		return func() tea.Msg { return FinishedMsg{} }
	}
	return s.vp.Update(msg)
}

// refresh lays the report out again (its size or content changed).
func (s *doneStep) refresh() {
	f, th := s.f, s.f.th
	var b strings.Builder
	r := f.report
	b.WriteString(th.OK.Render("✓ The bundle is loaded and checked.") + "\n\n")
	if r != nil {
		if r.Registry != "" {
			fmt.Fprintf(&b, "%d images into %s\n", len(r.Images), r.Registry)
		}
		if r.Maven != nil {
			fmt.Fprintf(&b, "%d Maven files into %s\n", r.Maven.Files, r.Maven.Destination)
		}
		for _, p := range r.Problems {
			b.WriteString(th.Warn.Render(ansi.Wordwrap("still to do: "+p, s.w-2, "")) + "\n")
		}
		if r.Path != "" {
			fmt.Fprintf(&b, "report: %s\n", r.Path)
		}
	}
	fmt.Fprintf(&b, "mirror configuration: %s\n\nPress Enter to finish.", f.opts.ConfigDir)
	s.vp.SetContent(b.String())
}

func (s *doneStep) View() string { return s.vp.View() }
