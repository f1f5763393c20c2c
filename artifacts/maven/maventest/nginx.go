package maventest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// NginxBinary is where Debian's nginx package installs nginx.
const NginxBinary = "/usr/sbin/nginx"

// DAV is nginx serving a folder with WebDAV PUT on loopback, standing in for
// the site's Nexus: anyone reads, writes need the login.
type DAV struct {
	URL  string
	Root string
}

// StartNginxDAV runs nginx (one process, no master) until the test ends.
// Without nginx the test is skipped, or fails under CI.
func StartNginxDAV(t testing.TB, user, pass string) *DAV {
	t.Helper()
	needNginx(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "repo")
	for _, d := range []string{root, filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if err := os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(user+":{PLAIN}"+pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr
	startNginx(t, dir, fmt.Sprintf(`  client_max_body_size 0;
  server {
    listen %[2]s;
    root %[3]s;
    location / {
      dav_methods PUT DELETE MKCOL;
      create_full_put_path on;
      limit_except GET HEAD {
        auth_basic "maven";
        auth_basic_user_file %[1]s/htpasswd;
      }
    }
  }
`, dir, addr, root), func(args ...string) *exec.Cmd { return exec.Command(NginxBinary, args...) }, func() bool {
		resp, err := http.Get(url + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}, "")
	return &DAV{URL: url, Root: root}
}

// startNginx runs nginx as one process (no master, so it reads with the
// test's own rights) from dir, with http holding the http block's
// directives and servers, until the test ends; dir/tmp must exist. command
// builds the command from nginx's arguments, ready says whether it
// answers, where (if set) names where it runs, for messages.
func startNginx(t testing.TB, dir, http string, command func(args ...string) *exec.Cmd, ready func() bool, where string) {
	t.Helper()
	if where != "" {
		where = " in " + where
	}
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
%[3]s}
`, dir, filepath.Join(dir, "tmp"), http)
	cfg := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	errorLog := filepath.Join(dir, "error.log")
	cmd := command("-e", errorLog, "-p", dir, "-c", cfg)
	out, err := os.Create(filepath.Join(dir, "out.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		t.Fatalf("start nginx%s: %v", where, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		out.Close()
		if t.Failed() {
			logs, _ := os.ReadFile(errorLog)
			t.Logf("nginx log:\n%s", logs)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			logs, _ := os.ReadFile(errorLog)
			stdio, _ := os.ReadFile(out.Name())
			t.Fatalf("nginx exited at start%s:\n%s%s", where, logs, stdio)
		default:
		}
		if ready() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nginx%s did not answer within 10s", where)
}
