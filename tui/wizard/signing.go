package wizard

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"golang.org/x/crypto/ssh"

	"ferry/artifacts/signature"
	"ferry/tui/components/field"
	"ferry/tui/components/textfit"
	"ferry/workflow/prepare"
	"ferry/workflow/session"
)

// Signing is an Engine that can sign the bundle it writes; the session
// is one. With an engine that cannot, the confirmation offers no key.
type Signing interface {
	// SigningKey opens the private key at path (with password when it is
	// encrypted), refusing one inside bundleDir.
	SigningKey(path, password, bundleDir string) (ssh.Signer, error)
	// SignPrepared signs the bundle just written, or with no signer
	// removes an earlier signature it no longer matches.
	SignPrepared(res *prepare.Result, signer ssh.Signer) (session.Signed, error)
}

var _ Signing = (*session.Session)(nil)

// keyCheckedMsg is the signing key as read for what was typed.
type keyCheckedMsg struct {
	path, password string
	signer         ssh.Signer
	err            error
}

// signField is the confirmation's signing key: a path (empty: unsigned)
// checked as it is typed, and a masked password once the key turns out
// to be encrypted. The password stays in this field and the command that
// opens the key: it never reaches the answers file or the screen.
type signField struct {
	f        *Flow
	key, pw  textinput.Model
	onPW     bool // the password field has the keys
	needPW   bool // the key is encrypted
	checking bool
	// opening is set while Enter waits for the password to open the key
	// (it is tried on Enter, not on every key: opening is slow on purpose).
	opening bool
	signer  ssh.Signer
	err     error
}

func newSignField(f *Flow) *signField {
	s := &signField{f: f, key: field.New("› ", "empty: not signed · or a private key (ferry keygen)"), pw: field.New("› ", "")}
	s.key.SetValue(f.opts.SignKey)
	s.pw.Placeholder = "the key's password"
	s.pw.EchoMode = textinput.EchoPassword
	s.pw.EchoCharacter = '•'
	return s
}

// available says whether the engine can sign at all.
func (s *signField) available() bool { _, ok := s.f.eng.(Signing); return ok }

func (s *signField) path() string { return strings.TrimSpace(s.key.Value()) }

func (s *signField) setWidth(w int) {
	s.key.SetWidth(max(20, w-4))
	s.pw.SetWidth(max(20, w-4))
}

// focus gives the keys to the field; the key is checked again, as it may
// have changed on disk or the destination since.
func (s *signField) focus() tea.Cmd {
	if !s.available() {
		return nil
	}
	s.onPW = false
	s.pw.Blur()
	s.key.Focus()
	s.key.CursorEnd()
	return s.check()
}

// ready says whether enter may start: no key, or a key that opened.
func (s *signField) ready() bool {
	return !s.available() || s.path() == "" || (s.signer != nil && !s.checking)
}

// open tries the password typed, on Enter; it gives nil when there is
// nothing to try.
func (s *signField) open() tea.Cmd {
	if !s.available() || !s.needPW || s.pw.Value() == "" || s.checking || s.signer != nil {
		return nil
	}
	s.opening = true
	return s.check()
}

// opened says whether a password tried on Enter just opened the key,
// clearing the wait.
func (s *signField) opened() bool {
	ok := s.opening && !s.checking && s.signer != nil
	if !s.checking {
		s.opening = false
	}
	return ok
}

// refusal says why enter does not start yet.
func (s *signField) refusal() string {
	switch {
	case s.checking:
		return "Still reading the signing key: press Enter again in a moment."
	case s.needPW && s.pw.Value() == "":
		return "Type the key's password (tab moves to it), or empty the key field to write the bundle unsigned."
	}
	return "Enter starts once the signing key opens: fix it, or empty the field to write the bundle unsigned."
}

func (s *signField) check() tea.Cmd {
	p, pw := s.path(), s.pw.Value()
	s.signer, s.err = nil, nil
	if p == "" {
		s.checking, s.needPW = false, false
		return nil
	}
	s.checking = true
	eng, out := s.f.eng.(Signing), s.f.dest.path()
	return func() tea.Msg {
		signer, err := eng.SigningKey(p, pw, out)
		return keyCheckedMsg{path: p, password: pw, signer: signer, err: err}
	}
}

