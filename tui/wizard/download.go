package wizard

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ferry/artifacts/bundle"
	events "ferry/artifacts/progress"
	"ferry/tui/components/progress"
	"ferry/tui/components/shortcode"
	"ferry/tui/components/textfit"
	"ferry/workflow/prepare"
	"ferry/workflow/session"
)

// confirmStep shows the whole selection, and the same as a plain command,
// before anything is downloaded.
type confirmStep struct {
	f    *Flow
	w, h int
	// sign is the signing key (signing.go); refusal says why Enter did
	// nothing.
	sign    *signField
	refusal string
}

func (s *confirmStep) SetSize(w, h int) { s.w, s.h = w, h; s.sign.setWidth(w) }

func (s *confirmStep) ShortHelp() []key.Binding {
	k := s.f.keys
	if s.sign.available() {
		return []key.Binding{withHelp(k.Next, "enter", "download"), k.Back, withHelp(k.Complete, "tab", "key/password"), k.TypingHelp, k.TypingQuit}
	}
	return []key.Binding{withHelp(k.Next, "enter", "download"), k.Back, k.Help, k.Quit}
}

func (s *confirmStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	if s.sign.available() {
		return [][]key.Binding{{k.Next, k.Back}, {withHelp(k.Complete, "tab", "signing key ↔ its password")}, {k.TypingHelp, k.TypingQuit}}
	}
	return [][]key.Binding{{k.Next, k.Back}, {k.Help, k.Quit}}
}

func (s *confirmStep) Update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.KeyPressMsg); ok {
		s.refusal = ""
	}
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case ok && key.Matches(k, s.f.keys.Back):
		return s.f.back()
	case ok && key.Matches(k, s.f.keys.Next):
		if open := s.sign.open(); open != nil {
			return open
		}
		if !s.sign.ready() {
			s.refusal = s.sign.refusal()
			return nil
		}
		s.f.goTo(stepDownload)
		return s.f.download.start()
	}
	cmd, _ := s.sign.update(msg)
	if s.sign.opened() {
		s.f.goTo(stepDownload)
		return s.f.download.start()
	}
	return cmd
}

// Command is the equivalent non-interactive command for the answers.
func (f *Flow) Command() string {
	s := f.Selection()
	parts := append([]string{"ferry prepare"}, f.opts.CommandFlags...)
	parts = append(parts, "--target "+s.Target)
	if s.Version != "" {
		parts = append(parts, "--version "+s.Version)
	}
	for _, a := range s.Archs {
		parts = append(parts, "--arch "+a)
	}
	parts = append(parts, "--modules "+strings.Join(s.Modules, ","))
	for _, w := range s.Operators {
		parts = append(parts, "--operator "+textfit.Quote(w.String()))
	}
	for _, h := range s.Have {
		parts = append(parts, "--have "+textfit.Quote(h))
	}
	parts = append(parts, "--output "+textfit.Quote(f.dest.path()))
	if ps := f.dest.partSize(); ps > 0 {
		parts = append(parts, "--split fat32")
	}
	if k := f.confirm.sign.path(); k != "" && f.confirm.sign.available() {
		parts = append(parts, "--sign-key "+textfit.Quote(k))
	}
	return strings.Join(parts, " ")
}

