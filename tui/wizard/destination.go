package wizard

import (
	"ferry/workflow/session"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ferry/artifacts/size"
	"ferry/tui/components/field"
	"ferry/tui/components/textfit"
	"ferry/workflow/prepare"
)

// destStep asks where the bundle goes and checks its free space before
// anything is downloaded.
type destStep struct {
	f        *Flow
	w, h     int
	input    textinput.Model
	media    []session.Medium
	space    *prepare.Space
	spaceErr error
	// refusal says why Enter did nothing.
	refusal string
}

type (
	spaceCheckedMsg struct {
		path  string
		space prepare.Space
		err   error
	}
	mediaFoundMsg    []session.Medium
	foldersListedMsg struct {
		prefix  string
		folders []string
	}
)

func newDestStep(f *Flow) *destStep {
	ti := field.New("› ", "/media/usb or a folder")
	ti.SetValue(f.opts.DefaultOutput)
	return &destStep{f: f, input: ti}
}

func (s *destStep) SetSize(w, h int) { s.w, s.h = w, h; s.input.SetWidth(max(20, w-4)) }

func (s *destStep) ShortHelp() []key.Binding {
	k := s.f.keys
	return []key.Binding{k.Next, k.Back, withHelp(k.Complete, "tab", "complete"), withHelp(k.Move, "↑/↓", "medium"), k.TypingHelp, k.TypingQuit}
}

func (s *destStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return [][]key.Binding{{k.Next, k.Back}, {k.Complete, withHelp(k.Move, "↑/↓", "pick a medium")}, {k.TypingHelp, k.TypingQuit}}
}

// enter focuses the path and looks for media and free space.
func (s *destStep) enter() tea.Cmd {
	s.input.Focus()
	eng := s.f.eng
	media := func() tea.Msg { return mediaFoundMsg(eng.Media()) }
	return tea.Batch(media, s.checkSpace())
}

func (s *destStep) path() string { return strings.TrimSpace(s.input.Value()) }

