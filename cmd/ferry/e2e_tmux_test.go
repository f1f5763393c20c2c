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
	assert.Contains(t, scr, "ferry prepare --target demo --version 1.0")
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