func (s *confirmStep) View() string {
	f, th, w := s.f, s.f.th, s.w
	sel := f.Selection()
	p := f.preview.plan
	card := []string{
		th.Title.Render(f.target.Title),
		fmt.Sprintf("version        %s", orDash(sel.Version)),
		fmt.Sprintf("architectures  %s", strings.Join(sel.Archs, ", ")),
		fmt.Sprintf("modules        %s", strings.ReplaceAll(textfit.Words(strings.Join(sel.Modules, ", "), w-21), "\n", "\n               ")),
		fmt.Sprintf("size           %s", strings.ReplaceAll(textfit.Words(fmt.Sprintf("%s (%d images, %d Maven artifacts, %d files)", carriedText(p), p.Totals.Images.Count, p.Totals.Maven.Count, p.Totals.Files.Count), w-21), "\n", "\n               ")),
		fmt.Sprintf("destination    %s", textfit.Middle(f.dest.path(), w-21)),
	}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(th.Border.GetForeground()).Padding(0, 1).Width(w - 2).Render(strings.Join(card, "\n"))
	// What Enter does comes right under the card and the key, before the
	// command that may take several lines.
	var b strings.Builder
	b.WriteString(th.Title.Render("Ready to download and write the bundle") + "\n\n" + box + "\n")
	if s.sign.available() {
		b.WriteString(s.sign.View(w-1) + "\n")
	}
	if s.refusal != "" {
		b.WriteString(th.Warn.Render(textfit.Words(s.refusal, w-1)) + "\n")
	}
	b.WriteString(th.Accent.Render("enter starts the download · esc goes back") + "\n\n")
	same := "The same, without questions:"
	if s.sign.needPW {
		same = "The same, without questions (the key's password in FERRY_KEY_PASSWORD):"
	}
	b.WriteString(th.Subtle.Render(textfit.Words(same, w-1)) + "\n" + textfit.Command(f.Command(), w-1))
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// downloadStep downloads the plan and writes the bundle, showing overall
// progress and every item's state.
type downloadStep struct {
	f      *Flow
	w, h   int
	run    *runState
	result *prepare.Result
	signed session.Signed
	err    error
	scroll int
}

type (
	downloadTickMsg  struct{}
	bundleWrittenMsg struct {
		res    *prepare.Result
		signed session.Signed
		err    error
	}
)

// runState is what the download goroutine shares with the screen.
type runState struct {
	mu      sync.Mutex
	last    events.Event
	items   map[string]*itemState
	order   []string
	started time.Time
	phase   string
}

type itemState struct {
	label   string
	state   string
	done    int64
	size    int64
	attempt int
}

// record keeps an event for the screen. Downloads and the write overlap
// (blobs stream into the bundle): the screen says "writing" once the
// downloads are done, and never goes back.
func (rs *runState) record(e events.Event) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	switch {
	case e.Stage == events.StageDownload && rs.phase != events.StageWrite && rs.phase != events.StageDone:
		rs.phase = e.Stage
	case e.Stage == events.StageWrite && (rs.last.ItemsTotal == 0 || rs.last.ItemsDone >= rs.last.ItemsTotal):
		rs.phase = e.Stage
	case e.Stage == events.StageDone || e.Stage == events.StageCheck:
		rs.phase = e.Stage
	}
	if e.Stage == events.StageDownload {
		rs.last = e
		it, ok := rs.items[e.Item]
		if !ok {
			it = &itemState{}
			rs.items[e.Item] = it
			rs.order = append(rs.order, e.Item)
		}
		it.label, it.state, it.done, it.size, it.attempt = e.Label, e.State, e.ItemBytes, e.ItemSize, e.Attempt
	}
}

func (s *downloadStep) start() tea.Cmd {
	f := s.f
	ctx := f.jobs.Start(jobDownload)
	rs := &runState{items: map[string]*itemState{}, started: time.Now()}
	s.run, s.result, s.err = rs, nil, nil
	sel := f.Selection()
	signing, canSign := f.eng.(Signing)
	// The answers saved beside the bundle travel with it: they name no
	// key, not even its path; the replay command on the done screen does.
	signer := f.confirm.sign.signer
	opts := prepare.Options{Output: f.dest.path(), PartSize: f.dest.partSize(), Answers: &sel, Binary: f.opts.Binary}
	eng, p := f.eng, f.preview.plan
	work := func() tea.Msg {
		c := events.Coalesce(rs.record, 0)
		res, err := eng.Prepare(ctx, p, opts, c.Send)
		c.Close()
		m := bundleWrittenMsg{res: res, err: err}
		if err == nil && canSign {
			// Signed at the end of prepare, as prepare --sign-key does.
			if m.signed, err = signing.SignPrepared(res, signer); err != nil {
				m.err = &notSignedError{err}
			}
		}
		return m
	}
	return tea.Batch(work, f.every(100*time.Millisecond, downloadTickMsg{}))
}

func (s *downloadStep) SetSize(w, h int) { s.w, s.h = w, h }

func (s *downloadStep) ShortHelp() []key.Binding {
	k := s.f.keys
	if s.err != nil {
		return []key.Binding{withHelp(k.Back, "esc", "back to confirm"), withHelp(k.Move, "↑/↓", "scroll"), k.Help, k.Quit}
	}
	return []key.Binding{withHelp(k.Move, "↑/↓", "scroll"), k.Help, withHelp(k.Quit, "q", "stop")}
}

func (s *downloadStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return [][]key.Binding{{k.Up, k.Down}, {withHelp(k.Back, "esc", "back (after a failure)")}, {k.Help, withHelp(k.Quit, "q", "stop (asks first)")}}
}

func (s *downloadStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case downloadTickMsg:
		if f.cur == stepDownload && s.result == nil && s.err == nil {
			return f.every(100*time.Millisecond, downloadTickMsg{})
		}
	case bundleWrittenMsg:
		f.jobs.Finish(jobDownload)
		if msg.err != nil {
			s.err = msg.err
			if f.stopping || errorsIsCanceled(msg.err) {
				return tea.Quit
			}
			return nil
		}
		s.result, s.signed = msg.res, msg.signed
		f.goTo(stepDone)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, f.keys.Down):
			s.scroll++
		case key.Matches(msg, f.keys.Up):
			s.scroll = max(0, s.scroll-1)
		}
		if s.err != nil && key.Matches(msg, f.keys.Back) {
			s.err = nil
			f.cur = stepConfirm
		}
	}
	return nil
}

