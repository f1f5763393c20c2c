//go:build e2e

package prepare

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
)

// TestFullDiskLeavesNothingThatLooksWhole writes a bundle onto a 256 KiB
// tmpfs while the free-space check is told there is room (as when another
// program fills the disk during the run): the write fails with a sentence
// saying the medium is full, and no index or half-written part is left.
func TestFullDiskLeavesNothingThatLooksWhole(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "stick")
	require.NoError(t, os.MkdirAll(out, 0o755))
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", out).Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mounting a small tmpfs needs root: %v", err)
		}
		t.Skipf("cannot mount a small tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = exec.Command("umount", out).Run() })

	f := newFixture(t, true)
	// A bigger image than the medium holds.
	f.reg.Push(t, registrytest.ImageSpec{Repo: "demo/app", Tag: "1", Platforms: []string{"linux/amd64", "linux/arm64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 600_000}, {Name: "app", Size: 10_000}}})
	f.plan = f.planAgain(t)
	f.prep.Space = func(string) (Space, error) { return Space{Free: 1 << 40, Device: 1}, nil }
	_, err := f.prep.Prepare(context.Background(), f.plan, Options{Output: out})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the medium at "+out+" is full")
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".ferry.json", "no index for a bundle that was not finished")
		assert.NotContains(t, e.Name(), ".tmp", "no temporary part left behind")
	}
}
