package maventest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Isolated is a network namespace holding only the loopback interface, up:
// a command run in it reaches nothing but what is served inside it, which
// proves a build needs no network beyond the site's repository.
type Isolated struct {
	// Name is the namespace's name, as `ip netns list` shows it.
	Name string

	ip       string
	mu       sync.Mutex
	nextPort int
}

// NewIsolated creates a network namespace that is deleted when the test
// ends. It needs root and iproute2's ip: without them the test is skipped,
// or fails under CI.
func NewIsolated(t testing.TB) *Isolated {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "creating a network namespace needs root: run the test as root")
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		Missing(t, "ip is not installed: install the Debian package iproute2 (apt-get install iproute2)")
	}
	var random [4]byte
	_, _ = rand.Read(random[:])
	n := &Isolated{Name: "ferry-" + hex.EncodeToString(random[:]), ip: ip, nextPort: 8081}
	if out, err := exec.Command(ip, "netns", "add", n.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", n.Name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(ip, "netns", "delete", n.Name).CombinedOutput(); err != nil {
			t.Errorf("ip netns delete %s: %v: %s", n.Name, err, out)
		}
	})
	if out, err := n.Command(context.Background(), ip, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("bring up loopback in %s: %v: %s", n.Name, err, out)
	}
	return n
}

// Command is a command that runs inside the namespace. ip replaces itself
// with the program, so the command's PID is the program's.
func (n *Isolated) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, n.ip, append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// ServeFolder serves root read-only (GET and HEAD) over HTTP inside the
// namespace, with Debian's nginx as one process, until the test ends. It
// returns the base URL, on 127.0.0.1, which only commands run in the
// namespace can reach. Without nginx the test is skipped, or fails under CI.
func (n *Isolated) ServeFolder(t testing.TB, root string) string {
	t.Helper()
	needNginx(t)
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	n.mu.Lock()
	port := n.nextPort
	n.nextPort++
	n.mu.Unlock()

	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	startNginx(t, dir, fmt.Sprintf(`  sendfile on;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:%d;
    root %s;
    location / {
      limit_except GET { deny all; }
    }
  }
`, port, root), func(args ...string) *exec.Cmd {
		return n.Command(context.Background(), NginxBinary, args...)
	}, func() bool { return n.answers(port) }, n.Name)
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// answers tells whether an HTTP server answers on the loopback port inside
// the namespace. Go cannot dial from another namespace without moving a
// thread into it, so bash does, through its /dev/tcp.
func (n *Isolated) answers(port int) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	probe := `exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'HEAD / HTTP/1.0\r\n\r\n' >&3 && head -c 5 <&3`
	out, err := n.Command(ctx, "bash", "-c", probe, "probe", strconv.Itoa(port)).Output()
	return err == nil && strings.HasPrefix(string(out), "HTTP/")
}
