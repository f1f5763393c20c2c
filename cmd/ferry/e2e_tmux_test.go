//go:build e2e

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven"
	"ferry/artifacts/maven/maventest"
	"ferry/artifacts/registrytest"
)

// tmuxSession runs a command in a detached tmux session of w×h and stops
// it when the test ends.
type tmuxSession struct {
	t    *testing.T
	name string
}

func startTmux(t *testing.T, dir string, w, h int, command string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed: apt-get install tmux")
		}
		t.Skip("tmux is not installed")
	}
	s := &tmuxSession{t: t, name: fmt.Sprintf("ferry-e2e-%d", time.Now().UnixNano())}
	out, err := exec.Command("tmux", "new-session", "-d", "-s", s.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "-c", dir,
		"env", "TERM=xterm-256color", "NO_COLOR=1", "sh", "-c", command+"; echo FERRY-EXIT=$?; sleep 30").CombinedOutput()
	require.NoError(t, err, string(out))
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", s.name).Run() })
	return s
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"send-keys", "-t", s.name}, keys...)...).CombinedOutput()
	require.NoError(s.t, err, string(out))
}

func (s *tmuxSession) screen() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", s.name).Output()
	return string(out)
}

// waitFor polls the screen until it shows want.
func (s *tmuxSession) waitFor(want string, d time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(d)
	var scr string
	for time.Now().Before(deadline) {
		scr = s.screen()
		if strings.Contains(scr, want) {
			return scr
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("the screen never showed %q; it shows:\n%s", want, scr)
	return ""
}

// TestE2EWizardInARealTerminal walks the whole connected side in tmux
// against a loopback registry and Maven repository, then verifies the
// bundle it wrote.
func TestE2EWizardInARealTerminal(t *testing.T) {
	up := registrytest.StartDistribution(t)
	up.Push(t, demoImages()...)
	root := t.TempDir()
	maventest.WriteArtifact(t, root, maven.Coordinate{GroupID: "org.example.demo", ArtifactID: "demo-api", Version: "1.0"}, "jar", make([]byte, 10_000), "sha1")
	mvn := maventest.NewServer(t, root)
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	work := t.TempDir()
	cmd := fmt.Sprintf("%s --catalog %s --insecure-source %s --maven-repo %s --cache %s", bin, demoCatalog(t, up.Host), up.Host, mvn.URL, filepath.Join(work, "cache"))
	s := startTmux(t, work, 100, 30, cmd)

	s.waitFor("Which side of the gap are you on?", 10*time.Second)
	time.Sleep(500 * time.Millisecond) // the first frame is drawn before keys are read
	s.keys("Enter")
	s.waitFor("Which product do you want to carry?", 5*time.Second)
	s.keys("/", "Demo", "Enter")
	s.waitFor("filter: Demo", 5*time.Second)
	s.keys("Enter")
	s.waitFor("Which architectures", 5*time.Second)
	s.keys("Enter")
	s.waitFor("Which version?", 5*time.Second)
	s.keys("Enter")
	scr := s.waitFor("Total of the ticked modules", 10*time.Second)
	assert.Contains(t, scr, "(required)")
	s.keys("Enter")
	scr = s.waitFor("[Images]", 15*time.Second)
	assert.Contains(t, scr, up.Host+"/apache/demo-operator:1.0")
	s.keys("Enter")
	s.waitFor("Where should the bundle go?", 5*time.Second)
	s.waitFor("enough free space", 5*time.Second)
	s.keys("Enter")
	scr = s.waitFor("Ready to download", 5*time.Second)
	assert.Contains(t, scr, "ferry prepare --catalog", "the command carries the run's flags")
	assert.Contains(t, scr, "--target demo")
	s.keys("Enter")
	scr = s.waitFor("The bundle is written and verified", 30*time.Second)
	code := regexp.MustCompile(`([0-9A-Z] ){4}- ([0-9A-Z] ){3}[0-9A-Z]`).FindString(scr)
	require.NotEmpty(t, code, scr)
	s.keys("Enter")
	s.waitFor("FERRY-EXIT=0", 5*time.Second)

	bundleDir := filepath.Join(work, "bundle")
	c, stdout, stderr := ferry(t, "verify", bundleDir)
	require.Equal(t, 0, c, stderr)
	assert.Contains(t, stdout, "code "+strings.ReplaceAll(code, " ", ""))
	assert.FileExists(t, filepath.Join(bundleDir, "demo-1.0.answers.yaml"))
}

func TestE2EWizardNeedsATerminal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	require.NoError(t, build.Run())
	out, err := exec.Command(bin).CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.ExitCode())
	assert.Contains(t, string(out), "the wizard needs a terminal: use `ferry prepare`")
}

