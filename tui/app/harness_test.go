package app

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/themes"
)

// goldenDir is the package's testdata, found before any test changes the
// working folder.
var goldenDir, _ = filepath.Abs("testdata")

var update = flag.Bool("update", false, "rewrite golden screens and the docs made from them")

// driver sends keys to the root model and runs the commands it returns
// synchronously, in the test goroutine, the way huh tests its forms: no
// program, no goroutines, no timeouts. Timers never fire: the app is built
// with a Ticker that makes none, so progress is read from the final state.
type driver struct {
	t    *testing.T
	m    *Model
	quit bool
}

// noTick is the Ticker of tests.
func noTick(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }

// newDriver builds the app at w×h and runs its Init.
func newDriver(t *testing.T, o Options, w, h int) *driver {
	t.Helper()
	if o.Theme.Name == "" {
		o.Theme = themes.MonoTheme()
	}
	o.Tick = noTick
	d := &driver{t: t, m: New(context.Background(), o)}
	t.Cleanup(d.m.cancel)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.m.Init())
	return d
}

// send gives the root one message and runs what it returns.
func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

// run executes a command and feeds its messages back: batches and
// sequences are taken apart, tea.Quit is recorded.
func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	case tea.QuitMsg:
		d.quit = true
	default:
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := range v.Len() { // tea.Sequence
				d.run(v.Index(i).Interface().(tea.Cmd))
			}
			return
		}
		d.send(msg)
	}
}

// press sends named keys ("enter", "esc", "space", "ctrl+c", or a rune).
func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

// typeText types s, one key per rune.
func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

// screen is what the user sees, without styling.
func (d *driver) screen() string { return ansi.Strip(d.m.View().Content) }

// step is the current step's title.
func (d *driver) step() string { return d.m.Step() }

// golden compares the screen with testdata/name.golden after checking it
// fits the window.
func (d *driver) golden(name string) { d.t.Helper(); d.goldenMasked(name, nil) }

// goldenMasked is golden with what changes from run to run (a new key's
// fingerprint) replaced by mask.
func (d *driver) goldenMasked(name string, mask func(string) string) {
	t := d.t
	t.Helper()
	got := d.screen()
	if mask != nil {
		got = mask(got)
	}
	for _, line := range strings.Split(got, "\n") {
		require.LessOrEqual(t, ansi.StringWidth(line), d.m.width, "fits the width: %q", line)
	}
	require.LessOrEqual(t, len(strings.Split(got, "\n")), d.m.height, "fits the height")
	p := filepath.Join(goldenDir, name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./tui/app -update")
	assert.Equal(t, string(want), got, name)
}
