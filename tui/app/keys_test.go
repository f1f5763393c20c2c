package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/workflow/session"
)

// helpLine is the last line of the screen: the current step's keys.
func (d *driver) helpLine() string {
	lines := strings.Split(strings.TrimRight(d.screen(), "\n "), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// TestBelowTheMinimumOnlyQuitActs: at 60×20 keys do nothing (blind
// Enters do not move on) and the message names --accessible; q quits.
func TestBelowTheMinimumOnlyQuitActs(t *testing.T) {
	d, _ := newPrepare(t, 60, 20)
	assert.Contains(t, d.screen(), "ferry needs a window of at least 80×24")
	assert.Contains(t, d.screen(), "--accessible")
	d.press("enter", "enter", "enter", "down", "space", "?")
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	assert.Equal(t, "Side", d.step(), "no key acted while the window was too small")
	assert.NotContains(t, d.screen(), "all keys      ", "? did not open the full help")
	d.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	d.press("q")
	assert.True(t, d.quit)

	// The demo has no plain prompts to offer.
	o := farsideOptions()
	o.Banner = "DEMO"
	d = newDriver(t, Options{Side: Import, ImportEngine: &fake{}, Import: o}, 60, 20)
	assert.Contains(t, d.screen(), "Make it larger.")
	assert.NotContains(t, d.screen(), "--accessible")

	f := &fake{}
	d = newImport(t, f, 79, 30)
	d.press("enter", "y")
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	assert.Equal(t, "Find the bundle", d.step())
}

// TestRailGivesWayBelow100Columns: below 100 columns the header names
// the step and the content takes the width; from 100 the rail is back.
func TestRailGivesWayBelow100Columns(t *testing.T) {
	d, _ := newPrepare(t, 99, 30)
	assert.Contains(t, d.screen(), "step 1 of 10: Side")
	assert.NotContains(t, d.screen(), "│")
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	assert.Contains(t, d.screen(), "▸ Side")
	assert.Contains(t, d.screen(), "│")
}

// TestQuitQuestionsFitWhole: every question asked before quitting fits
// the smallest window on one line.
func TestQuitQuestionsFitWhole(t *testing.T) {
	d, eng := newPrepare(t, 80, 24)
	d.press("enter", "enter", "q")
	assert.Contains(t, d.helpLine(), "Quit? The answers so far are lost. y: quit · any other key: keep going")
	d.press("n")
	assert.False(t, d.quit)
	eng.duringPrepare = func(ctx context.Context) {
		d.press("q")
		assert.Contains(t, d.helpLine(), "y: stop · any other key: keep going")
		d.press("x")
	}
	d.press("enter", "enter", "enter", "enter", "enter", "enter")
	f := &fake{}
	d = newImport(t, f, 80, 24)
	d.press("enter", "q")
	assert.Equal(t, "Quit? Running ferry import again is safe. y: quit · any other key: keep going", d.helpLine())
	d.press("y")
	assert.True(t, d.quit)
}

// TestFarSideKeysPerStep: the help line lists only the keys that act on
// the step, and they do what it says.
func TestFarSideKeysPerStep(t *testing.T) {
	f := &fake{}
	d := newImport(t, f, 100, 30)

	// Find, the list of bundles found has the keys.
	assert.Contains(t, d.helpLine(), "r look again")
	assert.Contains(t, d.helpLine(), "q quit")
	assert.NotContains(t, d.helpLine(), "space")
	d.press("r")
	assert.Equal(t, 2, f.finds, "r looks again")
	// tab: the path field has the keys; ? r q are text, f1 is help.
	d.press("tab", "ctrl+u")
	d.typeText("/srv/q?r")
	assert.Contains(t, d.screen(), "› /srv/q?r")
	assert.False(t, d.quit)
	assert.Contains(t, d.helpLine(), "f1 all keys")
	assert.Contains(t, d.helpLine(), "ctrl+c quit")
	assert.NotContains(t, d.helpLine(), "r look again")
	d.press("f1")
	assert.Contains(t, d.screen(), "bundles found")
	d.press("f1", "ctrl+u", "enter")
	assert.Contains(t, d.screen(), "Type the bundle's folder or pick one found above.")
	d.press("tab", "enter")

	// Check the code: y/n listed; n goes back to Find.
	require.Equal(t, "Check the code", d.step())
	assert.Contains(t, d.helpLine(), "y codes match")
	assert.Contains(t, d.helpLine(), "n codes differ")
	d.press("n")
	assert.Equal(t, "Find the bundle", d.step())
	d.press("enter", "y")

	// Where it goes: the choice, then the fields.
	require.Equal(t, "Where it goes", d.step())
	assert.Contains(t, d.helpLine(), "enter choose")
	d.press("esc")
	assert.Equal(t, "Check the code", d.step(), "esc goes back")
	d.press("y", "enter")
	assert.Contains(t, d.helpLine(), "tab next field")
	assert.NotContains(t, d.helpLine(), "q quit", "q is text in a field")
	d.press("enter")
	assert.Contains(t, d.screen(), "Type the registry address or the Maven repository first")
	assert.Equal(t, "Where it goes", d.step())
	d.typeText("reg.site:5000/q")
	assert.False(t, d.quit)
	assert.Equal(t, "reg.site:5000/q", d.m.Import().Destination().Registry)
	d.press("enter")

	// Test connection.
	require.Equal(t, "Test connection", d.step())
	assert.Contains(t, d.helpLine(), "enter load")
	assert.Contains(t, d.helpLine(), "r test again")
	d.press("enter")

	// Configure: nothing ticked is refused with a reason; esc goes back.
	require.Equal(t, "Configure", d.step())
	d.press("enter")
	assert.Contains(t, d.screen(), "Tick at least one kind of machine first")
	d.press("esc")
	assert.Equal(t, "Load", d.step(), "esc goes back from Configure too")
	assert.Contains(t, d.screen(), "Loaded. Press Enter to configure")
	d.press("enter")
	require.Equal(t, "Configure", d.step())
	d.press("space", "enter")
	assert.Contains(t, d.screen(), "0 of 2 steps done")
	d.press("esc")
	assert.Contains(t, d.screen(), "Tick the kinds of machines", "esc goes back to the choice of machines")
	d.press("enter", "enter")

	// Done: esc goes back, enter finishes.
	require.Equal(t, "Done", d.step())
	d.press("esc")
	assert.Equal(t, "Configure", d.step())
	d.press("enter")
	require.Equal(t, "Done", d.step())
	d.press("?")
	assert.Contains(t, d.screen(), "back to the configuration")
	d.press("enter")
	assert.True(t, d.quit)
}

// TestRegistrySchemeIsTakenOff: http:// ticks Plain HTTP and says so;
// https:// goes silently.
func TestRegistrySchemeIsTakenOff(t *testing.T) {
	d := newImport(t, &fake{}, 100, 30)
	d.press("enter", "y", "enter")
	d.typeText("http://127.0.0.1:5000/mirror")
	dest := d.m.Import().Destination()
	assert.Equal(t, "127.0.0.1:5000/mirror", dest.Registry)
	assert.True(t, dest.Insecure)
	assert.Contains(t, d.screen(), "http:// taken off the address, and Plain HTTP ticked.")
	assert.Contains(t, d.screen(), "[x] yes")

	d = newImport(t, &fake{}, 100, 30)
	d.press("enter", "y", "enter")
	d.typeText("HTTPS://registry.site:5000")
	dest = d.m.Import().Destination()
	assert.Equal(t, "registry.site:5000", dest.Registry)
	assert.False(t, dest.Insecure)
	assert.NotContains(t, d.screen(), "taken off")

	// Plain HTTP is a tick: space turns it on and off.
	for range 4 {
		d.press("tab")
	}
	assert.Contains(t, d.helpLine(), "space on/off")
	d.press("space")
	assert.True(t, d.m.Import().Destination().Insecure)
	d.press("space")
	assert.False(t, d.m.Import().Destination().Insecure)
}

// TestMissingCAFileIsFlaggedBeforeEnter: leaving the CA file field looks
// for the file (in a command); a missing one is named under the field and
// Enter says why it does not go on.
func TestMissingCAFileIsFlaggedBeforeEnter(t *testing.T) {
	d := newImport(t, &fake{}, 100, 30)
	d.press("enter", "y", "enter")
	d.typeText("registry.site:5000")
	d.press("tab", "tab", "tab")
	d.typeText("/nope/ca.pem")
	d.press("tab")
	assert.Contains(t, d.screen(), "✗ no such file: /nope/ca.pem")
	d.press("enter")
	assert.Equal(t, "Where it goes", d.step())
	assert.Contains(t, d.screen(), "The CA file is not there")
	d.press("shift+tab", "ctrl+u")
	d.typeText("/etc/site/ca.pem")
	d.press("tab")
	assert.NotContains(t, d.screen(), "no such file")
	d.press("enter")
	assert.Equal(t, "Test connection", d.step())
}

// TestPlainHTTPShowsNoCertificate: over plain HTTP the connection test
// never claims a trusted certificate.
func TestPlainHTTPShowsNoCertificate(t *testing.T) {
	d := newImport(t, &fake{}, 100, 30)
	d.press("enter", "y", "enter")
	d.typeText("http://127.0.0.1:5000")
	d.press("enter")
	require.Equal(t, "Test connection", d.step())
	assert.NotContains(t, d.screen(), "certificate trusted")
	assert.Contains(t, d.screen(), "plain HTTP: no certificate")
}

// TestRescanFindsAStickPluggedInLater: nothing found, then r (from the
// list) finds the stick and fills it in.
func TestRescanFindsAStickPluggedInLater(t *testing.T) {
	var none []session.Found
	f := &fake{found: &none}
	d := newImport(t, f, 100, 30)
	assert.Contains(t, d.screen(), "No bundle found")
	d.press("enter")
	assert.Contains(t, d.screen(), "Type the bundle's folder (the one with the .ferry.json file).")
	found := []session.Found{{Path: "/media/tech/USB/bundle", Index: idx, Present: 1}}
	f.found = &found
	d.press("tab", "r")
	assert.Equal(t, 2, f.finds)
	assert.Contains(t, d.screen(), "› /media/tech/USB/bundle")
	d.press("enter")
	assert.Equal(t, "Check the code", d.step())
}

// TestUnreadSizeSaysUnknown: a size that could not be read is not 0 B.
func TestUnreadSizeSaysUnknown(t *testing.T) {
	ix := idx
	ix.Size = 0
	found := []session.Found{{Path: "/media/tech/USB/bundle", Index: ix, Present: 1}}
	d := newImport(t, &fake{found: &found}, 100, 30)
	assert.Contains(t, d.screen(), "size unknown")
	assert.NotContains(t, d.screen(), "0 B")
}

// TestLongErrorExpands: a long error shows its first lines, and e shows
// it whole; the way on stays in view.
func TestLongErrorExpands(t *testing.T) {
	long := "part 3 of 7 (demo-2.0.part003) is damaged: " + strings.Repeat("its checksum does not match what the index says it should be; ", 6) + "copy it again from the original media"
	f := &fake{verifyErr: errors.New(long)}
	d := newImport(t, f, 80, 24)
	d.press("enter", "y")
	assert.Contains(t, d.screen(), "press Enter to check again")
	assert.Contains(t, d.screen(), "e shows the whole error")
	assert.NotContains(t, d.screen(), "original media")
	assert.Contains(t, d.helpLine(), "e whole error")
	d.press("e")
	assert.Contains(t, d.screen(), "original media")
	assert.Contains(t, d.screen(), "press Enter to check again")
}

// TestPrepareRefusalsSayWhy: Enter that does nothing says why.
func TestPrepareRefusalsSayWhy(t *testing.T) {
	d, _ := newPrepare(t, 100, 30)
	d.press("enter", "enter", "down", "space", "enter")
	assert.Equal(t, "Architecture", d.step())
	assert.Contains(t, d.screen(), "Tick at least one architecture first (space).")
	d.press("space", "enter", "enter", "enter", "enter")
	require.Equal(t, "Destination", d.step())
	d.press("ctrl+u", "enter")
	assert.Contains(t, d.screen(), "Type a folder, or pick a medium with ↑/↓.")
	// While typing a path, q is text, f1 shows every key.
	d.typeText("/srv/q")
	assert.False(t, d.quit)
	d.press("f1")
	assert.Contains(t, d.screen(), "pick a medium")
}

// TestPreviewDetailLine: the highlighted image is said whole under the
// table, with its digest and platforms; names are cut in the middle.
func TestPreviewDetailLine(t *testing.T) {
	d, _ := newPrepare(t, 80, 24)
	d.press("enter", "enter", "enter", "enter", "enter")
	require.Equal(t, "Preview", d.step())
	assert.Contains(t, d.screen(), "1 of 2")
	assert.Contains(t, d.screen(), "sha256:aaaaaaaaaaaa")
	d.press("down")
	assert.Contains(t, d.screen(), "2 of 2")
	assert.Contains(t, d.screen(), "demo/ui:2.0 · sha256")
}

// TestConfigureStepsScroll: many steps scroll with the cursor, the
// position is shown and the count of steps done stays in view.
func TestConfigureStepsScroll(t *testing.T) {
	f := &fake{}
	for i := range 30 {
		f.steps = append(f.steps, fmt.Sprintf("Step %d: do the thing on every host.", i+1))
	}
	d := newImport(t, f, 80, 24)
	d.press("enter", "y", "enter")
	d.typeText("registry.site:5000/mirror")
	d.press("enter", "enter", "space", "enter")
	require.Contains(t, d.screen(), "0 of 30 steps done")
	assert.Regexp(t, `1–\d+ of \d+`, d.screen())
	assert.NotContains(t, d.screen(), "Step 30:")
	for range 29 {
		d.press("down")
	}
	d.press("space")
	assert.Contains(t, d.screen(), "Step 30:")
	assert.Contains(t, d.screen(), "1 of 30 steps done")
}

// TestHelpLinesFitWhole: on every golden screen at 80×24 the help line is
// whole, so every key it lists can be read.
func TestHelpLinesFitWhole(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*-80x24.golden")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, p := range files {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		assert.NotContains(t, lines[len(lines)-1], "…", p)
	}
}

// TestPrepareHelpAndBackOnEveryStep: ? opens the full help and closes it
// again on every step of the connected side, and esc goes back wherever
// there is a step to go back to.
func TestPrepareHelpAndBackOnEveryStep(t *testing.T) {
	d, _ := newPrepare(t, 100, 30)
	for _, want := range []string{"Side", "Product", "Architecture", "Version", "Modules", "Preview", "Destination", "Confirm"} {
		require.Equal(t, want, d.step())
		before := d.screen()
		help := "?"
		if want == "Destination" || want == "Confirm" {
			help = "f1" // ? is text in the path and signing key fields
		}
		d.press(help)
		assert.NotEqual(t, before, d.screen(), "%s: %s opens the full help", want, help)
		d.press(help)
		assert.Equal(t, before, d.screen(), "%s: %s closes it", want, help)
		if want != "Side" {
			d.press("esc")
			assert.NotEqual(t, want, d.step(), "%s: esc goes back", want)
			d.press("enter")
			require.Equal(t, want, d.step())
		}
		d.press("enter")
	}
	require.Equal(t, "Done", d.step())
}
