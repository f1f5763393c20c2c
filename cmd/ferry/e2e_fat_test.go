//go:build e2e

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
)

// mountFAT32 formats a file of mb MiB as FAT32, as a USB stick comes, and
// mounts it: with the kernel's vfat driver where the kernel has one, else
// with fusefat, a FAT driver in user space. It returns the mount point and
// a check, run after the test's writes, that unmounts the file system and
// has fsck.fat find it clean.
func mountFAT32(t *testing.T, mb int64) (dir string, check func()) {
	t.Helper()
	need := func(err error, what string) {
		if err == nil {
			return
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: %v", what, err)
		}
		t.Skipf("%s: %v", what, err)
	}
	_, err := exec.LookPath("mkfs.vfat")
	need(err, "mkfs.vfat is needed (apt-get install dosfstools)")
	img := filepath.Join(t.TempDir(), "stick.img")
	f, err := os.Create(img)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(mb<<20))
	require.NoError(t, f.Close())
	out, err := exec.Command("mkfs.vfat", "-F", "32", "-n", "STICK", img).CombinedOutput()
	require.NoError(t, err, string(out))
	dir = t.TempDir()
	var fuse *exec.Cmd
	if kernel, _ := os.ReadFile("/proc/filesystems"); strings.Contains(string(kernel), "\tvfat\n") {
		out, err = exec.Command("mount", "-t", "vfat", "-o", "loop", img, dir).CombinedOutput()
		need(err, "mounting a FAT32 image needs root and loop devices: "+string(out))
	} else {
		_, err := exec.LookPath("fusefat")
		need(err, "this kernel has no vfat driver and fusefat is missing (apt-get install fusefat)")
		// In the foreground, so that the driver's exit (with the file
		// system written back and marked clean) can be waited for.
		fuse = exec.Command("fusefat", "-f", "-o", "rw+", img, dir)
		var log strings.Builder
		fuse.Stdout, fuse.Stderr = &log, &log
		require.NoError(t, fuse.Start())
		deadline := time.Now().Add(10 * time.Second)
		for !isMounted(dir) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !isMounted(dir) {
			_ = fuse.Process.Kill()
			_ = fuse.Wait()
			need(fmt.Errorf("%s", log.String()), "mounting a FAT32 image with fusefat needs /dev/fuse")
		}
	}
	mounted := true
	unmount := func() {
		if !mounted {
			return
		}
		mounted = false
		out, err := exec.Command("umount", dir).CombinedOutput()
		require.NoError(t, err, string(out))
		if fuse != nil {
			require.NoError(t, fuse.Wait())
		}
	}
	t.Cleanup(func() {
		if mounted {
			_ = exec.Command("umount", dir).Run()
			if fuse != nil {
				_ = fuse.Process.Kill()
				_ = fuse.Wait()
			}
		}
	})
	return dir, func() {
		unmount()
		out, err := exec.Command("fsck.vfat", "-n", img).CombinedOutput()
		assert.NoError(t, err, "the FAT file system is damaged: %s", out)
	}
}

// isMounted says whether a file system is mounted at dir.
func isMounted(dir string) bool {
	mounts, _ := os.ReadFile("/proc/self/mounts")
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == dir {
			return true
		}
	}
	return false
}

// TestE2EBundleOntoAFAT32Stick writes bundles onto a FAT32 file system in
// both cache modes (copies in the cache on the local disk, and blobs
// streamed onto the stick), split as FAT needs and written with direct
// I/O where vfat takes it, and verifies what the stick holds.
func TestE2EBundleOntoAFAT32Stick(t *testing.T) {
	stick, check := mountFAT32(t, 96)
	up := registrytest.StartDistribution(t)
	up.Push(t, bigImages()...)
	cat := noMavenCatalog(t, up.Host)
	var sums []map[string]string
	for _, mode := range []string{"auto", "never"} {
		out := filepath.Join(stick, mode)
		// --split fat32, as auto picks it on the kernel's vfat (fusefat
		// shows as FUSE).
		code, _, stderr := ferry(t, "--catalog", cat, "prepare", "--target", "demo", "--arch", "amd64",
			"--insecure-source", up.Host, "--maven-repo", "http://127.0.0.1:1", "--cache", t.TempDir(),
			"--output", out, "--no-binary", "--progress", "none", "--cache-copies", mode, "--split", "fat32")
		require.Equal(t, 0, code, stderr)
		code, stdout, stderr := ferry(t, "verify", out)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "every part and every item checked")
		sums = append(sums, partSums(t, out))
	}
	assert.Equal(t, sums[0], sums[1], "the same bundle either way")

	// Cut into 1 MiB parts, blobs span parts.
	split := filepath.Join(stick, "split")
	code, _, stderr := ferry(t, "--catalog", cat, "prepare", "--target", "demo", "--arch", "amd64",
		"--insecure-source", up.Host, "--maven-repo", "http://127.0.0.1:1", "--cache", t.TempDir(),
		"--output", split, "--no-binary", "--progress", "none", "--split", "1M")
	require.Equal(t, 0, code, stderr)
	assert.Greater(t, len(partSums(t, split)), 5)
	code, _, stderr = ferry(t, "verify", split)
	require.Equal(t, 0, code, stderr)
	check()
}
