package farside

import (
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ferry/targets/mirrorconfig"
	"ferry/tui/components/picker"
	"ferry/tui/components/textfit"
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
// then lists the steps to apply them, each ticked as the technician does
// it; the list scrolls, with its position shown.
type configureStep struct {
	f         *Flow
	w, h      int
	platforms picker.Model
	running   bool
	results   []*mirrorconfig.Result
	cur       int          // the step under the cursor, across platforms
	ticked    map[int]bool // steps the technician ticked
	err       error
	refusal   string
	list      viewport.Model
}

func newConfigureStep(f *Flow) *configureStep {
	var items []picker.Item
	for _, p := range mirrorconfig.Platforms {
		items = append(items, picker.Item{ID: p, Title: p, Detail: platformText[p]})
	}
	return &configureStep{f: f, platforms: picker.New(items, true, f.th), ticked: map[int]bool{}, list: viewport.New()}
}

func (s *configureStep) SetSize(w, h int) {
	s.w, s.h = w, h
	s.platforms.SetSize(w, max(5, h-7))
}

func (s *configureStep) ShortHelp() []key.Binding {
	f, k := s.f, s.f.keys
	switch {
	case s.platforms.Filtering():
		return []key.Binding{withHelp(k.Next, "enter", "keep filter"), withHelp(k.Back, "esc", "clear filter"), f.keys.TypingQuit}
	case s.results != nil:
		return f.short(withHelp(k.Toggle, "space", "done"), k.Move, withHelp(k.Next, "enter", "finish"), k.Back)
	}
	return f.short(k.Toggle, withHelp(k.Next, "enter", "write"), k.Move, k.Filter, k.Back)
}

func (s *configureStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	if s.results != nil {
		return s.f.full([]key.Binding{withHelp(k.Toggle, "space", "tick a step done"), withHelp(k.Next, "enter", "finish"), withHelp(k.Back, "esc", "choose machines again")}, []key.Binding{k.Up, k.Down})
	}
	return s.f.full([]key.Binding{k.Toggle, withHelp(k.Next, "enter", "write the files"), withHelp(k.Back, "esc", "back to Load")}, []key.Binding{k.Up, k.Down, k.Filter})
}

func (s *configureStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case configuredMsg:
		f.jobs.Finish(jobConfigure)
		s.running = false
		s.results, s.err = msg.res, msg.err
		s.cur = 0
		return nil
	case tea.KeyPressMsg:
		k := msg.String()
		s.refusal = ""
		if s.results == nil && (s.platforms.Filtering() || (k != "enter" && k != "esc")) {
			p, used := s.platforms.Update(msg)
			s.platforms = p
			if used {
				return nil
			}
		}
		if s.results != nil {
			switch k {
			case "down", "j":
				s.cur = min(s.cur+1, s.stepCount()-1)
			case "up", "k":
				s.cur = max(s.cur-1, 0)
			case "space":
				s.ticked[s.cur] = !s.ticked[s.cur]
			case "esc":
				s.results = nil // choose the machines again
			case "enter":
				f.next(stepDone)
				f.finish.refresh()
			}
			return nil
		}
		switch {
		case k == "esc" && !s.running:
			f.setStep(stepLoad)
		case k == "enter" && !s.running:
			chosen := s.platforms.Chosen()
			if len(chosen) == 0 {
				s.refusal = "Tick at least one kind of machine first (space)."
				return nil
			}
			s.running = true
			s.err = nil
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
		if s.refusal != "" {
			b.WriteString("\n" + th.Warn.Render(s.refusal))
		}
		if s.err != nil {
			e, _ := f.errText(worded(s.err), w-1)
			b.WriteString("\n" + e)
		}
		return b.String()
	}
	say(&b, f, w, "The mirror configuration", "Written to "+f.opts.ConfigDir+". Do each step on each kind of machine and tick it (space); Enter finishes.")
	if r := f.report; r != nil && r.Verified {
		if r.Registry != "" {
			b.WriteString(th.OK.Render(textfit.Words("✓ ferry checked: "+r.Registry+" serves every image by its digest", w-1)) + "\n")
		}
		if r.Maven != nil {
			b.WriteString(th.OK.Render(textfit.Words("✓ ferry checked: the Maven repository serves every file with its checksum", w-1)) + "\n")
		}
	}
	var lines []string
	cursorLine := 0
	n, done := 0, 0
	for _, r := range s.results {
		lines = append(lines, th.Header.Render(r.Platform))
		for _, fl := range r.Files {
			// A path to copy: whole, on lines of its own if it must be.
			for _, l := range strings.Split(textfit.Words(filepath.Join(f.opts.ConfigDir, fl.Path), w-3), "\n") {
				lines = append(lines, "  "+l)
			}
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
			for j, l := range strings.Split(textfit.Words(st, w-7), "\n") {
				if j == 0 {
					lines = append(lines, cur+box+" "+l)
				} else {
					lines = append(lines, "      "+l)
				}
			}
			n++
		}
	}
	// The count of steps done stays under the list, whatever it scrolls.
	room := max(3, h-lipgloss.Height(b.String())-1)
	s.list.SetSize(w, room)
	s.list.SetContent(strings.Join(lines, "\n"))
	s.list.Show(cursorLine)
	b.WriteString(s.list.View())
	b.WriteString("\n" + th.Accent.Render(fmt.Sprintf("%d of %d steps done", done, n)))
	return b.String()
}

// doneStep says what was loaded where and what is left to do; it scrolls
// when that is longer than the window, with its position shown.
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
	k := s.f.keys
	if s.vp.Scrolls() {
		vk := s.vp.Keys()
		return s.f.short(withHelp(k.Next, "enter", "finish"), vk[0], vk[1], k.Back)
	}
	return s.f.short(withHelp(k.Next, "enter", "finish"), k.Back)
}

