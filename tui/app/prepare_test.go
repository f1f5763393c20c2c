package app

import (
	"context"
	events "ferry/artifacts/progress"
	"ferry/workflow/session"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/image"
	"ferry/artifacts/signature"
	"ferry/targets/catalog"
	"ferry/tui/farside"
	"ferry/tui/wizard"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
)

// fakeEngine answers from memory: every image of a module is 100 MiB with
// a 40 MiB base layer shared by all.
type fakeEngine struct {
	cat      *catalog.Catalog
	prepared *prepare.Options
	free     int64
	unknown  bool // the file system does not say its size
	// events, when set, are what Prepare reports instead of its one event.
	events []events.Event
	// duringPrepare and duringPlan, when set, run while the work runs (the
	// user pressing keys meanwhile); the work then stops if cancelled.
	duringPrepare func(ctx context.Context)
	duringPlan    func(ctx context.Context)
	// signedWith is the key SignPrepared signed with; signFails makes it
	// fail.
	signedWith ssh.Signer
	signFails  error
}

func (f *fakeEngine) SigningKey(path, password, dir string) (ssh.Signer, error) {
	return session.OpenSigningKey(path, password, dir)
}

func (f *fakeEngine) SignPrepared(res *prepare.Result, signer ssh.Signer) (session.Signed, error) {
	if f.signFails != nil {
		return session.Signed{}, f.signFails
	}
	f.signedWith = signer
	if signer == nil {
		return session.Signed{}, nil
	}
	return session.Signed{Sidecar: filepath.Join(res.Dir, "demo-2.0.ferry.json.sig"), Fingerprint: signature.Fingerprint(signer.PublicKey())}, nil
}

func newFake(t *testing.T) *fakeEngine {
	t.Helper()
	cat, err := catalog.Load("../../testdata/catalogs/demo.yaml")
	require.NoError(t, err)
	return &fakeEngine{cat: cat, free: 64 << 30}
}

func (f *fakeEngine) Catalog() *catalog.Catalog { return f.cat }

