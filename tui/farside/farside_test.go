package farside

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/push"
	"ferry/targets/mirrorconfig"
	"ferry/themes"
	"ferry/workflow/importer"
)

var update = flag.Bool("update", false, "rewrite golden screens")

type fake struct {
	verifyErr  error
	checkErr   error
	imported   *Destination
	configured []string
	serving    bool
}

var idx = bundle.Index{Name: "demo-2.0", Target: "demo", Version: "2.0", Archs: []string{"amd64"}, Modules: []string{"core", "ui"},
	ShortCode: "7QK4-M2XD", Size: 160 << 20, Parts: []bundle.Part{{Name: "demo-2.0.part001"}}}

func (f *fake) Find() []Found {
	return []Found{{Path: "/media/tech/USB/bundle", Index: idx, Present: 1}}
}
func (f *fake) Open(path string) (*bundle.Bundle, error) {
	if !strings.HasPrefix(path, "/media") {
		return nil, errors.New("not a ferry bundle: " + path + " holds no bundle (no .ferry.json index): give the folder the bundle was written to")
	}
	return &bundle.Bundle{Dir: path, Index: idx}, nil
}
func (f *fake) Verify(ctx context.Context, b *bundle.Bundle, progress func(int64)) error {
	progress(b.Index.Size)
	return f.verifyErr
}
func (f *fake) Preflight(ctx context.Context, d Destination) ([]push.Check, error) {
	if f.checkErr != nil {
		return []push.Check{{Name: "reachable", OK: true}, {Name: "certificate trusted", OK: true}, {Name: "login accepted", Problem: f.checkErr.Error()}}, f.checkErr
	}
	return []push.Check{{Name: "reachable", OK: true}, {Name: "certificate trusted", OK: true}, {Name: "login accepted", OK: true}, {Name: "push allowed", OK: true}}, nil
}
func (f *fake) Import(ctx context.Context, b *bundle.Bundle, d Destination, progress func(push.Event)) (*importer.Report, error) {
	f.imported = &d
	progress(push.Event{BytesDone: 160 << 20, BytesTotal: 160 << 20})
	return &importer.Report{Registry: d.Registry, Images: make([]push.Loaded, 2), Verified: true, Path: "/media/tech/USB/bundle/demo-2.0-import-report.md"}, nil
}
func (f *fake) Configure(b *bundle.Bundle, d Destination, platforms []string, dir string) ([]*mirrorconfig.Result, error) {
	f.configured = platforms
	return []*mirrorconfig.Result{{Platform: "crio", Files: []mirrorconfig.File{{Path: "crio/registries.conf.d/50-ferry-demo-2-0.conf"}},
		Steps: []string{"On every host, copy crio/registries.conf.d/50-ferry-demo-2-0.conf to /etc/containers/registries.conf.d/.", "Restart CRI-O: `systemctl restart crio`."}}}, nil
}

func (f *fake) Serve(b *bundle.Bundle, listen string) (string, func() int64, func(), error) {
	f.serving = true
	return "192.0.2.10:5000", func() int64 { return 3 }, func() { f.serving = false }, nil
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

func run(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				run(m, c)
			}
		case nil, tickMsg, tea.QuitMsg:
		default:
			_, next := m.Update(msg)
			run(m, next)
		}
	case <-time.After(150 * time.Millisecond):
	}
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		run(m, cmd)
	}
}

func typeText(m *Model, s string) {
	for _, r := range s {
		_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		run(m, cmd)
	}
}

func newModel(f *fake, w, h int) *Model {
	m := New(f, themes.MonoTheme(), Options{ConfigDir: "/home/tech/mirror-config", Tick: time.Millisecond})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	run(m, m.Init())
	return m
}

func screen(m *Model) string { return ansi.Strip(m.View().Content) }

func golden(t *testing.T, name string, m *Model) {
	t.Helper()
	got := screen(m)
	for _, l := range strings.Split(got, "\n") {
		require.LessOrEqual(t, ansi.StringWidth(l), m.width, l)
	}
	p := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./tui/farside -update")
	assert.Equal(t, string(want), got, name)
}

func TestFarSideWalk(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		f := &fake{}
		m := newModel(f, sz[0], sz[1])
		suffix := fmt.Sprintf("-%dx%d", sz[0], sz[1])
		assert.Equal(t, "/media/tech/USB/bundle", m.path.Value(), "the found bundle is pre-filled")
		golden(t, "1-find"+suffix, m)
		press(m, "enter")
		require.Equal(t, "Check the code", m.Step())
		golden(t, "2-code"+suffix, m)
		press(m, "y")
		require.Equal(t, "Where it goes", m.Step())
		golden(t, "3-mode"+suffix, m)
		press(m, "enter")
		typeText(m, "registry.site:5000/mirror")
		press(m, "tab")
		typeText(m, "loader")
		press(m, "tab")
		typeText(m, "s3cret")
		golden(t, "3-where"+suffix, m)
		assert.NotContains(t, screen(m), "s3cret", "the password is masked")
		press(m, "enter")
		require.Equal(t, "Test connection", m.Step())
		golden(t, "4-test"+suffix, m)
		press(m, "enter")
		require.Equal(t, "Configure", m.Step())
		assert.Equal(t, "registry.site:5000/mirror", f.imported.Registry)
		assert.Equal(t, "s3cret", f.imported.Password)
		press(m, "down", "space", "enter")
		assert.Equal(t, []string{"crio"}, f.configured)
		press(m, "space", "down")
		assert.Contains(t, screen(m), "1 of 2 steps done")
		assert.Contains(t, screen(m), "✓ ferry checked: registry.site:5000/mirror serves every")
		golden(t, "6-configure"+suffix, m)
		press(m, "enter")
		require.Equal(t, "Done", m.Step())
		golden(t, "7-done"+suffix, m)
	}
}

