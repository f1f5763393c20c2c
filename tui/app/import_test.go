package app

import (
	"context"
	"errors"
	events "ferry/artifacts/progress"
	"ferry/workflow/session"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/push"
	"ferry/artifacts/source"
	"ferry/targets/mirrorconfig"
	"ferry/tui/farside"
	"ferry/workflow/importer"
)

type fake struct {
	verifyErr  error
	checkErr   error
	imported   *session.Destination
	configured []string
	serving    bool
	// problems are what the import report says is left to do.
	problems []string
	// steps, when set, are the configuration steps Configure returns.
	steps []string
	// duringImport, when set, runs while the import runs.
	duringImport func(progress events.Sink)
	// found, when set, is what Find finds (finds stays 0 then: nothing).
	found *[]session.Found
	finds int
	// node is this machine as the registry-less path loads it.
	node nodeFake
}

var idx = bundle.Index{Name: "demo-2.0", Target: "demo", Version: "2.0", Archs: []string{"amd64"}, Modules: []string{"core", "ui"},
	ShortCode: "7QK4-M2XD", Size: 160 << 20, Parts: []bundle.Part{{Name: "demo-2.0.part001"}}}

func (f *fake) Find(context.Context) []session.Found {
	f.finds++
	if f.found != nil {
		return *f.found
	}
	return []session.Found{{Path: "/media/tech/USB/bundle", Index: idx, Present: 1}}
}
func (f *fake) CheckFile(path string) error {
	if strings.HasPrefix(path, "/etc/site/") {
		return nil
	}
	return errors.New("open " + path + ": no such file or directory")
}
func (f *fake) Open(path string) (*bundle.Bundle, error) {
	if !strings.HasPrefix(path, "/media") {
		return nil, errors.New("not a ferry bundle: " + path + " holds no bundle (no .ferry.json index): give the folder the bundle was written to")
	}
	b := &bundle.Bundle{Dir: path, Index: idx}
	if f.node.delta && !strings.Contains(path, "base") {
		b.Index.FormatVersion = bundle.DeltaFormatVersion
	}
	return b, nil
}
func (f *fake) Verify(ctx context.Context, b *bundle.Bundle, progress events.Sink) error {
	progress(events.Event{Stage: events.StageVerify, State: events.Verified, BytesDone: b.Index.Size, BytesTotal: b.Index.Size})
	return f.verifyErr
}
func (f *fake) Preflight(ctx context.Context, d session.Destination) ([]push.Check, error) {
	// The engine's own check of the address, before any request.
	if _, err := new(session.Session).Importer(d); errors.Is(err, session.ErrRegistryScheme) {
		return nil, err
	}
	if f.checkErr != nil {
		return []push.Check{{Name: "reachable", OK: true}, {Name: "certificate trusted", OK: true}, {Name: "login accepted", Problem: f.checkErr.Error()}}, f.checkErr
	}
	return []push.Check{{Name: "reachable", OK: true}, {Name: "certificate trusted", OK: true}, {Name: "login accepted", OK: true}, {Name: "push allowed", OK: true}}, nil
}
func (f *fake) Import(ctx context.Context, b *bundle.Bundle, d session.Destination, progress events.Sink) (*importer.Report, error) {
	f.imported = &d
	if f.duringImport != nil {
		f.duringImport(progress)
	}
	progress(events.Event{BytesDone: 160 << 20, BytesTotal: 160 << 20})
	return &importer.Report{Registry: d.Registry, Images: make([]push.Loaded, 2), Verified: true, Problems: f.problems, Path: "/media/tech/USB/bundle/demo-2.0-import-report.md"}, nil
}
func (f *fake) Configure(ctx context.Context, b *bundle.Bundle, d session.Destination, platforms []string, dir string) ([]*mirrorconfig.Result, error) {
	f.configured = platforms
	steps := f.steps
	if steps == nil {
		steps = []string{"On every host, copy crio/registries.conf.d/50-ferry-demo-2-0.conf to /etc/containers/registries.conf.d/.", "Restart CRI-O: `systemctl restart crio`."}
	}
	return []*mirrorconfig.Result{{Platform: "crio", Files: []mirrorconfig.File{{Path: "crio/registries.conf.d/50-ferry-demo-2-0.conf"}}, Steps: steps}}, nil
}

func (f *fake) Serve(ctx context.Context, b *bundle.Bundle, listen string, progress events.Sink) (string, func(), error) {
	f.serving = true
	progress(events.Event{Stage: events.StageServe, State: events.Pulled, Item: "apache/demo:2.0", ItemsDone: 3})
	return "192.0.2.10:5000", func() { f.serving = false }, nil
}