func (s *destStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case spaceCheckedMsg:
		if msg.path == s.path() {
			if msg.err != nil {
				s.space, s.spaceErr = nil, msg.err
			} else {
				sp := msg.space
				s.space, s.spaceErr = &sp, nil
			}
		}
		return nil
	case mediaFoundMsg:
		s.media = msg
		return nil
	case foldersListedMsg:
		if msg.prefix != s.path() {
			return nil // typed on meanwhile
		}
		switch len(msg.folders) {
		case 0:
			return nil
		case 1:
			s.input.SetValue(msg.folders[0] + string(filepath.Separator))
		default:
			s.input.SetValue(commonPrefix(msg.folders))
		}
		s.input.CursorEnd()
		return s.checkSpace()
	case tea.KeyPressMsg:
		s.refusal = ""
		switch {
		case msg.String() == "tab":
			eng, p := f.eng, s.path()
			return func() tea.Msg { return foldersListedMsg{prefix: p, folders: eng.Folders(p)} }
		case key.Matches(msg, f.keys.Back):
			return f.back()
		case key.Matches(msg, f.keys.Next):
			switch {
			case s.path() == "":
				s.refusal = "Type a folder, or pick a medium with ↑/↓."
			case s.space == nil && s.spaceErr == nil:
				s.refusal = "Still checking the free space: press Enter again in a moment."
			case s.space == nil || !s.fits():
				s.refusal = "Enter goes on once the bundle fits: choose another place or free some space."
			}
			if s.refusal != "" {
				return s.checkSpace()
			}
			f.goTo(stepConfirm)
			return f.confirm.sign.focus()
		case msg.String() == "up" || msg.String() == "down":
			s.pickMedium(msg.String() == "down")
			return s.checkSpace()
		}
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(msg)
		return tea.Batch(cmd, s.checkSpace())
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

func (s *destStep) checkSpace() tea.Cmd {
	p := s.path()
	if p == "" {
		s.space = nil
		return nil
	}
	eng := s.f.eng
	return func() tea.Msg {
		sp, err := eng.Space(p)
		return spaceCheckedMsg{path: p, space: sp, err: err}
	}
}

func commonPrefix(s []string) string {
	p := s[0]
	for _, x := range s[1:] {
		for !strings.HasPrefix(x, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

func (s *destStep) pickMedium(down bool) {
	if len(s.media) == 0 {
		return
	}
	i := slices.IndexFunc(s.media, func(md session.Medium) bool { return md.Path == s.path() })
	switch {
	case i < 0:
		i = 0
	case down:
		i = min(i+1, len(s.media)-1)
	default:
		i = max(i-1, 0)
	}
	s.input.SetValue(s.media[i].Path)
	s.input.CursorEnd()
}

// partSize is the split chosen from the destination's file system, as
// prepare's --split auto chooses it.
func (s *destStep) partSize() int64 {
	if s.space == nil {
		return 0
	}
	return session.Split{Auto: true}.PartSize(*s.space)
}

func (s *destStep) need() int64 {
	if p := s.f.preview.plan; p != nil {
		return prepare.EstimateSize(p)
	}
	return 0
}

func (s *destStep) fits() bool {
	return s.space != nil && (s.space.Unknown || s.space.Free >= s.need())
}

func (s *destStep) View() string {
	th := s.f.th
	var b strings.Builder
	b.WriteString(th.Title.Render("Where should the bundle go?") + "\n")
	b.WriteString(th.Subtle.Render("A folder, or the mounted stick. tab completes folders; ↑/↓ picks a medium below.") + "\n\n")
	b.WriteString(s.input.View() + "\n\n")
	if len(s.media) > 0 {
		b.WriteString(th.Header.Render("Removable media") + "\n")
		for _, md := range s.media {
			fs := ""
			if md.FAT {
				fs = " · FAT"
			}
			free := fmt.Sprintf("  %s free%s", size.Format(md.Free), fs)
			fmt.Fprintf(&b, "  %s%s\n", textfit.Middle(md.Path, s.w-3-len([]rune(free))), free)
		}
		b.WriteString("\n")
	} else {
		b.WriteString(th.Subtle.Render("No removable media mounted under /media, /run/media or /mnt.") + "\n\n")
	}
	need := s.need()
	switch {
	case s.path() == "":
		b.WriteString(th.Subtle.Render("Type a path to check its free space."))
	case s.spaceErr != nil:
		b.WriteString(th.Error.Render(textfit.Words(worded(s.spaceErr), s.w-1)))
	case s.space == nil:
		b.WriteString(th.Subtle.Render("Checking free space…"))
	default:
		split := "one part"
		if ps := s.partSize(); ps > 0 {
			split = "parts of " + size.Format(ps) + " (FAT32 holds no file of 4 GiB or more)"
		}
		if s.space.Unknown {
			b.WriteString(textfit.Words(fmt.Sprintf("needs %s · free space unknown · %s", size.Format(need), split), s.w-1) + "\n")
			b.WriteString(th.Warn.Render(textfit.Words("! this file system does not say how much space is free: enter goes on without that check", s.w-1)))
			break
		}
		b.WriteString(textfit.Words(fmt.Sprintf("needs %s · %s free · %s", size.Format(need), size.Format(s.space.Free), split), s.w-1) + "\n")
		if s.fits() {
			b.WriteString(th.OK.Render("✓ enough free space: enter goes on"))
		} else {
			b.WriteString(th.Error.Render(textfit.Words(fmt.Sprintf("✗ not enough space: %s more is needed; choose another place or free some space", size.Format(need-s.space.Free)), s.w-1)))
		}
	}
	if s.refusal != "" {
		b.WriteString("\n\n" + th.Warn.Render(textfit.Words(s.refusal, s.w-1)))
	}
	return b.String()
}