func (f *fakeEngine) Plan(ctx context.Context, sel selection.Selection, progress events.Sink) (*plan.Plan, error) {
	if progress != nil && f.duringPlan != nil {
		f.duringPlan(ctx)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
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
	if len(sel.Have) > 0 {
		h, err := f.Have(ctx, sel.Have)
		if err != nil {
			return nil, err
		}
		p.MeasureAgainst(h)
	}
	if progress != nil {
		progress(events.Event{Stage: events.StagePlan, ItemsDone: len(p.Images), ItemsTotal: len(p.Images)})
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

func (f *fakeEngine) Prepare(ctx context.Context, p *plan.Plan, o prepare.Options, progress events.Sink) (*prepare.Result, error) {
	f.prepared = &o
	if f.events != nil {
		for _, e := range f.events {
			progress(e)
		}
	} else {
		progress(events.Event{Stage: events.StageDownload, Item: "sha256:base", Label: "layer base", State: events.Verified, ItemBytes: 40 << 20, ItemSize: 40 << 20,
			BytesDone: 40 << 20, BytesTotal: p.Totals.Unique, ItemsDone: 1, ItemsTotal: 3})
	}
	if f.duringPrepare != nil {
		f.duringPrepare(ctx)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return &prepare.Result{Dir: o.Output, Answers: filepath.Join(o.Output, "demo-2.0.answers.yaml"),
		Index: bundle.Index{Name: "demo-2.0", ShortCode: "7QK4-M2XD", Size: p.Totals.Unique + 4096, Parts: []bundle.Part{{Name: "demo-2.0.part001"}}}}, nil
}

func (f *fakeEngine) Space(path string) (prepare.Space, error) {
	return prepare.Space{Free: f.free, FAT: strings.Contains(strings.ToLower(path), "fat"), Unknown: f.unknown}, nil
}
func (f *fakeEngine) Media() []session.Medium {
	return []session.Medium{{Path: "/media/engineer/USB-FAT", Free: 30 << 30, FAT: true}, {Path: "/media/engineer/DISK", Free: 900 << 30}}
}
func (f *fakeEngine) Folders(prefix string) []string {
	return []string{"/srv/bundles"}
}

// newPrepare starts the app on the connected side at w×h.
func newPrepare(t *testing.T, w, h int) (*driver, *fakeEngine) {
	t.Helper()
	eng := newFake(t)
	d := newDriver(t, Options{Side: Prepare, PrepareEngine: eng, ImportEngine: &fake{},
		Prepare: wizard.Options{MachineArch: "arm64", DefaultOutput: "/srv/bundles/demo"},
		Import:  farsideOptions()}, w, h)
	return d, eng
}

// walk drives the whole connected side and snapshots every step.
func walk(t *testing.T, w, h int) {
	d, eng := newPrepare(t, w, h)
	size := fmt.Sprintf("prepare/%%s-%dx%d", w, h)
	g := func(name string) { d.golden(fmt.Sprintf(size, name)) }
	g("1-side")
	d.press("enter")
	g("2-product")
	d.press("enter")
	g("3-arch")
	d.press("enter")
	g("4-version")
	d.press("enter")
	g("5-modules")
	d.press("enter")
	g("6-preview")
	d.press("tab", "tab", "tab")
	g("6-preview-summary")
	d.press("enter")
	g("7-destination")
	d.press("enter")
	g("8-confirm")
	d.press("enter")
	g("10-done")
	require.NotNil(t, eng.prepared)
}

func TestGoldenScreens(t *testing.T) {
	walk(t, 80, 24)
	walk(t, 120, 40)
}

// TestGoldenDownload snapshots the download step mid-way, while Prepare
// runs (no timing in the screen before half a second).
func TestGoldenDownload(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		d, eng := newPrepare(t, sz[0], sz[1])
		for _, it := range []struct {
			id, label, state string
			done, size       int64
			attempt          int
		}{
			{"a", "layer 4a1f0c2d9e3b of mirror.example.test/demo/core:2.0", events.Verified, 40 << 20, 40 << 20, 0},
			{"b", "layer 9c0e77d21f40 of mirror.example.test/demo/core:2.0", events.Downloading, 20 << 20, 60 << 20, 0},
			{"c", "layer 0b5d3e8a6c11 of mirror.example.test/demo/ui:2.0", events.Retrying, 0, 60 << 20, 2},
		} {
			eng.events = append(eng.events, events.Event{Stage: events.StageDownload, Item: it.id, Label: it.label, State: it.state, ItemBytes: it.done, ItemSize: it.size, Attempt: it.attempt,
				BytesDone: 60 << 20, BytesTotal: 160 << 20, ItemsDone: 1, ItemsTotal: 3})
		}
		eng.duringPrepare = func(context.Context) {
			require.Equal(t, "Download", d.step())
			d.golden(fmt.Sprintf("prepare/9-download-%dx%d", sz[0], sz[1]))
		}
		d.press("enter", "enter", "enter", "enter", "enter", "enter", "enter")
		require.Equal(t, "Confirm", d.step())
		d.press("enter")
	}
}

func TestWalkThroughSteps(t *testing.T) {
	d, eng := newPrepare(t, 100, 30)
	sel := func() selection.Selection { return d.m.Prepare().Selection() }
	assert.Contains(t, d.screen(), "step 1 of 10")
	d.press("enter")
	assert.Equal(t, "Product", d.step())
	// The product list filters as you type after /.
	d.press("/", "d", "e", "m", "o", "enter")
	assert.Contains(t, d.screen(), "Demo product")
	d.press("enter")
	assert.Equal(t, "Architecture", d.step())
	assert.Equal(t, []string{"arm64"}, sel().Archs, "the machine's own architecture is ticked")
	d.press("up", "space")
	assert.Equal(t, []string{"amd64", "arm64"}, sel().Archs)
	d.press("enter")
	assert.Equal(t, "Version", d.step())
	assert.Contains(t, d.screen(), "2.0  (latest)")
	d.press("down", "enter")
	assert.Equal(t, "1.0", sel().Version)
	assert.Equal(t, "Modules", d.step())

	// Required ticked and locked; defaults ticked; dependencies with a note.
	assert.Equal(t, []string{"core", "ui"}, sel().Modules)
	d.press("space") // core is locked
	assert.Equal(t, []string{"core", "ui"}, sel().Modules)
	d.press("down", "down", "space") // extras, which needs ui
	assert.Equal(t, []string{"core", "ui", "extras"}, sel().Modules)
	assert.Contains(t, d.screen(), "(needed by extras)")
	d.press("up", "space") // ui is locked while extras needs it
	assert.Equal(t, []string{"core", "ui", "extras"}, sel().Modules)
	d.press("down", "space") // untick extras: ui is free again, ticked as before
	assert.NotContains(t, d.screen(), "needed by extras")
	assert.Equal(t, []string{"core", "ui"}, sel().Modules)
	assert.Contains(t, d.screen(), "Total of the ticked modules: 160.0 MiB")

	// esc goes back without losing answers.
	d.press("esc", "esc")
	assert.Equal(t, "Architecture", d.step())
	assert.Equal(t, []string{"amd64", "arm64"}, sel().Archs)
	d.press("enter", "enter")
	assert.Equal(t, "Modules", d.step())
	assert.Equal(t, "1.0", sel().Version)

	d.press("enter")
	assert.Equal(t, "Preview", d.step())
	require.True(t, d.m.Prepare().Ready(), "the plan is made")
	assert.Contains(t, d.screen(), "registry.example.test/demo/core:1.0")
	d.press("s") // sort by size
	assert.Contains(t, d.screen(), "largest first")
	d.press("/", "u", "i")
	assert.NotContains(t, d.screen(), "demo/core:1.0", "the filter narrows the table")
	assert.Contains(t, d.screen(), "demo/ui:1.0")
	d.press("q") // typed into the filter, not quitting
	assert.False(t, d.quit)
	assert.Contains(t, d.screen(), "/uiq▏")
	d.press("esc")
	assert.Contains(t, d.screen(), "demo/core:1.0")

	d.press("enter")
	assert.Equal(t, "Destination", d.step())
	// Pick the FAT stick: split into FAT32 parts.
	d.press("down")
	assert.Contains(t, d.screen(), "› /media/engineer/USB-FAT")
	assert.Contains(t, d.screen(), "parts of 4.0 GiB")
	d.press("enter")
	assert.Equal(t, "Confirm", d.step())
	assert.Contains(t, d.m.Prepare().Command(), "ferry prepare --target demo --version 1.0 --arch amd64 --arch arm64 --modules core,ui --output /media/engineer/USB-FAT --split fat32")
	d.press("enter")
	assert.Equal(t, "Done", d.step())
	assert.Equal(t, int64(4<<30-1), eng.prepared.PartSize)
	assert.Equal(t, []string{"core", "ui"}, eng.prepared.Answers.Modules)
	assert.Contains(t, d.screen(), "7 Q K 4 - M 2 X D")
	d.press("enter")
	assert.True(t, d.quit, "enter on the done screen quits")
}

func TestTabCompletesFolders(t *testing.T) {
	d, _ := newPrepare(t, 100, 30)
	d.press("enter", "enter", "enter", "enter", "enter", "enter")
	require.Equal(t, "Destination", d.step())
	d.press("tab")
	assert.Contains(t, d.screen(), "› /srv/bundles/")
}

func TestNotEnoughSpaceStopsAtDestination(t *testing.T) {
	d, eng := newPrepare(t, 100, 30)
	eng.free = 1 << 20
	d.press("enter", "enter", "enter", "enter", "enter", "enter")
	assert.Equal(t, "Destination", d.step())
	assert.Contains(t, d.screen(), "not enough space")
	d.press("enter")
	assert.Equal(t, "Destination", d.step(), "enter does not go on")
}

func TestUnknownFreeSpaceGoesOnWithAWarning(t *testing.T) {
	d, eng := newPrepare(t, 100, 30)
	eng.free, eng.unknown = 0, true
	d.press("enter", "enter", "enter", "enter", "enter", "enter")
	assert.Equal(t, "Destination", d.step())
	assert.Contains(t, d.screen(), "free space unknown")
	assert.Contains(t, d.screen(), "does not say how much space is free")
	d.press("enter")
	assert.Equal(t, "Confirm", d.step(), "enter goes on")
}

// TestDownloadScreenSaysWritingOnlyOnceDownloadsAreDone: blobs stream into
// the bundle, so write events come while downloads still run; the screen
// keeps saying downloading until the last item is in.
func TestDownloadScreenSaysWritingOnlyOnceDownloadsAreDone(t *testing.T) {
	dl := func(done int) events.Event {
		return events.Event{Stage: events.StageDownload, Item: fmt.Sprint("sha256:", done), State: events.Verified, ItemsDone: done, ItemsTotal: 3}
	}
	write := events.Event{Stage: events.StageWrite, Item: "images/blobs/sha256/x"}
	for _, tc := range []struct {
		events  []events.Event
		writing bool
	}{
		{[]events.Event{dl(1), write, dl(2), write}, false},
		{[]events.Event{dl(1), write, dl(3), write}, true},
		{[]events.Event{dl(3), write, dl(3)}, true},
	} {
		d, eng := newPrepare(t, 100, 30)
		eng.events = tc.events
		var scr string
		eng.duringPrepare = func(context.Context) { scr = d.screen() }
		d.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
		require.Contains(t, scr, "Downloading and writing the bundle")
		assert.Equal(t, tc.writing, strings.Contains(scr, "writing the bundle's parts…"), "%v", tc.events)
	}
}

func TestQuitAsksWhileDownloading(t *testing.T) {
	d, eng := newPrepare(t, 100, 30)
	var jobCtx context.Context
	eng.duringPrepare = func(ctx context.Context) {
		jobCtx = ctx
		d.press("q")
		assert.False(t, d.quit)
		assert.Contains(t, d.screen(), "It resumes next time.")
		d.press("n")
		assert.NotContains(t, d.screen(), "It resumes next time.")
		assert.NoError(t, ctx.Err())
		d.press("ctrl+c")
		d.press("y")
		assert.False(t, d.quit, "it quits once the download has stopped")
	}
	d.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	require.NotNil(t, jobCtx)
	assert.ErrorIs(t, jobCtx.Err(), context.Canceled)
	assert.True(t, d.quit)
}

// TestEscDuringPlanCancelsIt: going back from the preview while the plan
// resolves cancels the plan's context; coming back plans afresh.
func TestEscDuringPlanCancelsIt(t *testing.T) {
	d, eng := newPrepare(t, 100, 30)
	var planCtx context.Context
	eng.duringPlan = func(ctx context.Context) {
		planCtx = ctx
		assert.Contains(t, d.screen(), "resolving")
		d.press("esc")
		assert.Equal(t, "Modules", d.step())
	}
	d.press("enter", "enter", "enter", "enter", "enter")
	require.NotNil(t, planCtx)
	assert.ErrorIs(t, planCtx.Err(), context.Canceled)
	assert.Equal(t, "Modules", d.step())
	eng.duringPlan = nil
	d.press("enter")
	assert.Equal(t, "Preview", d.step())
	assert.True(t, d.m.Prepare().Ready(), "planned again")
}

func TestQuitWithNothingRunningQuitsAtOnce(t *testing.T) {
	d, _ := newPrepare(t, 100, 30)
	d.press("q")
	assert.True(t, d.quit)
	d, _ = newPrepare(t, 100, 30)
	d.press("ctrl+c")
	assert.True(t, d.quit)
}

func TestSmallWindowSaysSo(t *testing.T) {
	d, _ := newPrepare(t, 60, 20)
	assert.Contains(t, d.screen(), "ferry needs a window of at least 80×24")
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	assert.Contains(t, d.screen(), "step 1 of 10")
}

func TestHelpAndKeyTable(t *testing.T) {
	d, _ := newPrepare(t, 100, 30)
	d.press("?")
	assert.Contains(t, d.screen(), "filter")
	table := wizard.DefaultKeys().Table()
	assert.Contains(t, table, [2]string{"esc", "back"})
	assert.Contains(t, table, [2]string{"/", "filter"})
}

// TestImportSwitchesSideInOneProgram: choosing "import" on the first
// screen goes on to the site's side in the same program, looking for
// bundles at once.
func TestImportSwitchesSideInOneProgram(t *testing.T) {
	d, _ := newPrepare(t, 100, 30)
	d.press("down", "enter")
	assert.False(t, d.quit, "the program goes on")
	assert.Equal(t, Import, d.m.Side())
	assert.Equal(t, "Find the bundle", d.step())
	assert.Contains(t, d.screen(), "ferry · import a bundle")
	assert.Contains(t, d.screen(), "› /media/tech/USB/bundle", "the bundle found is pre-filled")
	assert.Equal(t, "ferry — import", d.m.View().WindowTitle)
	d.press("enter", "y")
	assert.Equal(t, "Where it goes", d.step())
}

// TestDemoPlaysBothSides: in the demo, the connected side's done screen
// goes on to the site's side, and the walkthrough plays itself.
func TestDemoPlaysBothSides(t *testing.T) {
	eng := newFake(t)
	f := &fake{}
	d := newDriver(t, Options{Side: Prepare, Demo: true, PrepareEngine: eng, ImportEngine: f,
		Prepare: wizard.Options{MachineArch: "amd64", DefaultOutput: "/media/tech/USB/bundle"},
		Import:  farside.Options{ConfigDir: "/home/tech/mirror-config", Destination: session.Destination{Registry: "registry.site:5000/mirror"}}}, 100, 30)
	for i := 0; i < 60 && !d.quit; i++ {
		d.send(autoMsg{})
	}
	assert.True(t, d.quit)
	assert.Equal(t, Import, d.m.Side())
	assert.Equal(t, "Done", d.step())
	assert.NotNil(t, eng.prepared)
	assert.Equal(t, []string{"openshift"}, f.configured)
}

// TestWizardWordingNamesItsOwnSteps words every setting as the wizard
// does and checks every step it names is one the wizard shows.
func TestWizardWordingNamesItsOwnSteps(t *testing.T) {
	d, _ := newPrepare(t, 120, 40)
	screen := d.screen()
	step := regexp.MustCompile(`the "([^"]+)" step`)
	named := 0
	for _, s := range fault.Settings() {
		for _, m := range step.FindAllStringSubmatch(wizard.Words(s, "registry.site:5000"), -1) {
			named++
			assert.Contains(t, screen, m[1], "%s names the step %q, which the wizard does not show", s, m[1])
		}
	}
	assert.Positive(t, named)
}