func farsideOptions() farside.Options {
	return farside.Options{ConfigDir: "/home/tech/mirror-config"}
}

// newImport starts the app on the site's side at w×h.
func newImport(t *testing.T, f *fake, w, h int) *driver {
	t.Helper()
	return newDriver(t, Options{Side: Import, ImportEngine: f, Import: farsideOptions()}, w, h)
}

func TestFarSideWalk(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		f := &fake{}
		d := newImport(t, f, sz[0], sz[1])
		g := func(name string) { d.golden(fmt.Sprintf("import/%s-%dx%d", name, sz[0], sz[1])) }
		assert.Contains(t, d.screen(), "› /media/tech/USB/bundle", "the found bundle is pre-filled")
		g("1-find")
		d.press("enter")
		require.Equal(t, "Check the code", d.step())
		g("2-code")
		d.press("y")
		require.Equal(t, "Where it goes", d.step())
		g("3-mode")
		d.press("enter")
		d.typeText("registry.site:5000/mirror")
		d.press("tab")
		d.typeText("loader")
		d.press("tab")
		d.typeText("s3cret")
		g("3-where")
		assert.NotContains(t, d.screen(), "s3cret", "the password is masked")
		d.press("enter")
		require.Equal(t, "Test connection", d.step())
		g("4-test")
		d.press("enter")
		require.Equal(t, "Configure", d.step())
		assert.Equal(t, "registry.site:5000/mirror", f.imported.Registry)
		assert.Equal(t, "s3cret", f.imported.Password)
		d.press("down", "space")
		g("6-platforms")
		d.press("enter")
		assert.Equal(t, []string{"crio"}, f.configured)
		d.press("space", "down")
		assert.Contains(t, d.screen(), "1 of 2 steps done")
		assert.Contains(t, d.screen(), "✓ ferry checked: registry.site:5000/mirror serves every")
		g("6-configure")
		d.press("enter")
		require.Equal(t, "Done", d.step())
		g("7-done")
		d.press("enter")
		assert.True(t, d.quit)
	}
}

func TestFailureScreens(t *testing.T) {
	f := &fake{verifyErr: errors.New("part 3 of 7 (demo-2.0.part003) is damaged (its checksum does not match): copy it again from the original media")}
	d := newImport(t, f, 100, 30)
	d.press("ctrl+u")
	d.typeText("/srv/nothing")
	d.press("enter")
	assert.Equal(t, "Find the bundle", d.step())
	assert.Contains(t, d.screen(), "holds no bundle")
	d.press("ctrl+u")
	d.typeText("/media/tech/USB/bundle")
	d.press("enter", "y")
	assert.Equal(t, "Check the code", d.step())
	assert.Contains(t, d.screen(), "part 3 of 7 (demo-2.0.part003) is damaged")
	assert.Contains(t, d.screen(), "Copy the part again, then press Enter to check again.")
	f.verifyErr = nil
	d.press("enter")
	assert.Equal(t, "Where it goes", d.step())

	d.press("enter") // load into a registry
	f.checkErr = fault.New(source.ErrUnauthorized, "%s refused the credentials: check %s", fault.Host("registry.site:5000"), fault.Use(fault.RegistryLogin))
	d.typeText("registry.site:5000")
	d.press("enter")
	assert.Contains(t, d.screen(), "✗ login accepted")
	assert.Contains(t, d.screen(), `refused the credentials: check the "Username" and`)
	d.press("enter")
	assert.Equal(t, "Test connection", d.step(), "nothing loads after a failed check")
	assert.Nil(t, f.imported)
	f.checkErr = nil
	d.press("r")
	assert.Contains(t, d.screen(), "✓ push allowed")
}

func TestServePathAsksBeforeStopping(t *testing.T) {
	f := &fake{}
	d := newImport(t, f, 100, 30)
	d.press("enter", "y", "down", "enter")
	require.True(t, f.serving)
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		d.golden(fmt.Sprintf("import/3-serve-%dx%d", sz[0], sz[1]))
	}
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	assert.Contains(t, d.screen(), "Address:  192.0.2.10:5000")
	assert.Contains(t, d.screen(), "Pulls so far: 3")
	_, cmd := d.m.Update(keyMsg("ctrl+c"))
	assert.Nil(t, cmd)
	assert.Contains(t, d.screen(), "Stop serving?")
	d.press("n")
	assert.True(t, f.serving, "any other key keeps serving")
	assert.False(t, d.quit)
	d.press("ctrl+c", "y")
	assert.False(t, f.serving)
	assert.True(t, d.quit)
}