func TestFailureScreens(t *testing.T) {
	f := &fake{verifyErr: errors.New("part 3 of 7 (demo-2.0.part003) is damaged (its checksum does not match): copy it again from the original media")}
	m := newModel(f, 100, 30)
	m.path.SetValue("/srv/nothing")
	press(m, "enter")
	assert.Equal(t, "Find the bundle", m.Step())
	assert.Contains(t, screen(m), "holds no bundle")
	m.path.SetValue("/media/tech/USB/bundle")
	press(m, "enter", "y")
	assert.Equal(t, "Check the code", m.Step())
	assert.Contains(t, screen(m), "part 3 of 7 (demo-2.0.part003) is damaged")
	assert.Contains(t, screen(m), "Copy the part again, then press Enter to check again.")
	f.verifyErr = nil
	press(m, "enter")
	assert.Equal(t, "Where it goes", m.Step())

	press(m, "enter") // load into a registry
	f.checkErr = errors.New("registry.site:5000 refused the credentials: check --username and the password (or your docker config)")
	typeText(m, "registry.site:5000")
	press(m, "enter")
	assert.Contains(t, screen(m), "✗ login accepted")
	assert.Contains(t, screen(m), "refused the credentials")
	press(m, "enter")
	assert.Equal(t, "Test connection", m.Step(), "nothing loads after a failed check")
	assert.Nil(t, f.imported)
	f.checkErr = nil
	press(m, "r")
	assert.Contains(t, screen(m), "✓ push allowed")
}

func TestServePathAsksBeforeStopping(t *testing.T) {
	f := &fake{}
	m := newModel(f, 100, 30)
	press(m, "enter", "y", "down", "enter")
	require.True(t, f.serving)
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		golden(t, fmt.Sprintf("3-serve-%dx%d", sz[0], sz[1]), m)
	}
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	assert.Contains(t, screen(m), "Address:  192.0.2.10:5000")
	assert.Contains(t, screen(m), "Pulls so far: 3")
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	assert.Nil(t, cmd)
	assert.Contains(t, screen(m), "Stop serving?")
	press(m, "n")
	assert.True(t, f.serving, "any other key keeps serving")
	m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	_, cmd = m.Update(keyMsg("y"))
	assert.False(t, f.serving)
	require.NotNil(t, cmd)
}

func TestMoreFailureScreens(t *testing.T) {
	// A missing part is named at the check, with what to do.
	f := &fake{verifyErr: errors.New("part 7 of 7 (demo-2.0.part007) is missing: copy it again from the original media")}
	m := newModel(f, 100, 30)
	press(m, "enter", "y")
	assert.Contains(t, screen(m), "part 7 of 7 (demo-2.0.part007) is missing")
	assert.Contains(t, screen(m), "Copy the part again")

	// An untrusted certificate stops the connection test, nothing loads.
	f.verifyErr = nil
	press(m, "enter", "enter")
	typeText(m, "registry.site:5000")
	f.checkErr = errors.New("the certificate of registry.site:5000 is not trusted (fetching registry.site:5000/ferry-preflight): give its CA with --ca-file")
	press(m, "enter")
	assert.Contains(t, screen(m), "is not trusted")
	assert.Contains(t, screen(m), "press r to test again, or esc to change the answers")
	press(m, "enter")
	assert.Nil(t, f.imported, "nothing is loaded after a failed check")
	// esc goes back to the answers, keeping them.
	press(m, "esc")
	assert.Equal(t, "Where it goes", m.Step())
	assert.Equal(t, "registry.site:5000", m.Destination().Registry)
}

func TestMavenFolderInsteadOfURL(t *testing.T) {
	m := newModel(&fake{}, 100, 30)
	press(m, "enter", "y", "enter")
	require.Equal(t, "Where it goes", m.Step())
	for i := 0; i < fMaven; i++ {
		press(m, "tab")
	}
	typeText(m, "/srv/maven-repo")
	d := m.Destination()
	assert.Equal(t, "/srv/maven-repo", d.MavenDir)
	assert.Empty(t, d.MavenURL)
}

// TestGoldenLoad snapshots the load step mid-way.
func TestGoldenLoad(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m := newModel(&fake{}, sz[0], sz[1])
		press(m, "enter", "y", "enter")
		m.done[stepWhere], m.done[stepTest] = true, true
		m.step, m.loading = stepLoad, true
		m.pushed.set(60<<20, 160<<20)
		golden(t, fmt.Sprintf("5-load-%dx%d", sz[0], sz[1]), m)
	}
}
