package farside

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	events "ferry/artifacts/progress"
	"ferry/artifacts/push"
	"ferry/tui/components/progress"
	"ferry/tui/components/textfit"
	"ferry/workflow/importer"
)

type (
	checkedMsg struct {
		checks []push.Check
		err    error
	}
	loadedMsg struct {
		rep *importer.Report
		err error
	}
)

// testStep checks, before anything is sent, that the registry answers,
// trusts, logs in and lets push.
type testStep struct {
	f      *Flow
	w, h   int
	checks []push.Check
	err    error
}

func (s *testStep) SetSize(w, h int) { s.w, s.h = w, h }

func (s *testStep) ShortHelp() []key.Binding {
	f, k := s.f, s.f.keys
	switch {
	case f.jobs.Running(jobPreflight):
		return f.short(k.Back)
	case s.err != nil:
		return f.short(withHelp(k.Retry, "r", "test again"), k.Expand, k.Back)
	}
	return f.short(withHelp(k.Next, "enter", "load"), withHelp(k.Retry, "r", "test again"), k.Back)
}

func (s *testStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return s.f.full([]key.Binding{withHelp(k.Next, "enter", "load the bundle"), k.Back}, []key.Binding{withHelp(k.Retry, "r", "test again"), k.Expand})
}

func (s *testStep) run() tea.Cmd {
	s.checks, s.err = nil, nil
	ctx := s.f.jobs.Start(jobPreflight)
	eng, d := s.f.eng, s.f.Destination()
	return func() tea.Msg { c, err := eng.Preflight(ctx, d); return checkedMsg{c, err} }
}

func (s *testStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case checkedMsg:
		f.jobs.Finish(jobPreflight)
		s.checks, s.err = msg.checks, msg.err
	case tea.KeyPressMsg:
		k := msg.String()
		testing := f.jobs.Running(jobPreflight)
		switch {
		case k == "esc":
			f.jobs.Cancel(jobPreflight)
			f.setStep(stepWhere)
		case testing:
		case s.err != nil && f.expandKey(msg):
		case k == "r":
			f.expanded = false
			return s.run()
		case k == "enter" && s.err == nil && len(s.checks) > 0:
			f.next(stepLoad)
			return f.load.start()
		}
	}
	return nil
}

func (s *testStep) View() string {
	f, th, w := s.f, s.f.th, s.w
	var b strings.Builder
	say(&b, f, w, "Testing the connection", "ferry checks, before sending anything, that the registry answers, its certificate is trusted, the login works and pushing is allowed.")
	plain := f.Destination().Insecure
	for _, c := range s.checks {
		switch {
		case c.Name == "certificate trusted" && plain:
			// Over plain HTTP there is no certificate to trust.
			b.WriteString(th.Subtle.Render("– plain HTTP: no certificate") + "\n")
		case c.OK:
			b.WriteString(th.OK.Render("✓ ") + c.Name + "\n")
		default:
			b.WriteString(th.Error.Render("✗ ") + c.Name + "\n")
		}
	}
	switch {
	case f.jobs.Running(jobPreflight):
		b.WriteString(th.Subtle.Render("checking…"))
	case s.err != nil:
		e, _ := f.errText(worded(s.err), w-1)
		b.WriteString("\n" + th.Subtle.Render("Fix it, then press r to test again, or esc to change the answers.") + "\n" + e)
	default:
		b.WriteString("\n" + th.OK.Render("Everything is ready. Press Enter to load the bundle."))
	}
	return b.String()
}

// loadStep pushes the bundle straight from the stick, with progress.
type loadStep struct {
	f       *Flow
	w, h    int
	pushed  *progress.Latest
	started time.Time
	err     error
}

func (s *loadStep) SetSize(w, h int) { s.w, s.h = w, h }

func (s *loadStep) ShortHelp() []key.Binding {
	f, k := s.f, s.f.keys
	switch {
	case f.jobs.Running(jobImport):
		return []key.Binding{withHelp(k.Quit, "q", "stop"), k.Help}
	case s.err != nil:
		return f.short(withHelp(k.Retry, "r", "load again"), k.Expand, k.Back)
	}
	return f.short(withHelp(k.Next, "enter", "configure"), k.Back)
}

func (s *loadStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return s.f.full([]key.Binding{withHelp(k.Next, "enter", "configure (once loaded)"), k.Back}, []key.Binding{withHelp(k.Retry, "r", "load again (after an error)"), k.Expand})
}

func (s *loadStep) start() tea.Cmd {
	f := s.f
	s.err, s.started = nil, time.Now()
	ctx := f.jobs.Start(jobImport)
	box := &progress.Latest{}
	s.pushed = box
	b, eng, d := f.bundle, f.eng, f.Destination()
	return tea.Batch(func() tea.Msg {
		c := events.Coalesce(box.Record, 0)
		rep, err := eng.Import(ctx, b, d, c.Send)
		c.Close()
		return loadedMsg{rep, err}
	}, f.every())
}

func (s *loadStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case loadedMsg:
		f.jobs.Finish(jobImport)
		f.report, s.err = msg.rep, msg.err
		if msg.err == nil {
			f.next(stepConfigure)
		}
	case tea.KeyPressMsg:
		if f.jobs.Running(jobImport) {
			return nil
		}
		switch k := msg.String(); {
		case k == "esc":
			f.setStep(stepTest)
		case s.err != nil && f.expandKey(msg):
		case s.err != nil && k == "r":
			f.expanded = false
			return s.start()
		case s.err == nil && f.report != nil && k == "enter":
			f.next(stepConfigure)
		}
	}
	return nil
}

func (s *loadStep) View() string {
	f, th, w := s.f, s.f.th, s.w
	var b strings.Builder
	say(&b, f, w, "Loading", "Images go to the registry and Maven files to the repository, straight from the stick. What is already there is skipped.")
	e := s.pushed.Get()
	done, total := e.BytesDone, e.BytesTotal
	switch e.Stage {
	case events.StageImages:
		b.WriteString("Images\n")
	case events.StageMaven:
		b.WriteString("Maven files\n")
	}
	b.WriteString(progress.Bar(th, done, total, w-30) + " " + progress.Bytes(done, total, s.started) + "\n")
	switch {
	case s.err != nil:
		e, _ := f.errText(worded(s.err), w-1)
		b.WriteString("\n" + th.Subtle.Render(textfit.Words("Nothing that failed is reported as loaded. r loads again and continues; esc goes back.", w-1)) + "\n" + e)
	case f.report != nil && !f.jobs.Running(jobImport):
		b.WriteString("\n" + th.OK.Render("✓ Loaded. Press Enter to configure the machines."))
	}
	return b.String()
}
