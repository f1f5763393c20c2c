package wizard

import (
	"context"
	"flag"
	"fmt"
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

	"ferry/artifacts/bundle"
	"ferry/artifacts/image"
	"ferry/targets/catalog"
	"ferry/themes"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
)

var update = flag.Bool("update", false, "rewrite golden screens")

// fakeEngine answers from memory: every image of a module is 100 MiB with
// a 40 MiB base layer shared by all.
type fakeEngine struct {
	cat      *catalog.Catalog
	prepared *prepare.Options
	free     int64
	unknown  bool // the file system does not say its size
	// events, when set, are what Prepare reports instead of its one event.
	events []prepare.Event
}

func newFake(t *testing.T) *fakeEngine {
	t.Helper()
	cat, err := catalog.Load("../../testdata/catalogs/demo.yaml")
	require.NoError(t, err)
	return &fakeEngine{cat: cat, free: 64 << 30}
}

func (f *fakeEngine) Catalog() *catalog.Catalog { return f.cat }

func (f *fakeEngine) Plan(ctx context.Context, sel selection.Selection, progress func(plan.Event)) (*plan.Plan, error) {
	t, err := f.cat.Target(sel.Target)
	if err != nil {
		return nil, err
	}
	s, err := t.Select(catalog.Choice{Version: sel.Version, Archs: sel.Archs, Modules: sel.Modules})
	if err != nil {
		return nil, err
	}
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Selection: plan.Selected{Target: t.Name, Title: t.Title, Version: s.Version, Archs: s.Archs}}
	for _, n := range s.Needs {
		p.Selection.Modules = append(p.Selection.Modules, plan.Module{Name: n.Module, Reason: s.Why[n.Module]})
		for _, ref := range n.Images {
			p.Images = append(p.Images, plan.Image{Reference: ref, Modules: []string{n.Module}, Digest: "sha256:" + strings.Repeat("a", 64), Platforms: []string{"linux/amd64"},
				Size: 100 << 20, Shared: 40 << 20, Blobs: []image.Blob{
					{Digest: "sha256:base", Size: 40 << 20, Kind: image.KindLayer, Platforms: []string{"linux/amd64"}},
					{Digest: "sha256:" + ref, Size: 60 << 20, Kind: image.KindLayer, Platforms: []string{"linux/amd64"}}}})
		}
	}
	planTotals(p)
	if progress != nil {
		progress(plan.Event{Done: len(p.Images), Total: len(p.Images)})
	}
	return p, nil
}

// planTotals fills what the real planner computes, by hand.
func planTotals(p *plan.Plan) {
	seen := map[string]int64{}
	for _, im := range p.Images {
		p.Totals.Images.Listed += im.Size
		for _, b := range im.Blobs {
			seen[b.Digest] = b.Size
		}
	}
	for _, s := range seen {
		p.Totals.Images.Unique += s
	}
	p.Totals.Images.Count = len(p.Images)
	p.Totals.Listed, p.Totals.Unique = p.Totals.Images.Listed, p.Totals.Images.Unique
	for _, m := range p.Selection.Modules {
		p.Totals.Modules = append(p.Totals.Modules, plan.ModuleTotal{Module: m.Name, Listed: 100 << 20, Unique: 100 << 20})
	}
	p.Totals.Archs = []plan.ArchTotal{{Arch: "amd64", Size: p.Totals.Unique}}
	p.Media = plan.FitMedia(p.Totals.Unique)
}

func (f *fakeEngine) Prepare(ctx context.Context, p *plan.Plan, o prepare.Options, progress func(prepare.Event)) (*prepare.Result, error) {
	f.prepared = &o
	if f.events != nil {
		for _, e := range f.events {
			progress(e)
		}
	} else {
		progress(prepare.Event{Phase: prepare.PhaseDownload, Item: "sha256:base", Label: "layer base", State: prepare.Verified, Done: 40 << 20, Size: 40 << 20,
			BytesDone: 40 << 20, BytesTotal: p.Totals.Unique, ItemsDone: 1, ItemsTotal: 3})
	}
	return &prepare.Result{Dir: o.Output, Answers: filepath.Join(o.Output, "demo-2.0.answers.yaml"),
		Index: bundle.Index{Name: "demo-2.0", ShortCode: "7QK4-M2XD", Size: p.Totals.Unique + 4096, Parts: []bundle.Part{{Name: "demo-2.0.part001"}}}}, nil
}

