package farside

import (
	events "ferry/artifacts/progress"
	"ferry/workflow/session"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ferry/artifacts/bundle"
	"ferry/artifacts/size"
	"ferry/tui/components/field"
	"ferry/tui/components/progress"
	"ferry/tui/components/shortcode"
	"ferry/tui/components/textfit"
)

type (
	foundMsg  []session.Found
	openedMsg struct {
		b     *bundle.Bundle
		trust session.Trust
		err   error
	}
	verifiedMsg struct{ err error }
)

// say writes a step's title and what it is about, wrapped to w.
func say(b *strings.Builder, f *Flow, w int, title, explain string) {
	b.WriteString(f.th.Title.Render(title) + "\n" + f.th.Subtle.Render(textfit.Words(explain, w-1)) + "\n\n")
}

// sizeText is a size, or "size unknown" when it could not be read.
func sizeText(n int64) string {
	if n <= 0 {
		return "size unknown"
	}
	return size.Format(n)
}

// signatureChecker is an Engine that also says who signed a bundle (a
// fingerprint, or "" when there is no key to check it with), refusing one
// whose signature is not accepted.
type signatureChecker interface {
	SignedBy(b *bundle.Bundle) (string, error)
}

// open opens the bundle and, when the engine checks signatures, who signed
// it.
func open(eng Engine, path string) openedMsg {
	b, err := eng.Open(path)
	if err != nil {
		return openedMsg{err: err}
	}
	m := openedMsg{b: b}
	if tc, ok := eng.(trustChecker); ok {
		if m.trust, err = tc.TrustOf(b); err != nil {
			return openedMsg{err: err}
		}
	} else if sc, ok := eng.(signatureChecker); ok {
		if m.trust.SignedBy, err = sc.SignedBy(b); err != nil {
			return openedMsg{err: err}
		}
		m.trust.Signed = m.trust.SignedBy != ""
	}
	return m
}

// findStep finds the bundle: among those found on mounted media and in
// the working folder, or where it is typed. The keys go to the list of
// bundles found (r looks again) or to the path field (every key is text);
// tab moves between them.
type findStep struct {
	f       *Flow
	w, h    int
	input   textinput.Model
	found   []session.Found
	looking bool
	// inList is set while the keys go to the bundles found.
	inList  bool
	cursor  int
	openErr error
	// refusal says why Enter did nothing.
	refusal string
	// ask, while set, asks for the site's key for the bundle asked
	// (trust.go).
	ask   *keyPrompt
	asked *bundle.Bundle
}

func newFindStep(f *Flow) *findStep {
	s := &findStep{f: f, input: field.New("› ", "the bundle's folder"), looking: true}
	s.input.SetValue(f.opts.Path)
	s.input.Focus()
	return s
}

func (s *findStep) SetSize(w, h int) { s.w, s.h = w, h; s.input.SetWidth(max(10, w-4)) }

func (s *findStep) path() string { return strings.TrimSpace(s.input.Value()) }

// typing says whether the keys go to the path field.
func (s *findStep) typing() bool { return !s.inList || s.ask != nil }

func (s *findStep) ShortHelp() []key.Binding {
	k := s.f.keys
	if s.ask != nil {
		return s.f.short(withHelp(k.Open, "enter", "check key"), withHelp(k.Back, "esc", "other bundle"))
	}
	if s.inList {
		return s.f.short(k.Open, withHelp(k.Move, "↑/↓", "pick"), k.Rescan, k.List)
	}
	return s.f.short(k.Open, withHelp(k.List, "tab", "bundles found"))
}

func (s *findStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	if s.ask != nil {
		return s.f.full([]key.Binding{withHelp(k.Open, "enter", "check the key (empty: go on unchecked)"), withHelp(k.Back, "esc", "choose another bundle")})
	}
	if s.inList {
		return s.f.full([]key.Binding{k.Open, k.Up, k.Down}, []key.Binding{k.Rescan, k.List})
	}
	return s.f.full([]key.Binding{k.Open, withHelp(k.List, "tab", "bundles found")})
}

// withHelp is b described otherwise.
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// look searches the mounted media and the working folder for bundles.
func (s *findStep) look() tea.Cmd {
	s.looking = true
	eng, ctx := s.f.eng, s.f.jobs.Context()
	return func() tea.Msg { return foundMsg(eng.Find(ctx)) }
}