// TestE2EFarSideWizardInARealTerminal walks the far side in tmux: a bundle
// made by ferry prepare, loaded into a distribution registry; every digest
// must arrive.
func TestE2EFarSideWizardInARealTerminal(t *testing.T) {
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, demoImages()...)
	work := t.TempDir()
	stick := filepath.Join(work, "stick")
	code, _, stderr := ferry(t, "--catalog", noMavenCatalog(t, up.Host), "prepare", "--target", "demo", "--arch", "amd64", "--arch", "arm64",
		"--insecure-source", up.Host, "--cache", t.TempDir(), "--output", stick, "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	site := registrytest.StartDistribution(t)
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	s := startTmux(t, work, 100, 30, bin+" import --registry "+site.Host+"/mirror --insecure")

	s.waitFor("Where is the bundle?", 10*time.Second)
	time.Sleep(500 * time.Millisecond) // the first frame is drawn before keys are read
	s.keys("C-u", stick, "Enter")
	scr := s.waitFor("Ask the engineer", 5*time.Second)
	assert.Contains(t, scr, "demo 1.0")
	s.keys("y")
	s.waitFor("Where does it go?", 15*time.Second)
	s.keys("Enter")
	s.waitFor("Everything is ready", 10*time.Second)
	s.keys("Enter")
	s.waitFor("Tick the kinds of machines", 30*time.Second)
	s.keys("Down", "Space", "Enter")
	s.waitFor("steps done", 5*time.Second)
	s.keys("Enter")
	s.waitFor("The bundle is loaded and checked", 5*time.Second)
	s.keys("Enter")
	s.waitFor("FERRY-EXIT=0", 5*time.Second)

	for i, n := range []string{"apache/demo-operator"} {
		d, err := crane.Digest(site.Host+"/mirror/"+n+":1.0", crane.Insecure)
		require.NoError(t, err)
		assert.Equal(t, pushed[i].Digest, d)
	}
	assert.FileExists(t, filepath.Join(work, "mirror-config", "crio", "STEPS.md"))
}

// TestE2EWizardImportChoiceInARealTerminal: choosing "import" on the first
// screen goes on to the far side in the same program, and ctrl+c leaves
// with 130 (nothing was done), saying where it stopped.
func TestE2EWizardImportChoiceInARealTerminal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	s := startTmux(t, t.TempDir(), 100, 30, bin)
	s.waitFor("Which side of the gap are you on?", 10*time.Second)
	time.Sleep(500 * time.Millisecond) // the first frame is drawn before keys are read
	s.keys("Down", "Enter")
	s.waitFor("Where is the bundle?", 5*time.Second)
	s.keys("C-c")
	scr := s.waitFor("FERRY-EXIT=130", 5*time.Second)
	assert.Contains(t, scr, `ferry was left on the step "Find the bundle"; nothing was loaded.`)
}

// TestE2EDemoAutoInARealTerminal plays the demo by itself in tmux at the
// documented minimum size; once the full screen closes, the summary stays
// in the scrollback: the code, what was loaded where, what is left to do.
func TestE2EDemoAutoInARealTerminal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	s := startTmux(t, t.TempDir(), 80, 24, bin+" demo --auto --pace 100ms")
	s.waitFor("DEMO — nothing leaves this machine", 10*time.Second)
	s.waitFor("playing by itself", 5*time.Second)
	scr := s.waitFor("FERRY-EXIT=0", 90*time.Second)
	assert.Regexp(t, `Bundle prepared: code [0-9A-Z]{4}-[0-9A-Z]{4}`, scr)
	assert.Regexp(t, `✓ sonataflow-10\.1\.0 \(code [0-9A-Z]{4}-[0-9A-Z]{4}\) loaded and checked\.`, scr)
	assert.Regexp(t, `images: \d+ into 127\.0\.0\.1:\d+/mirror`, scr)
	assert.Contains(t, scr, "mirror configuration:")
	assert.Contains(t, scr, "Demo complete")
	assert.NotContains(t, scr, "Which side of the gap", "the full screen is gone")
}

// TestE2EDemoImportFirstInARealTerminal: in the demo the far side can go
// first; it imports a ready-made bundle.
func TestE2EDemoImportFirstInARealTerminal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	s := startTmux(t, t.TempDir(), 80, 24, bin+" demo")
	s.waitFor("Which side of the gap are you on?", 10*time.Second)
	time.Sleep(500 * time.Millisecond) // the first frame is drawn before keys are read
	s.keys("Down", "Enter")
	scr := s.waitFor("Where is the bundle?", 30*time.Second)
	assert.Contains(t, scr, "ready-made-stick")
	s.keys("Enter")
	s.waitFor("Ask the engineer", 10*time.Second)
	s.keys("C-c")
	s.waitFor("y: quit", 5*time.Second) // a bundle is open: it asks first
	s.keys("y")
	scr = s.waitFor("FERRY-EXIT=130", 5*time.Second)
	assert.Contains(t, scr, `ferry was left on the step "Check the code"; nothing was loaded.`)
}
