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
	tmp := filepath.Join(dir, "tmp")
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  client_max_body_size 0;
  server {
    listen %[3]s;
    root %[4]s;
    location / {
      dav_methods PUT DELETE MKCOL;
      create_full_put_path on;
      limit_except GET HEAD {
        auth_basic "maven";
        auth_basic_user_file %[1]s/htpasswd;
      }
    }
  }
}
`, dir, tmp, addr, root)
	cfg := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(NginxBinary, "-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", cfg)
	out, _ := os.Create(filepath.Join(dir, "out.log"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		out.Close()
		if t.Failed() {
			logs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx log:\n%s", logs)
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			logs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited at start:\n%s", logs)
		default:
		}
		if resp, err := http.Get(url + "/"); err == nil {
			resp.Body.Close()
			return &DAV{URL: url, Root: root}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("nginx did not answer within 10s")
	return nil
}
