package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// A walkthrough that plays itself keeps a presenter's pace: every Auto it
// looks whether the screen is ready for its key, and presses it once the
// screen has been shown for its number of beats. The short code, each of
// the preview's tabs and the end are shown longer, so a room can read them.
const (
	beatsCode    = 5
	beatsTab     = 3
	beatsSummary = 5
)

// autoMsg asks a walkthrough that plays itself for its next key.
type autoMsg struct{}

// seededMsg says the demo's ready-made bundle is written (or why not).
type seededMsg struct {
	path string
	err  error
}

func (m *Model) auto() tea.Cmd {
	if m.opts.Auto <= 0 {
		return nil
	}
	return m.opts.Tick(m.opts.Auto, func(time.Time) tea.Msg { return autoMsg{} })
}

// ready is the key the current screen is ready for, if any.
func (m *Model) ready() (string, bool) {
	if m.seeding || m.quitting {
		return "", false
	}
	if m.side == Import {
		return m.far.Ready()
	}
	if !m.prep.Ready() {
		return "", false
	}
	if cur, n := m.prep.Tab(); n > 0 && cur < n-1 {
		return "tab", true // show every tab before going on
	}
	return "enter", true
}

// screen names what is shown, so beats are counted per screen (and per
// tab).
func (m *Model) screen() string {
	s := string(m.side) + "/" + m.Step()
	if m.side == Prepare {
		cur, _ := m.prep.Tab()
		s += fmt.Sprint("/", cur)
	}
	return s
}

// beats is how many ticks of Auto the screen stays before its key.
func (m *Model) beats() int {
	switch {
	case m.side == Prepare && m.prep.OnCode(), m.side == Import && m.far.OnCode():
		return beatsCode
	case m.side == Import && m.far.OnSummary():
		return beatsSummary
	case m.side == Prepare:
		if _, n := m.prep.Tab(); n > 0 {
			return beatsTab
		}
	}
	return 1
}

// autoKey presses the key the current screen is ready for once it has
// been shown long enough, and asks again later.
func (m *Model) autoKey() tea.Cmd {
	if m.quitting {
		return nil
	}
	if err := m.Result().Err; err != nil && !errors.Is(err, context.Canceled) {
		return m.quit() // nobody is there to read it: end with the failure
	}
	if m.paused {
		return m.auto()
	}
	k, ok := m.ready()
	if !ok {
		m.beat = 0
		return m.auto()
	}
	if s := m.screen(); s != m.beatOn {
		m.beatOn, m.beat = s, 0
	}
	m.beat++
	if m.beat < m.beats() {
		return m.auto()
	}
	m.beat = 0
	return tea.Batch(m.key(autoPress(k)), m.auto())
}

// presenterKey handles the presenter's keys while the walkthrough plays
// itself: space pauses and resumes, → moves on at once.
func (m *Model) presenterKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if m.opts.Auto <= 0 || m.confirming || m.quitting {
		return nil, false
	}
	switch msg.String() {
	case "space":
		m.paused = !m.paused
		return nil, true
	case "right":
		k, ok := m.ready()
		if !ok {
			return nil, true
		}
		m.beat = 0
		return m.key(autoPress(k)), true
	}
	return nil, false
}

func autoPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

// autoFooter is the presenter's keys, under the step's.
func (m *Model) autoFooter() string {
	th := m.opts.Theme
	if m.paused {
		return th.Warn.Render("PAUSED") + th.Subtle.Render(" · space resumes · → next · ctrl+c quits")
	}
	return th.Subtle.Render("playing by itself · space pauses · → next · ctrl+c quits")
}

// seedFirst writes the demo's ready-made bundle, for a trainer who starts
// on the far side.
func (m *Model) seedFirst() tea.Cmd {
	m.seeding = true
	seed, ctx := m.opts.ReadyBundle, m.ctx
	return func() tea.Msg {
		p, err := seed(ctx)
		return seededMsg{p, err}
	}
}

// seeded goes on to the far side with the ready-made bundle, or quits
// with why there is none.
func (m *Model) seeded(msg seededMsg) tea.Cmd {
	m.seeding = false
	if m.quitting {
		return nil
	}
	if msg.err != nil {
		if !errors.Is(msg.err, context.Canceled) {
			m.seedErr = msg.err
		}
		return m.quit()
	}
	m.opts.Import.Path = msg.path
	return m.switchToImport()
}

// seedingView is what the screen says while the ready-made bundle is
// written.
func (m *Model) seedingView(w int) string {
	th := m.opts.Theme
	return th.Title.Render("The demo prepares a bundle first") + "\n\n" +
		ansi.Wordwrap(strings.Join([]string{
			"The far side needs a bundle to import, and none has been made yet.",
			"ferry is writing a ready-made one from the demo's embedded servers onto the demo's USB stick, as an engineer would on the connected side.",
			"The import starts as soon as it is written: a few seconds.",
		}, " "), max(10, w-2), "")
}
