//go:build e2e

package importer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle/bundletest"
	"ferry/artifacts/maven"
	"ferry/workflow/prepare"
)

// TestFullFolderLeavesNoTemporaryFile loads Maven files into a 64 KiB
// tmpfs while the free-space check is told there is room (as when another
// program fills the disk during the import): the import fails with a
// sentence saying the folder is full, and no temporary file is left.
func TestFullFolderLeavesNoTemporaryFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m2")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mounting a small tmpfs needs root: %v", err)
		}
		t.Skipf("cannot mount a small tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })

	big := make([]byte, 200_000)
	for i := range big {
		big[i] = byte(i)
	}
	f := bundletest.Write(t, t.TempDir(), bundletest.Spec{Name: "demo-1.0", Entries: []bundletest.Entry{
		bundletest.File("maven/org/example/a/1.0/a-1.0.pom", []byte("<project/>")),
		bundletest.File("maven/org/example/big/1.0/big-1.0.jar", big),
	}})
	_, b := openForged(t, f)
	im := &Importer{MavenDir: dir, Space: func(string) (prepare.Space, error) { return prepare.Space{Free: 1 << 40}, nil }}
	_, err := im.Import(context.Background(), b)
	require.Error(t, err)
	assert.ErrorIs(t, err, maven.ErrFolderFull)
	assert.Contains(t, err.Error(), "the Maven folder "+dir+" is full (writing org/example/big/1.0/big-1.0.jar): free space there or choose another folder (the Maven folder setting)")
	for _, p := range files(t, dir) {
		assert.False(t, strings.HasSuffix(p, maven.TempSuffix), "temporary file left: %s", p)
		assert.NotContains(t, p, "big-1.0.jar")
	}
}