func (s *downloadStep) View() string {
	th, w, h := s.f.th, s.w, s.h
	rs := s.run
	rs.mu.Lock()
	last := rs.last
	phase := rs.phase
	var rows []string
	for _, id := range rs.order {
		it := rs.items[id]
		st := it.state
		switch st {
		case events.Downloading:
			if it.size > 0 {
				st = fmt.Sprintf("downloading %3.0f%%", 100*float64(it.done)/float64(it.size))
			}
		case events.Retrying:
			st = fmt.Sprintf("retrying (%d)", it.attempt)
		}
		style := th.Subtle
		switch it.state {
		case events.Verified, events.Cached:
			style = th.OK
		case events.Failed:
			style = th.Error
		case events.Retrying:
			style = th.Warn
		}
		rows = append(rows, fmt.Sprintf("%s %s", style.Render(fmt.Sprintf("%-18s", st)), textfit.Middle(it.label, w-20)))
	}
	started := rs.started
	rs.mu.Unlock()
	var b strings.Builder
	b.WriteString(th.Title.Render("Downloading and writing the bundle") + "\n\n")
	b.WriteString(progress.Bar(th, last.BytesDone, last.BytesTotal, w-30) + "\n")
	fmt.Fprintf(&b, "%s · %d of %d items\n", progress.Bytes(last.BytesDone, last.BytesTotal, started), last.ItemsDone, last.ItemsTotal)
	if phase == events.StageWrite || phase == events.StageDone {
		b.WriteString(th.Subtle.Render("writing the bundle's parts…") + "\n")
	}
	if s.err != nil {
		b.WriteString("\n" + th.Error.Render(textfit.Words(worded(s.err), w-1)) + "\n" + th.Subtle.Render(textfit.Words("Running ferry again resumes where this stopped. esc goes back to the confirmation.", w-1)) + "\n")
	}
	b.WriteString("\n")
	room := max(1, h-9)
	start := min(s.scroll, max(0, len(rows)-room))
	end := min(len(rows), start+room)
	b.WriteString(strings.Join(rows[start:end], "\n"))
	if end-start < len(rows) {
		b.WriteString("\n" + th.Subtle.Render(fmt.Sprintf("%d–%d of %d items", start+1, end, len(rows))))
	}
	return b.String()
}

// doneStep shows the bundle written, and the code to read to the
// technician.
type doneStep struct {
	f    *Flow
	w, h int
}

func (s *doneStep) SetSize(w, h int) { s.w, s.h = w, h }

func (s *doneStep) ShortHelp() []key.Binding {
	k := s.f.keys
	return []key.Binding{withHelp(k.Next, "enter", "quit"), k.Help, k.Quit}
}

func (s *doneStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return [][]key.Binding{{withHelp(k.Next, "enter", "quit")}, {k.Help, k.Quit}}
}

func (s *doneStep) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, s.f.keys.Next) {
		return func() tea.Msg { return FinishedMsg{} }
	}
	return nil
}

// View says where the bundle is, the code, and what to do next; the next
// steps come before the answers file so they are seen on the smallest
// window.
func (s *doneStep) View() string {
	th, w := s.f.th, s.w-1
	r := s.f.download.result
	idx := r.Index
	var b strings.Builder
	b.WriteString(th.OK.Render("✓ The bundle is written and verified.") + "\n\n")
	b.WriteString(textfit.Words(fmt.Sprintf("%s · %d part(s), %s", filepath.Join(r.Dir, bundle.IndexName(idx.Name)), len(idx.Parts), sizeText(idx.Size)), w) + "\n\n")
	b.WriteString(textfit.Words("Read this code to the technician; their screen shows the same:", w) + "\n")
	b.WriteString(shortcode.Box(th, idx.ShortCode) + "\n")
	next := "Next: copy the whole folder to the medium, run `ferry verify --quick` on the copy, and hand it over with READ-ME-FIRST.txt. enter quits."
	if fp := s.f.download.signed.Fingerprint; fp != "" {
		b.WriteString(th.OK.Render(textfit.Words("✓ signed by "+fp, w)) + "\n")
		next = "Next: copy the whole folder to the medium, run `ferry verify --quick` on the copy, and hand it over with READ-ME-FIRST.txt; give the site the key's .pub yourself, never on the stick. enter quits."
	} else {
		b.WriteString(th.Subtle.Render("not signed") + "\n")
	}
	b.WriteString(textfit.Words(next, w) + "\n")
	if r.Answers != "" {
		b.WriteString("\n" + textfit.Words("answers saved: "+r.Answers, w) + "\n")
		replay := "ferry prepare --answers " + textfit.Quote(r.Answers) + " --output DIR"
		if s.f.download.signed.Fingerprint != "" {
			replay += " --sign-key " + textfit.Quote(s.f.confirm.sign.path())
		}
		b.WriteString(th.Subtle.Render("replay with:\n" + textfit.Command(replay, w)))
	}
	return b.String()
}