func (s *findStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	if _, ok := msg.(foundMsg); s.ask != nil && !ok {
		return s.updateAsk(msg)
	}
	switch msg := msg.(type) {
	case foundMsg:
		s.found, s.looking = msg, false
		if len(msg) == 0 {
			return nil
		}
		s.cursor = min(s.cursor, len(msg)-1)
		if s.input.Value() == "" {
			s.input.SetValue(msg[0].Path)
			s.cursor = 0
			s.inList = true
			s.input.Blur()
		}
		return nil
	case openedMsg:
		if _, ok := f.eng.(trustChecker); ok && msg.err == nil && msg.trust.Unchecked() {
			s.openErr = nil
			s.askKey(msg.b)
			return nil
		}
		f.bundle, s.openErr = msg.b, msg.err
		f.code.trust = msg.trust
		if msg.err == nil {
			f.next(stepCode)
		}
		return nil
	case tea.KeyPressMsg:
		s.refusal = ""
		k := msg.String()
		switch {
		case k == "enter":
			p, eng := s.path(), f.eng
			if p == "" {
				s.refusal = "Type the bundle's folder or pick one found above."
				if len(s.found) == 0 {
					s.refusal = "Type the bundle's folder (the one with the .ferry.json file)."
				}
				return nil
			}
			s.openErr = nil
			return func() tea.Msg { return open(eng, p) }
		case k == "tab" || k == "shift+tab":
			s.setList(!s.inList)
			return nil
		case s.openErr != nil && f.expandKey(msg) && s.inList:
			return nil
		case s.inList:
			switch k {
			case "down", "j", "up", "k":
				s.pick(k == "down" || k == "j")
				return nil
			case "r":
				return s.look()
			}
			if msg.Text == "" && k != "ctrl+u" && k != "backspace" {
				return nil
			}
			s.setList(false) // typing starts a path
		case k == "down" || k == "up":
			if len(s.found) > 0 {
				s.setList(true)
				s.pick(k == "down")
			}
			return nil
		}
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

func (s *findStep) setList(on bool) {
	s.inList = on
	if on {
		s.input.Blur()
		if len(s.found) > 0 {
			s.input.SetValue(s.found[s.cursor].Path)
		}
		return
	}
	s.input.Focus()
	s.input.CursorEnd()
}

func (s *findStep) pick(down bool) {
	if len(s.found) == 0 {
		return
	}
	if down {
		s.cursor = min(s.cursor+1, len(s.found)-1)
	} else {
		s.cursor = max(s.cursor-1, 0)
	}
	s.input.SetValue(s.found[s.cursor].Path)
}

func (s *findStep) View() string {
	if s.ask != nil {
		return s.viewAsk()
	}
	f, th, w := s.f, s.f.th, s.w
	var b strings.Builder
	explain := "Plug in the USB stick. ferry looks for bundles on mounted media and in this folder; pick one with ↑/↓ (r looks again), or press tab and type the folder where it is. Then press Enter."
	say(&b, f, w, "Where is the bundle?", explain)
	b.WriteString(s.input.View() + "\n\n")
	switch {
	case s.looking && len(s.found) == 0:
		b.WriteString(th.Subtle.Render("Looking for bundles…") + "\n")
	case len(s.found) == 0 && s.inList:
		b.WriteString(th.Subtle.Render(textfit.Words("No bundle found on mounted media (/media, /run/media, /mnt) or in this folder. Plug in the stick and press r to look again, or tab to type the folder.", w-1)) + "\n")
	case len(s.found) == 0:
		b.WriteString(th.Subtle.Render(textfit.Words("No bundle found on mounted media (/media, /run/media, /mnt) or in this folder. Type the folder, or plug in the stick, press tab, then r to look again.", w-1)) + "\n")
	default:
		b.WriteString(th.Header.Render(fmt.Sprintf("Bundles found (%d)", len(s.found))) + "\n")
		room := max(1, s.h-16)
		start := max(0, min(s.cursor-room/2, len(s.found)-room))
		end := min(len(s.found), start+room)
		for i := start; i < end; i++ {
			fd := s.found[i]
			cur := "  "
			name := textfit.Middle(fd.Path, w-4)
			if i == s.cursor && s.inList {
				cur = th.Accent.Render("▸ ")
				name = th.Accent.Render(name)
			}
			b.WriteString(cur + name + "\n")
		}
		if end-start < len(s.found) {
			b.WriteString(th.Subtle.Render(fmt.Sprintf("  %d–%d of %d", start+1, end, len(s.found))) + "\n")
		}
		// The detail of the highlighted bundle.
		fd := s.found[min(s.cursor, len(s.found)-1)]
		parts := fmt.Sprintf("%d part(s)", len(fd.Index.Parts))
		if fd.Present < len(fd.Index.Parts) {
			parts = th.Warn.Render(fmt.Sprintf("%d of %d parts present", fd.Present, len(fd.Index.Parts)))
		}
		line := fmt.Sprintf("%s %s · %s · modules %s · %s, %s", fd.Index.Target, fd.Index.Version, strings.Join(fd.Index.Archs, ", "), strings.Join(fd.Index.Modules, ", "), parts, sizeText(fd.Index.Size))
		b.WriteString(th.Subtle.Render(textfit.Words(line, w-1)) + "\n")
	}
	if s.refusal != "" {
		b.WriteString("\n" + th.Warn.Render(textfit.Words(s.refusal, w-1)) + "\n")
	}
	if s.openErr != nil {
		e, _ := f.errText(worded(s.openErr), w-1)
		b.WriteString("\n" + e)
	}
	return b.String()
}

// codeStep shows the bundle's short code to compare with the engineer's,
// then verifies every part.
type codeStep struct {
	f    *Flow
	w, h int
	read *progress.Latest
	err  error
	// trust is what is known of the bundle's signature.
	trust session.Trust
}

func (s *codeStep) SetSize(w, h int) { s.w, s.h = w, h }

func (s *codeStep) ShortHelp() []key.Binding {
	f, k := s.f, s.f.keys
	switch {
	case f.jobs.Running(jobVerify):
		return []key.Binding{withHelp(k.Back, "esc", "stop and go back"), f.keys.Quit}
	case s.err != nil:
		return f.short(withHelp(k.Next, "enter", "check again"), k.Expand, k.Back)
	}
	return f.short(k.Yes, k.No, k.Back)
}

func (s *codeStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return s.f.full([]key.Binding{k.Yes, k.No, k.Back}, []key.Binding{withHelp(k.Next, "enter", "check again (after an error)"), k.Expand})
}

func (s *codeStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case verifiedMsg:
		f.jobs.Finish(jobVerify)
		s.err = msg.err
		if msg.err == nil {
			f.next(stepWhere)
			f.where.focusField()
		}
		return nil
	case tea.KeyPressMsg:
		k := msg.String()
		verifying := f.jobs.Running(jobVerify)
		switch {
		case k == "esc" || (k == "n" && !verifying):
			f.jobs.Cancel(jobVerify)
			f.setStep(stepFind)
		case verifying:
		case s.err != nil && f.expandKey(msg):
		case k == "y" || (k == "enter" && s.err != nil):
			s.err = nil
			f.expanded = false
			ctx := f.jobs.Start(jobVerify)
			b, eng := f.bundle, f.eng
			box := &progress.Latest{}
			box.Record(events.Event{Stage: events.StageVerify, BytesTotal: b.Index.Size})
			s.read = box
			return tea.Batch(func() tea.Msg {
				c := events.Coalesce(box.Record, 0)
				err := eng.Verify(ctx, b, c.Send)
				c.Close()
				return verifiedMsg{err}
			}, f.every())
		}
	}
	return nil
}

func (s *codeStep) View() string {
	f, th, w := s.f, s.f.th, s.w
	ix := f.bundle.Index
	var b strings.Builder
	if s.err != nil && f.expanded {
		// The whole error takes the room of the code.
		b.WriteString(th.Title.Render("Check the code") + "\n\n" + th.Subtle.Render("Copy the part again, then press Enter to check again. e shows less.") + "\n")
		e, _ := f.errText("The bundle is damaged: "+worded(s.err), w-1)
		return b.String() + e
	}
	say(&b, f, w, "Check the code", "Ask the engineer who made the bundle to read you their code. Do they match? Press y if they do, n if they do not.")
	b.WriteString(shortcode.Box(th, ix.ShortCode) + "\n\n")
	b.WriteString(trustView(f, s.trust, w-1) + "\n\n")
	info := fmt.Sprintf("%s %s · %s · modules %s · %d part(s), %s", ix.Target, ix.Version, strings.Join(ix.Archs, ", "), strings.Join(ix.Modules, ", "), len(ix.Parts), sizeText(ix.Size))
	b.WriteString(textfit.Words(info, w-1) + "\n\n")
	switch {
	case f.jobs.Running(jobVerify):
		e := s.read.Get()
		done, total := e.BytesDone, e.BytesTotal
		part := 1
		if ix.PartSize > 0 {
			part = min(int(done/ix.PartSize)+1, len(ix.Parts))
		}
		fmt.Fprintf(&b, "Checking part %d of %d and every item in it…\n%s\n", part, len(ix.Parts), progress.Bar(th, done, total, w-10))
	case s.err != nil:
		// The way on comes first, so a long error never hides it.
		b.WriteString(th.Subtle.Render("Copy the part again, then press Enter to check again.") + "\n")
		e, _ := f.errText("The bundle is damaged: "+worded(s.err), w-1)
		b.WriteString(e)
	}
	return b.String()
}