func (f *fakeEngine) Space(path string) (prepare.Space, error) {
	return prepare.Space{Free: f.free, FAT: strings.Contains(strings.ToLower(path), "fat"), Unknown: f.unknown}, nil
}
func (f *fakeEngine) Media() []Medium {
	return []Medium{{Path: "/media/engineer/USB-FAT", Free: 30 << 30, FAT: true}, {Path: "/media/engineer/DISK", Free: 900 << 30}}
}
func (f *fakeEngine) Folders(prefix string) []string { return []string{"/srv/bundles"} }

// press sends a key and runs the commands it returns, synchronously.
func press(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		run(t, m, cmd)
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
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// run executes a command and feeds its messages back, skipping the timers
// that only re-arm themselves.
func run(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(150 * time.Millisecond):
		return // a timer: the state it would poll is already final in tests
	}
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			run(t, m, c)
		}
	case planTickMsg, downloadTickMsg:
	default:
		if reflect.TypeOf(msg) == reflect.TypeOf(tea.QuitMsg{}) {
			return
		}
		_, next := m.Update(msg)
		run(t, m, next)
	}
}

func newModel(t *testing.T, w, h int) (*Model, *fakeEngine) {
	t.Helper()
	eng := newFake(t)
	m := New(eng, themes.MonoTheme(), Options{MachineArch: "arm64", DefaultOutput: "/srv/bundles/demo"})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, eng
}

func screen(m *Model) string { return ansi.Strip(m.View().Content) }

func golden(t *testing.T, name string, m *Model) {
	t.Helper()
	got := screen(m)
	for _, line := range strings.Split(got, "\n") {
		require.LessOrEqual(t, ansi.StringWidth(line), m.width, "fits the width: %q", line)
	}
	require.LessOrEqual(t, len(strings.Split(got, "\n")), m.height, "fits the height")
	p := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./tui/wizard -update")
	assert.Equal(t, string(want), got, name)
}

// walk drives the whole connected side and snapshots every step.
func walk(t *testing.T, w, h int) {
	m, eng := newModel(t, w, h)
	size := fmt.Sprintf("%dx%d", w, h)
	golden(t, "1-side-"+size, m)
	press(t, m, "enter")
	golden(t, "2-product-"+size, m)
	press(t, m, "enter")
	golden(t, "3-arch-"+size, m)
	press(t, m, "enter")
	golden(t, "4-version-"+size, m)
	press(t, m, "enter")
	golden(t, "5-modules-"+size, m)
	press(t, m, "enter")
	golden(t, "6-preview-"+size, m)
	press(t, m, "tab", "tab", "tab")
	golden(t, "6-preview-summary-"+size, m)
	press(t, m, "enter")
	golden(t, "7-destination-"+size, m)
	press(t, m, "enter")
	golden(t, "8-confirm-"+size, m)
	press(t, m, "enter")
	golden(t, "10-done-"+size, m)
	require.NotNil(t, eng.prepared)
}

func TestGoldenScreens(t *testing.T) {
	walk(t, 80, 24)
	walk(t, 120, 40)
}

// TestGoldenDownload snapshots the download step mid-way, from a fixed
// progress state (no timing in the screen before half a second).
func TestGoldenDownload(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m, _ := newModel(t, sz[0], sz[1])
		press(t, m, "enter", "enter", "enter", "enter", "enter", "enter", "enter")
		require.Equal(t, stepConfirm, m.step)
		m.step = stepDownload
		m.done[stepConfirm] = true
		m.cancel = func() {}
		rs := &runState{items: map[string]*itemState{}, started: time.Now(), phase: prepare.PhaseDownload}
		rs.last = prepare.Event{Phase: prepare.PhaseDownload, BytesDone: 60 << 20, BytesTotal: 160 << 20, ItemsDone: 1, ItemsTotal: 3}
		for _, it := range []struct {
			id, label, state string
			done, size       int64
			attempt          int
		}{
			{"a", "layer 4a1f0c2d9e3b of mirror.example.test/demo/core:2.0", prepare.Verified, 40 << 20, 40 << 20, 0},
			{"b", "layer 9c0e77d21f40 of mirror.example.test/demo/core:2.0", prepare.Downloading, 20 << 20, 60 << 20, 0},
			{"c", "layer 0b5d3e8a6c11 of mirror.example.test/demo/ui:2.0", prepare.Retrying, 0, 60 << 20, 2},
		} {
			rs.items[it.id] = &itemState{label: it.label, state: it.state, done: it.done, size: it.size, attempt: it.attempt}
			rs.order = append(rs.order, it.id)
		}
		m.run = rs
		golden(t, fmt.Sprintf("9-download-%dx%d", sz[0], sz[1]), m)
	}
}