// update takes a key or a result; it says whether it used a key.
func (s *signField) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case keyCheckedMsg:
		if msg.path != s.path() || msg.password != s.pw.Value() {
			return nil, true // typed on meanwhile
		}
		s.checking, s.signer, s.err = false, msg.signer, msg.err
		switch {
		case errors.Is(msg.err, signature.ErrNeedPassword):
			s.needPW, s.err = true, nil
		case msg.err == nil && msg.password == "":
			s.needPW = false
		}
		if !s.needPW {
			s.onPW = false
			s.pw.Blur()
			s.key.Focus()
		}
		return nil, true
	case tea.KeyPressMsg:
		if !s.available() {
			return nil, false
		}
		if k := msg.String(); k == "tab" || k == "shift+tab" {
			if s.needPW {
				s.onPW = !s.onPW
				if s.onPW {
					s.key.Blur()
					return s.pw.Focus(), true
				}
				s.pw.Blur()
				return s.key.Focus(), true
			}
			return nil, true
		}
		if msg.Text == "" && !strings.HasPrefix(msg.String(), "ctrl+") && msg.String() != "backspace" && msg.String() != "delete" &&
			msg.String() != "left" && msg.String() != "right" && msg.String() != "home" && msg.String() != "end" {
			return nil, false
		}
		var cmd tea.Cmd
		if s.onPW {
			before := s.pw.Value()
			s.pw, cmd = s.pw.Update(msg)
			if s.pw.Value() != before {
				s.signer, s.err, s.opening = nil, nil, false
			}
			return cmd, true // tried on Enter
		} else {
			before := s.path()
			s.key, cmd = s.key.Update(msg)
			if s.path() != before {
				s.pw.SetValue("") // another key, another password
				s.needPW = false
			}
		}
		return tea.Batch(cmd, s.check()), true
	}
	return nil, false
}

// View is the field and what was found, in lines fitting w.
func (s *signField) View(w int) string {
	th := s.f.th
	var b strings.Builder
	b.WriteString(th.Header.Render("Sign the bundle") + th.Subtle.Render(" (optional: the site checks who made it)") + "\n")
	b.WriteString(s.key.View() + "\n")
	if s.needPW {
		b.WriteString(s.pw.View() + "\n")
	}
	switch {
	case s.path() == "":
		b.WriteString(th.Subtle.Render(textfit.Words("Not signed: type a private key's path to sign it (ferry keygen makes one).", w)))
	case s.checking && s.opening:
		b.WriteString(th.Subtle.Render("Opening the key…"))
	case s.checking:
		b.WriteString(th.Subtle.Render("Reading the key…"))
	case s.signer != nil:
		b.WriteString(th.OK.Render(textfit.Words("✓ signs as "+signature.Fingerprint(s.signer.PublicKey()), w)))
	case s.needPW && s.pw.Value() == "":
		b.WriteString(th.Warn.Render(textfit.Words("The key is encrypted: tab, then type its password (never saved).", w)))
	case s.needPW && s.err == nil:
		b.WriteString(th.Subtle.Render(textfit.Words("Enter opens the key with this password, then starts.", w)))
	case errors.Is(s.err, signature.ErrWrongPassword):
		b.WriteString(th.Error.Render(textfit.Words("✗ that password does not open the key", w)))
	case s.err != nil:
		b.WriteString(th.Error.Render(textfit.Words("✗ "+worded(s.err), w)))
	}
	return b.String()
}

// notSignedError is a bundle written whole whose signing failed.
type notSignedError struct{ err error }

func (e *notSignedError) Error() string {
	return "the bundle was written but not signed: " + e.err.Error() + ": esc goes back, and Enter writes it again, signed (what was downloaded is reused); or sign it with ferry sign"
}

func (e *notSignedError) Unwrap() error { return e.err }
