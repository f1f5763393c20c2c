package farside

import (
	events "ferry/artifacts/progress"
	"ferry/workflow/session"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ferry/artifacts/bundle"
	"ferry/artifacts/size"
	"ferry/tui/components/progress"
	"ferry/tui/components/shortcode"
)

type (
	foundMsg  []session.Found
	openedMsg struct {
		b        *bundle.Bundle
		signedBy string
		err      error
	}
	verifiedMsg struct{ err error }
)

// say writes a step's title and what it is about, wrapped to w.
func say(b *strings.Builder, f *Flow, w int, title, explain string) {
	b.WriteString(f.th.Title.Render(title) + "\n" + f.th.Subtle.Render(ansi.Wordwrap(explain, w-2, "")) + "\n\n")
}

func noBlink(ti *textinput.Model) {
	st := ti.Styles()
	st.Cursor.Blink = false
	ti.SetStyles(st)
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
	if sc, ok := eng.(signatureChecker); ok {
		if m.signedBy, err = sc.SignedBy(b); err != nil {
			return openedMsg{err: err}
		}
	}
	return m
}

// findStep finds the bundle: on mounted media, or where it is typed.
type findStep struct {
	helpKeys
	f       *Flow
	w, h    int
	input   textinput.Model
	found   []session.Found
	openErr error
}

func newFindStep(f *Flow) *findStep {
	s := &findStep{helpKeys: helpKeys{f.keys}, f: f, input: textinput.New()}
	noBlink(&s.input)
	s.input.Prompt = "› "
	s.input.SetValue(f.opts.Path)
	s.input.Focus()
	return s
}

func (s *findStep) SetSize(w, h int) { s.w, s.h = w, h }

func (s *findStep) path() string { return strings.TrimSpace(s.input.Value()) }

// look searches the mounted media for bundles.
func (s *findStep) look() tea.Cmd {
	eng, ctx := s.f.eng, s.f.jobs.Context()
	return func() tea.Msg { return foundMsg(eng.Find(ctx)) }
}

func (s *findStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case foundMsg:
		s.found = msg
		if s.input.Value() == "" && len(msg) > 0 {
			s.input.SetValue(msg[0].Path)
		}
		return nil
	case openedMsg:
		f.bundle, s.openErr = msg.b, msg.err
		f.code.signedBy = msg.signedBy
		if msg.err == nil {
			f.next(stepCode)
		}
		return nil
	case tea.KeyPressMsg:
		switch k := msg.String(); k {
		case "enter":
			p, eng := s.path(), f.eng
			return func() tea.Msg { return open(eng, p) }
		case "down", "up":
			s.pick(k == "down")
			return nil
		}
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

func (s *findStep) pick(down bool) {
	if len(s.found) == 0 {
		return
	}
	i := 0
	for j, fd := range s.found {
		if fd.Path == s.input.Value() {
			i = j
			if down {
				i = min(j+1, len(s.found)-1)
			} else {
				i = max(j-1, 0)
			}
		}
	}
	s.input.SetValue(s.found[i].Path)
}

func (s *findStep) View() string {
	th, w := s.f.th, s.w
	var b strings.Builder
	say(&b, s.f, w, "Where is the bundle?", "Plug in the USB stick. ferry looks for bundles on mounted media; pick one with ↑/↓ or type the folder where it is, then press Enter.")
	b.WriteString(s.input.View() + "\n\n")
	for _, fd := range s.found {
		parts := fmt.Sprintf("%d part(s)", len(fd.Index.Parts))
		if fd.Present < len(fd.Index.Parts) {
			parts = th.Warn.Render(fmt.Sprintf("%d of %d parts present", fd.Present, len(fd.Index.Parts)))
		}
		line := fmt.Sprintf("%s %s · %s · modules %s · %s, %s", fd.Index.Target, fd.Index.Version, strings.Join(fd.Index.Archs, ", "), strings.Join(fd.Index.Modules, ", "), parts, size.Format(fd.Index.Size))
		fmt.Fprintf(&b, "  %s\n    %s\n", fd.Path, ansi.Truncate(line, w-6, "…"))
	}
	if len(s.found) == 0 {
		b.WriteString(th.Subtle.Render("No bundle found on mounted media (/media, /run/media, /mnt).") + "\n")
	}
	if s.openErr != nil {
		b.WriteString("\n" + th.Error.Render(ansi.Wordwrap(s.openErr.Error(), w-2, "")))
	}
	return b.String()
}

// codeStep shows the bundle's short code to compare with the engineer's,
// then verifies every part.
type codeStep struct {
	helpKeys
	f    *Flow
	w, h int
	read *progress.Latest
	err  error
	// signedBy is the fingerprint of the key that signed the bundle, when
	// a key was there to check it.
	signedBy string
}

func (s *codeStep) SetSize(w, h int) { s.w, s.h = w, h }

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
			f.cur = stepFind
		case verifying:
		case k == "y" || (k == "enter" && s.err != nil):
			s.err = nil
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
	say(&b, f, w, "Check the code", "Ask the engineer who made the bundle to read you their code. Do they match? Press y if they do, n if they do not.")
	b.WriteString(shortcode.Box(th, ix.ShortCode) + "\n\n")
	if s.signedBy != "" {
		b.WriteString(th.OK.Render("✓ signed by "+s.signedBy) + "\n" + th.Subtle.Render(ansi.Wordwrap("Ask the engineer for the key's fingerprint too: the code names the bundle, the signature proves who made it.", w-2, "")) + "\n\n")
	}
	fmt.Fprintf(&b, "%s %s · %s · modules %s\n%d part(s), %s\n\n", ix.Target, ix.Version, strings.Join(ix.Archs, ", "), strings.Join(ix.Modules, ", "), len(ix.Parts), size.Format(ix.Size))
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
		b.WriteString(th.Error.Render(ansi.Wordwrap("The bundle is damaged: "+s.err.Error(), w-2, "")) + "\n" + th.Subtle.Render("Copy the part again, then press Enter to check again."))
	}
	return b.String()
}