func TestWalkThroughSteps(t *testing.T) {
	m, eng := newModel(t, 100, 30)
	assert.Contains(t, screen(m), "step 1 of 10")
	press(t, m, "enter")
	assert.Equal(t, stepProduct, m.step)
	// The product list filters as you type after /.
	press(t, m, "/", "d", "e", "m", "o", "enter")
	assert.Contains(t, screen(m), "Demo product")
	press(t, m, "enter")
	assert.Equal(t, stepArch, m.step)
	assert.Equal(t, []string{"arm64"}, m.arch.Chosen(), "the machine's own architecture is ticked")
	press(t, m, "up", "space")
	assert.Equal(t, []string{"amd64", "arm64"}, m.arch.Chosen())
	press(t, m, "enter")
	assert.Equal(t, stepVersion, m.step)
	assert.Contains(t, screen(m), "2.0  (latest)")
	press(t, m, "down", "enter")
	assert.Equal(t, "1.0", m.version)
	assert.Equal(t, stepModules, m.step)

	// Required ticked and locked; defaults ticked; dependencies with a note.
	assert.Equal(t, []string{"core", "ui"}, m.modules.Chosen())
	press(t, m, "space") // core is locked
	assert.Equal(t, []string{"core", "ui"}, m.modules.Chosen())
	press(t, m, "down", "down", "space") // extras, which needs ui
	assert.Equal(t, []string{"core", "ui", "extras"}, m.modules.Chosen())
	assert.Contains(t, screen(m), "(needed by extras)")
	press(t, m, "up", "space") // ui is locked while extras needs it
	assert.Equal(t, []string{"core", "ui", "extras"}, m.modules.Chosen())
	press(t, m, "down", "space") // untick extras: ui is free again, ticked as before
	assert.NotContains(t, screen(m), "needed by extras")
	assert.Equal(t, []string{"core", "ui"}, m.modules.Chosen())
	assert.Contains(t, screen(m), "Total of the ticked modules: 160.0 MiB")

	// esc goes back without losing answers.
	press(t, m, "esc", "esc")
	assert.Equal(t, stepArch, m.step)
	assert.Equal(t, []string{"amd64", "arm64"}, m.arch.Chosen())
	press(t, m, "enter", "enter")
	assert.Equal(t, stepModules, m.step)
	assert.Equal(t, "1.0", m.version)

	press(t, m, "enter")
	assert.Equal(t, stepPreview, m.step)
	require.NotNil(t, m.plan)
	assert.Contains(t, screen(m), "registry.example.test/demo/core:1.0")
	press(t, m, "s") // sort by size
	assert.True(t, m.bySize)
	press(t, m, "/", "u", "i")
	assert.NotContains(t, screen(m), "demo/core:1.0", "the filter narrows the table")
	assert.Contains(t, screen(m), "demo/ui:1.0")
	press(t, m, "q") // typed into the filter, not quitting
	assert.Equal(t, "uiq", m.pfilter)
	press(t, m, "esc")
	assert.Contains(t, screen(m), "demo/core:1.0")

	press(t, m, "enter")
	assert.Equal(t, stepDest, m.step)
	// Pick the FAT stick: split into FAT32 parts.
	press(t, m, "down")
	assert.Equal(t, "/media/engineer/USB-FAT", m.destPath())
	assert.Contains(t, screen(m), "parts of 4.0 GiB")
	press(t, m, "enter")
	assert.Equal(t, stepConfirm, m.step)
	assert.Contains(t, m.Command(), "ferry prepare --target demo --version 1.0 --arch amd64 --arch arm64 --modules core,ui --output /media/engineer/USB-FAT --split fat32")
	press(t, m, "enter")
	assert.Equal(t, stepDone, m.step)
	assert.Equal(t, int64(4<<30-1), eng.prepared.PartSize)
	assert.Equal(t, []string{"core", "ui"}, eng.prepared.Answers.Modules)
	assert.Contains(t, screen(m), "7 Q K 4 - M 2 X D")
}

