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
	return driverStoreHas(t, "vfs", store, ref)
}

// driverStoreHas is the digest skopeo reads for ref in the image store
// written with driver.
func driverStoreHas(t *testing.T, driver, store, ref string) string {
	t.Helper()
	out, err := exec.Command("skopeo", "inspect", "--raw", "containers-storage:["+driver+"@"+store+"/root+"+store+"/run]"+ref).Output()
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

// TestE2ELoadNodeOverlay loads into a store with the overlay driver, the
// one CRI-O uses on RHCOS, where this kernel lets it mount; elsewhere it
// is skipped with the kernel's own refusal.
func TestE2ELoadNodeOverlay(t *testing.T) {
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Skip("skopeo is not installed: load-node writes the image store through it")
	}
	if os.Geteuid() != 0 {
		t.Skip("the overlay driver mounts, which needs root")
	}
	f := newDeltaFixture(t, registrytest.StartInProcess(t))
	base := f.prepare(t, "1", "product-1")
	store := t.TempDir()
	t.Cleanup(func() {
		// The overlay driver leaves its mounts to whoever wipes the store.
		_ = exec.Command("umount", "-R", store+"/root/overlay").Run()
	})
	code, stdout, stderr := ferry(t, "load-node", base, "--store", store+"/root", "--runroot", store+"/run", "--driver", "overlay", "--no-pin", "--progress", "none")
	if code != 0 && overlayRefused(stderr) {
		t.Skipf("this kernel refuses the overlay storage driver here: %s", strings.TrimSpace(stderr))
	}
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "4 images copied, 0 already there")
	for _, p := range f.pushed["1"] {
		_, rest, _ := strings.Cut(p.Ref, "/")
		assert.Equal(t, p.Digest, driverStoreHas(t, "overlay", store, f.up.Host+"/"+rest), p.Ref)
	}
}

// overlayRefused says whether skopeo's error is the kernel (or the file
// system under the store) refusing overlay mounts.
func overlayRefused(stderr string) bool {
	if !strings.Contains(stderr, "overlay") {
		return false
	}
	for _, s := range []string{"not supported", "operation not permitted", "invalid argument", "permission denied"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}
