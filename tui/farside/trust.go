package farside

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ferry/artifacts/bundle"
	"ferry/tui/components/field"
	"ferry/tui/components/textfit"
	"ferry/workflow/session"
)

// trustChecker is an Engine that says what it knows of a bundle's
// signature and checks it against a public key the technician names; the
// session is one.
type trustChecker interface {
	TrustOf(b *bundle.Bundle) (session.Trust, error)
	CheckWithKey(b *bundle.Bundle, pubPath string) (string, error)
}

// keyTrustedMsg is the bundle checked against the key named.
type keyTrustedMsg struct {
	path, signedBy string
	err            error
}

// keyPrompt asks for the site's public key when the bundle is signed and
// no key was there to check it: the site's own copy proves who made the
// bundle. Left empty, the bundle goes on unchecked, and the screens say so.
type keyPrompt struct {
	input    textinput.Model
	checking bool
	err      error
}

func newKeyPrompt() *keyPrompt {
	p := &keyPrompt{input: field.New("› ", "the site's public key, e.g. /home/tech/site-a.pub")}
	p.input.Focus()
	return p
}

// trustView says what is known of the bundle's signature, for the code
// step: who signed it and with which key that was checked.
func trustView(f *Flow, t session.Trust, w int) string {
	th := f.th
	switch {
	case t.SignedBy != "" && t.Beside:
		return th.OK.Render(textfit.Words("✓ signed by "+t.SignedBy+", checked with the .pub on the same stick", w)) + "\n" +
			th.Warn.Render(textfit.Words("! A .pub on the same stick proves only that the bundle matches the key carried with it, not who made it: a forger can replace both. Check with the site's own copy of the key (start ferry import --key FILE.pub), or compare this fingerprint with the engineer's.", w))
	case t.SignedBy != "":
		return th.OK.Render(textfit.Words("✓ signed by "+t.SignedBy+", checked with the site's key", w)) + "\n" +
			th.Subtle.Render(textfit.Words("The code names the bundle; the signature proves who made it.", w))
	case t.Signed:
		return th.Warn.Render(textfit.Words("! signed, but unchecked: no key of the site's was given, so nothing proves who made this bundle.", w))
	}
	return th.Subtle.Render("not signed")
}

// askKey starts asking for the site's key for the bundle just opened.
func (s *findStep) askKey(b *bundle.Bundle) {
	s.ask, s.asked = newKeyPrompt(), b
	s.ask.input.SetWidth(max(10, s.w-4))
}

// updateAsk handles the keys and the check while the key is asked.
func (s *findStep) updateAsk(msg tea.Msg) tea.Cmd {
	f, p := s.f, s.ask
	switch msg := msg.(type) {
	case keyTrustedMsg:
		if msg.path != strings.TrimSpace(p.input.Value()) {
			return nil
		}
		p.checking, p.err = false, msg.err
		if msg.err == nil {
			s.trusted(session.Trust{Signed: true, SignedBy: msg.signedBy})
		}
		return nil
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc":
			s.ask, s.asked = nil, nil
			return nil
		case "enter":
			path := strings.TrimSpace(p.input.Value())
			if path == "" {
				s.trusted(session.Trust{Signed: true})
				return nil
			}
			p.checking, p.err = true, nil
			eng, b := f.eng.(trustChecker), s.asked
			return func() tea.Msg {
				fp, err := eng.CheckWithKey(b, path)
				return keyTrustedMsg{path: path, signedBy: fp, err: err}
			}
		}
		p.err = nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

// trusted goes on to the code with what is known of the signature.
func (s *findStep) trusted(t session.Trust) {
	f := s.f
	f.bundle, f.code.trust = s.asked, t
	s.ask, s.asked = nil, nil
	f.next(stepCode)
}

func (s *findStep) viewAsk() string {
	f, th, w, p := s.f, s.f.th, s.w, s.ask
	var b strings.Builder
	say(&b, f, w, "Who signed this bundle?", "The bundle is signed, and no key was found beside it. Type the path of the site's own copy of the engineer's public key (the .pub file you were given, not one from the stick) and press Enter to check it. Or leave it empty and press Enter to go on unchecked: then nothing proves who made the bundle.")
	b.WriteString(p.input.View() + "\n\n")
	switch {
	case p.checking:
		b.WriteString(th.Subtle.Render("Checking the signature…"))
	case p.err != nil:
		e, _ := f.errText(worded(p.err), w-1)
		b.WriteString(e + "\n" + th.Subtle.Render(textfit.Words("Type another key, empty the field to go on unchecked, or esc to choose another bundle.", w-1)))
	default:
		b.WriteString(th.Subtle.Render(textfit.Words("Enter checks the key; empty, Enter goes on unchecked; esc chooses another bundle.", w-1)))
	}
	return b.String()
}
