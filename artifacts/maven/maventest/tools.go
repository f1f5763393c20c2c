package maventest

import (
	"os"
	"os/exec"
	"testing"
)

// Missing ends a test that lacks a tool or package, with a sentence
// saying what to install: skipped, or failed under CI, where everything
// must be there.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// NeedMvn returns the path of Maven's mvn, or ends the test as Missing
// does.
func NeedMvn(t testing.TB) string {
	t.Helper()
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		Missing(t, "mvn is not installed: install the Debian package maven (apt-get install maven)")
	}
	return mvn
}

// needNginx ends the test as Missing does when Debian's nginx is absent.
func needNginx(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(NginxBinary); err != nil {
		Missing(t, "nginx is not installed: install the Debian package nginx (apt-get install nginx)")
	}
}
