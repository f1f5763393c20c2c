//go:build e2e

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/registrytest"
)

// storeHas is the digest skopeo reads for ref in the image store.
func storeHas(t *testing.T, store, ref string) string {
	t.Helper()
	out, err := exec.Command("skopeo", "inspect", "--raw", "containers-storage:[vfs@"+store+"/root+"+store+"/run]"+ref).Output()
	if err != nil {
		return ""
	}
	return bundle.Digest([]byte(strings.TrimRight(string(out), "\n")))
}

func TestE2ELoadNodeBaseThenDeltaIntoAStore(t *testing.T) {
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Skip("skopeo is not installed: load-node writes the image store through it")
	}
	f := newDeltaFixture(t, registrytest.StartInProcess(t))
	base := f.prepare(t, "1", "product-1")
	delta := f.prepare(t, "2", "product-2", "--have", base)
	store := t.TempDir()
	pins := filepath.Join(t.TempDir(), "crio.conf.d")
	load := func(b, pin string, extra ...string) (int, string, string) {
		args := append([]string{"load-node", b, "--store", store + "/root", "--runroot", store + "/run", "--driver", "vfs", "--pin-file", filepath.Join(pins, pin), "--progress", "none"}, extra...)
		return ferry(t, args...)
	}

	// The vfs driver needs no mounts; a kernel that refuses even it
	// refuses every store.
	code, stdout, stderr := load(base, "base.conf")
	if code != 0 && strings.Contains(stderr, "operation not permitted") {
		t.Skipf("this kernel refuses the vfs storage driver here: %s", stderr)
	}
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "4 images copied, 0 already there")
	for _, p := range f.pushed["1"] {
		_, rest, _ := strings.Cut(p.Ref, "/")
		assert.Equal(t, p.Digest, storeHas(t, store, f.up.Host+"/"+rest), p.Ref)
	}
	pin, err := os.ReadFile(filepath.Join(pins, "base.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(pin), "pinned_images = [")
	assert.Contains(t, string(pin), `"`+f.pushed["1"][0].Ref+`"`)

	// Again: everything is there already.
	code, stdout, stderr = load(base, "base.conf")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "0 images copied, 4 already there")

	// A delta alone into an empty store is refused, naming its base.
	empty := t.TempDir()
	code, _, stderr = ferry(t, "load-node", delta, "--store", empty+"/root", "--runroot", empty+"/run", "--driver", "vfs", "--no-pin", "--progress", "none")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "product-1 (code ")
	t.Log(strings.TrimSpace(stderr))

	// Or with its base given alongside.
	code, stdout, stderr = ferry(t, "load-node", delta, "--with", base, "--store", empty+"/root", "--runroot", empty+"/run", "--driver", "vfs", "--no-pin", "--progress", "none")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "5 images copied")

	// The delta over the store holding its base.
	code, stdout, stderr = load(delta, "delta.conf")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "5 images copied")
	for _, p := range f.pushed["2"] {
		_, rest, _ := strings.Cut(p.Ref, "/")
		assert.Equal(t, p.Digest, storeHas(t, store, f.up.Host+"/"+rest), p.Ref)
	}
}