func (s *doneStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return s.f.full([]key.Binding{withHelp(k.Next, "enter", "finish"), withHelp(k.Back, "esc", "back to the configuration")}, s.vp.Keys())
}

func (s *doneStep) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "enter":
			return func() tea.Msg { return FinishedMsg{} }
		case "esc":
			s.f.setStep(stepConfigure)
			return nil
		}
	}
	return s.vp.Update(msg)
}

// refresh lays the report out again (its size or content changed). What
// to do next comes first, so it is seen before any scrolling.
func (s *doneStep) refresh() {
	f, th, w := s.f, s.f.th, max(10, s.w-1)
	var b strings.Builder
	r := f.report
	b.WriteString(th.OK.Render("✓ The bundle is loaded and checked.") + "\n")
	b.WriteString("Press Enter to finish.\n\n")
	if r != nil {
		if r.Registry != "" {
			b.WriteString(textfit.Words(fmt.Sprintf("%d images into %s", len(r.Images), r.Registry), w) + "\n")
		}
		if r.Maven != nil {
			b.WriteString(textfit.Words(fmt.Sprintf("%d Maven files into %s", r.Maven.Files, r.Maven.Destination), w) + "\n")
		}
		if r.Path != "" {
			b.WriteString(textfit.Words("report: "+r.Path, w) + "\n")
		}
	}
	b.WriteString(textfit.Words("mirror configuration: "+f.opts.ConfigDir, w) + "\n")
	if r != nil && len(r.Problems) > 0 {
		b.WriteString("\n" + th.Warn.Render(fmt.Sprintf("Still to do (%d):", len(r.Problems))) + "\n")
		for _, p := range r.Problems {
			b.WriteString(th.Warn.Render(textfit.Words("• "+p, w)) + "\n")
		}
	}
	s.vp.SetContent(strings.TrimRight(b.String(), "\n"))
}

func (s *doneStep) View() string { return s.vp.View() }