func TestMoreFailureScreens(t *testing.T) {
	// A missing part is named at the check, with what to do.
	f := &fake{verifyErr: errors.New("part 7 of 7 (demo-2.0.part007) is missing: copy it again from the original media")}
	d := newImport(t, f, 100, 30)
	d.press("enter", "y")
	assert.Contains(t, d.screen(), "part 7 of 7 (demo-2.0.part007) is missing")
	assert.Contains(t, d.screen(), "Copy the part again")

	// An untrusted certificate stops the connection test, nothing loads.
	f.verifyErr = nil
	d.press("enter", "enter")
	d.typeText("registry.site:5000")
	f.checkErr = fault.New(source.ErrUntrusted, "the certificate of %s is not trusted (fetching %s): give its CA with %s",
		fault.Host("registry.site:5000"), fault.Ref("registry.site:5000/ferry-preflight"), fault.Use(fault.CAFile))
	d.press("enter")
	assert.Contains(t, d.screen(), "is not trusted")
	assert.Contains(t, d.screen(), `give its CA with the "CA file" field`)
	assert.NotContains(t, d.screen(), "--ca-file")
	assert.Contains(t, d.screen(), "press r to test again, or esc to change the answers")
	d.press("enter")
	assert.Nil(t, f.imported, "nothing is loaded after a failed check")
	// esc goes back to the answers, keeping them.
	d.press("esc")
	assert.Equal(t, "Where it goes", d.step())
	assert.Equal(t, "registry.site:5000", d.m.Import().Destination().Registry)
}

func TestMavenFolderInsteadOfURL(t *testing.T) {
	d := newImport(t, &fake{}, 100, 30)
	d.press("enter", "y", "enter")
	require.Equal(t, "Where it goes", d.step())
	for i := 0; i < 5; i++ { // to "Maven URL or folder"
		d.press("tab")
	}
	d.typeText("/srv/maven-repo")
	dest := d.m.Import().Destination()
	assert.Equal(t, "/srv/maven-repo", dest.MavenDir)
	assert.Empty(t, dest.MavenURL)
}

// TestFlagsPrefillWhereItGoes starts the site's side as `ferry import`
// without a bundle does: what the flags named (logins, a Maven folder) is
// in the fields, and goes on to the import unchanged.
func TestFlagsPrefillWhereItGoes(t *testing.T) {
	f := &fake{}
	o := farsideOptions()
	o.Destination = session.Destination{Registry: "registry.site:5000/mirror", Username: "loader", Password: "s3cret",
		MavenDir: "/srv/maven-repo", MavenUser: "deployer", Flat: true, Concurrency: 2}
	d := newDriver(t, Options{Side: Import, ImportEngine: f, Import: o}, 100, 30)
	d.press("enter", "y") // a registry given skips the choice of mode
	require.Equal(t, "Where it goes", d.step())
	screen := d.screen()
	assert.Contains(t, screen, "loader")
	assert.Contains(t, screen, "/srv/maven-repo")
	assert.NotContains(t, screen, "s3cret", "the password is masked")
	dest := d.m.Import().Destination()
	assert.Equal(t, "/srv/maven-repo", dest.MavenDir)
	assert.Equal(t, "deployer", dest.MavenUser)
	assert.Equal(t, "s3cret", dest.Password)
	assert.True(t, dest.Flat, "--repo-mapping flat holds in the app too")
	assert.Equal(t, 2, dest.Concurrency)

	// Left on this step, the summary's command to go on names what the
	// fields hold, without the password.
	got := d.m.Result().Import.Destination
	assert.Equal(t, "registry.site:5000/mirror", got.Registry)
	assert.Equal(t, "loader", got.Username)
	assert.Empty(t, got.Password)
}

// TestGoldenLoad snapshots the load step mid-way, while the import runs.
func TestGoldenLoad(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		f := &fake{}
		d := newImport(t, f, sz[0], sz[1])
		f.duringImport = func(progress events.Sink) {
			progress(events.Event{BytesDone: 60 << 20, BytesTotal: 160 << 20})
			require.Equal(t, "Load", d.step())
			d.golden(fmt.Sprintf("import/5-load-%dx%d", sz[0], sz[1]))
		}
		d.press("enter", "y", "enter")
		d.typeText("registry.site:5000/mirror")
		d.press("enter", "enter")
		require.Equal(t, "Configure", d.step())
	}
}

