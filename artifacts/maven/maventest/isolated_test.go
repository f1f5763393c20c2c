//go:build e2e

package maventest_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven/maventest"
)

// get asks for path over HTTP/1.0 from inside n, with bash's /dev/tcp so the
// test needs no HTTP client in the namespace, and returns the raw answer.
func get(t *testing.T, n *maventest.Isolated, method, url, path string) (string, error) {
	t.Helper()
	port := url[strings.LastIndex(url, ":")+1:]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	script := `exec 3<>"/dev/tcp/127.0.0.1/$1" && printf '%s %s HTTP/1.0\r\n\r\n' "$2" "$3" >&3 && cat <&3`
	out, err := n.Command(ctx, "bash", "-c", script, "get", port, method, path).CombinedOutput()
	return string(out), err
}

func TestIsolated(t *testing.T) {
	n := maventest.NewIsolated(t)
	root := t.TempDir() // 0700 and the test's own: nginx must read it with the test's rights
	require.NoError(t, os.MkdirAll(filepath.Join(root, "org/x"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "org/x/f.pom"), []byte("served from inside"), 0o644))
	url := n.ServeFolder(t, root)
	assert.True(t, strings.HasPrefix(url, "http://127.0.0.1:"), url)

	t.Run("serves the folder inside", func(t *testing.T) {
		out, err := get(t, n, "GET", url, "/org/x/f.pom")
		require.NoError(t, err, out)
		assert.True(t, strings.HasPrefix(out, "HTTP/1.1 200"), out)
		assert.Contains(t, out, "Content-Length: 18")
		assert.True(t, strings.HasSuffix(out, "\r\n\r\nserved from inside"), out)

		out, err = get(t, n, "GET", url, "/org/x/missing.pom")
		require.NoError(t, err, out)
		assert.True(t, strings.HasPrefix(out, "HTTP/1.1 404"), out)
	})

	t.Run("read-only", func(t *testing.T) {
		out, err := get(t, n, "PUT", url, "/org/x/f.pom")
		require.NoError(t, err, out)
		assert.True(t, strings.HasPrefix(out, "HTTP/1.1 403"), out)
		data, err := os.ReadFile(filepath.Join(root, "org/x/f.pom"))
		require.NoError(t, err)
		assert.Equal(t, "served from inside", string(data))
	})

	t.Run("loopback only, no route", func(t *testing.T) {
		out, err := n.Command(context.Background(), "ip", "-o", "link", "show").Output()
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		require.Len(t, lines, 1, string(out))
		assert.Contains(t, lines[0], ": lo: ")
		for _, family := range []string{"-4", "-6"} {
			out, err := n.Command(context.Background(), "ip", family, "route", "show").CombinedOutput()
			require.NoError(t, err, string(out))
			assert.Empty(t, strings.TrimSpace(string(out)), "no route in the main table (%s)", family)
		}
	})

	t.Run("the host's loopback is out of reach", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		accepted := make(chan struct{}, 16)
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				accepted <- struct{}{}
				c.Close()
			}
		}()
		port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		c, err := net.Dial("tcp", l.Addr().String())
		require.NoError(t, err, "the listener answers in the host's namespace")
		c.Close()
		<-accepted

		out, err := n.Command(context.Background(), "bash", "-c", `exec 3<>"/dev/tcp/127.0.0.1/$1"`, "dial", port).CombinedOutput()
		require.Error(t, err, "reached the host's listener from inside: %s", out)
		assert.Contains(t, string(out), "Connection refused")
		select {
		case <-accepted:
			t.Fatal("the host's listener accepted a connection from inside")
		case <-time.After(100 * time.Millisecond):
		}
	})
}

func TestIsolatedCleanup(t *testing.T) {
	var name, pids string
	t.Run("inside", func(t *testing.T) {
		n := maventest.NewIsolated(t)
		name = n.Name
		n.ServeFolder(t, t.TempDir())
		out, err := exec.Command("ip", "netns", "pids", name).Output()
		require.NoError(t, err)
		pids = strings.TrimSpace(string(out))
		require.NotEmpty(t, pids, "nginx runs inside")
		exe, err := os.Readlink("/proc/" + strings.Fields(pids)[0] + "/exe")
		require.NoError(t, err)
		assert.Equal(t, maventest.NginxBinary, exe, "ip netns exec hands its PID to nginx")
	})
	out, err := exec.Command("ip", "netns", "list").Output()
	require.NoError(t, err)
	assert.NotContains(t, string(out), name, "the namespace is deleted")
	for _, pid := range strings.Fields(pids) {
		exe, _ := os.Readlink("/proc/" + pid + "/exe")
		assert.NotEqual(t, maventest.NginxBinary, exe, "nginx (PID %s) is stopped", pid)
	}
}