func TestNotEnoughSpaceStopsAtDestination(t *testing.T) {
	m, eng := newModel(t, 100, 30)
	eng.free = 1 << 20
	press(t, m, "enter", "enter", "enter", "enter", "enter", "enter")
	assert.Equal(t, stepDest, m.step)
	assert.Contains(t, screen(m), "not enough space")
	press(t, m, "enter")
	assert.Equal(t, stepDest, m.step, "enter does not go on")
}

func TestUnknownFreeSpaceGoesOnWithAWarning(t *testing.T) {
	m, eng := newModel(t, 100, 30)
	eng.free, eng.unknown = 0, true
	press(t, m, "enter", "enter", "enter", "enter", "enter", "enter")
	assert.Equal(t, stepDest, m.step)
	assert.Contains(t, screen(m), "free space unknown")
	assert.Contains(t, screen(m), "does not say how much space is free")
	press(t, m, "enter")
	assert.Equal(t, stepConfirm, m.step, "enter goes on")
}

// TestDownloadScreenSaysWritingOnlyOnceDownloadsAreDone: blobs stream into
// the bundle, so write events come while downloads still run; the screen
// keeps saying downloading until the last item is in.
func TestDownloadScreenSaysWritingOnlyOnceDownloadsAreDone(t *testing.T) {
	dl := func(done int) prepare.Event {
		return prepare.Event{Phase: prepare.PhaseDownload, Item: fmt.Sprint("sha256:", done), State: prepare.Verified, ItemsDone: done, ItemsTotal: 3}
	}
	write := prepare.Event{Phase: prepare.PhaseWrite, Item: "images/blobs/sha256/x"}
	for _, tc := range []struct {
		events []prepare.Event
		want   string
	}{
		{[]prepare.Event{dl(1), write, dl(2), write}, prepare.PhaseDownload},
		{[]prepare.Event{dl(1), write, dl(3), write}, prepare.PhaseWrite},
		{[]prepare.Event{dl(3), write, dl(3)}, prepare.PhaseWrite},
	} {
		m, eng := newModel(t, 100, 30)
		eng.events = tc.events
		press(t, m, "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
		require.NotNil(t, m.run)
		assert.Equal(t, tc.want, m.run.phase)
	}
}

func TestQuitAsksWhileDownloading(t *testing.T) {
	m, _ := newModel(t, 100, 30)
	cancelled := false
	m.cancel = func() { cancelled = true }
	m.step = stepDownload
	m.run = &runState{items: map[string]*itemState{}, started: time.Now()}
	_, cmd := m.Update(keyMsg("q"))
	assert.Nil(t, cmd)
	assert.True(t, m.confirmQuit)
	assert.Contains(t, screen(m), "Running ferry again resumes where it stopped")
	_, _ = m.Update(keyMsg("n"))
	assert.False(t, m.confirmQuit)
	assert.False(t, cancelled)
	_, _ = m.Update(keyMsg("ctrl+c"))
	_, _ = m.Update(keyMsg("y"))
	assert.True(t, cancelled)
}

func TestSmallWindowSaysSo(t *testing.T) {
	m, _ := newModel(t, 60, 20)
	assert.Contains(t, screen(m), "ferry needs a window of at least 80×24")
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	assert.Contains(t, screen(m), "step 1 of 10")
}

func TestHelpAndKeyTable(t *testing.T) {
	m, _ := newModel(t, 100, 30)
	press(t, m, "?")
	assert.Contains(t, screen(m), "filter")
	table := DefaultKeys().Table()
	assert.Contains(t, table, [2]string{"esc", "back"})
	assert.Contains(t, table, [2]string{"/", "filter"})
}