// TestEndScreenScrolls: a long report scrolls, so its last line can be
// reached at the smallest window.
func TestEndScreenScrolls(t *testing.T) {
	f := &fake{}
	for i := range 20 {
		f.problems = append(f.problems, fmt.Sprintf("registry.site:5000 refused the index of image %d: ask the engineer for a bundle with every architecture", i))
	}
	d := newImport(t, f, 80, 24)
	d.press("enter", "y", "enter")
	d.typeText("registry.site:5000/mirror")
	d.press("enter", "enter", "space", "enter", "enter")
	require.Equal(t, "Done", d.step())
	assert.Contains(t, d.screen(), "Press Enter to finish.", "what to do comes first")
	assert.Contains(t, d.screen(), "report: /media/tech/USB/bundle/demo-2.0-import-report.md")
	assert.NotContains(t, d.screen(), "image 19:", "the report is longer than the window")
	assert.Contains(t, d.screen(), "pgdn", "the help says how to scroll")
	assert.Regexp(t, `1–\d+ of \d+`, d.screen(), "the position is shown")
	for i := 0; i < 10 && !strings.Contains(d.screen(), "image 19:"); i++ {
		d.press("pgdown")
	}
	assert.Contains(t, d.screen(), "image 19:")
	m := regexp.MustCompile(`\d+–(\d+) of (\d+)`).FindStringSubmatch(d.screen())
	require.Len(t, m, 3, "the position is shown")
	assert.Equal(t, m[2], m[1], "the position says the end is shown")
	assert.False(t, d.quit, "scrolling does not finish")
}

// TestHelpShowsEveryKey: ? shows the full help on the site's side too,
// except while typing.
func TestHelpShowsEveryKey(t *testing.T) {
	d := newImport(t, &fake{}, 100, 30)
	d.press("enter")
	before := d.screen()
	d.press("?")
	assert.NotEqual(t, before, d.screen())
	assert.Contains(t, d.screen(), "y   codes match")
	assert.Contains(t, d.screen(), "n   codes differ")
}

// quotedName is a field named in quotes by the far side's wording.
var quotedName = regexp.MustCompile(`"([^"]+)"`)

// TestFarSideWordingNamesItsOwnFields words every setting as the far side
// does and checks every field it names is on the "Where it goes" step,
// every key it names is in the far side's key map, and no flag is named.
func TestFarSideWordingNamesItsOwnFields(t *testing.T) {
	d := newImport(t, &fake{}, 120, 40)
	d.press("enter", "y", "enter")
	require.Equal(t, "Where it goes", d.step())
	screen := d.screen()
	keys := map[string]bool{}
	for _, b := range farside.DefaultKeys().ShortHelp() {
		for _, k := range b.Keys() {
			keys[k] = true
		}
	}
	named := 0
	for _, s := range fault.Settings() {
		w := farside.Words(s, "registry.site:5000")
		assert.NotContains(t, w, "--", "%s: the far side names fields, not flags: %s", s, w)
		for _, m := range quotedName.FindAllStringSubmatch(w, -1) {
			named++
			assert.Contains(t, screen, m[1]+" ", "%s names the field %q, which the step does not show", s, m[1])
		}
		for _, m := range regexp.MustCompile(`press (\S+)`).FindAllStringSubmatch(w, -1) {
			assert.True(t, keys[m[1]], "%s names the key %q, which the step does not have", s, m[1])
		}
	}
	assert.Positive(t, named)
}

// TestRegistryAddressWithASchemeIsWordedForTheField: typing a URL into
// the registry field is refused by the engine and worded with the step's
// fields, instead of an invalid repository name.
func TestRegistryAddressWithASchemeIsWordedForTheField(t *testing.T) {
	// Typed, the scheme is stripped and Plain HTTP ticked before the
	// engine sees it; the engine's own refusal, worded for this screen,
	// names the fields and no flag.
	d := newImport(t, &fake{}, 300, 40)
	d.press("enter", "y", "enter")
	d.typeText("http://127.0.0.1:5000/mirror")
	d.press("enter")
	assert.Equal(t, "Test connection", d.step())
	screen := d.screen()
	assert.NotContains(t, screen, "is not a valid repository")
	assert.NotContains(t, screen, "--")
	err := fault.New(session.ErrRegistryScheme, "the registry address http://127.0.0.1:5000/mirror has a scheme: %s", fault.Use(fault.RegistryForm, "http"))
	worded := fault.Word(err, farside.Words)
	assert.Contains(t, worded, `without http://`)
	assert.Contains(t, worded, `"Registry address"`)
	assert.NotContains(t, worded, "--")
}
