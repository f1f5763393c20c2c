//go:build e2e

package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
)

// TestVerifyImportServePrepareStopWhenCancelled runs verify, import, serve
// and prepare on a bundle of a few hundred MB and cancels each shortly
// after it starts: each must return well within a second of the cancel (an
// upper bound, not a speed target), say it stopped, and leave no goroutine
// doing its work.
func TestVerifyImportServePrepareStopWhenCancelled(t *testing.T) {
	upstream := registrytest.StartInProcess(t)
	start := time.Now()
	pushLarge(t, upstream, "demo/big:1", 6, 64<<20)
	t.Logf("pushed upstream in %s", time.Since(start))
	images := writeFile(t, "images.txt", upstream.Host+"/demo/big:1\n")
	prepareArgs := func(out, cache string) []string {
		return []string{"prepare", "--images", images, "--arch", "amd64", "--insecure-source", upstream.Host,
			"--cache", cache, "--output", out, "--progress", "none", "--no-binary", "--maven-repo", "http://127.0.0.1:1"}
	}
	bundleDir := t.TempDir()
	code, _, stderr := ferry(t, prepareArgs(bundleDir, t.TempDir())...)
	require.Equal(t, 0, code, stderr)
	t.Logf("prepared in %s", time.Since(start))

	site := registrytest.StartInProcess(t)
	cases := []struct {
		name  string
		args  []string
		after time.Duration
		want  int
	}{
		{"verify", []string{"verify", bundleDir}, 50 * time.Millisecond, exitStopped},
		{"verify --quick", []string{"verify", "--quick", bundleDir}, 50 * time.Millisecond, exitStopped},
		{"import", []string{"import", bundleDir, "--registry", site.Host + "/mirror", "--insecure"}, 100 * time.Millisecond, exitStopped},
		// Reading the bundle's entries before serving stops as the rest.
		{"serve, while it opens the bundle", []string{"serve", bundleDir, "--listen", freeLoopback(t)}, 0, exitStopped},
		// Once serving, Ctrl-C is how a server ends: it stops at once and
		// ends normally.
		{"serve, while serving", []string{"serve", bundleDir, "--listen", freeLoopback(t)}, 100 * time.Millisecond, exitOK},
		{"prepare", prepareArgs(t.TempDir(), t.TempDir()), 100 * time.Millisecond, exitStopped},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.after == 0 {
				cancel()
			}
			var out, errOut bytes.Buffer
			env := []string{"NO_COLOR=1", "HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir()}
			done := make(chan int, 1)
			go func() { done <- run(ctx, tc.args, &out, &errOut, env) }()
			cancelled := time.Now()
			if tc.after > 0 {
				select {
				case code := <-done:
					t.Fatalf("%s ended (%d) before it was cancelled: %s", tc.name, code, errOut.String())
				case <-time.After(tc.after):
				}
				cancelled = time.Now()
				cancel()
			}
			var code int
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s still runs 10s after the cancel", tc.name)
			}
			took := time.Since(cancelled)
			t.Logf("%s returned %s after the cancel", tc.name, took)
			assert.Less(t, took, time.Second, "returned %s after the cancel", took)
			assert.Equal(t, tc.want, code, errOut.String())
			if tc.want == exitStopped {
				assert.Contains(t, errOut.String(), "ferry: stopped.")
			}
			noWorkLeft(t)
		})
	}
}

// pushLarge pushes a linux/amd64 image of n layers of size bytes each,
// generated quickly from a fixed seed.
func pushLarge(t *testing.T, reg *registrytest.Registry, ref string, n, size int) {
	t.Helper()
	rng := rand.NewChaCha8([32]byte{'f', 'e', 'r', 'r', 'y'})
	var layers []v1.Layer
	for range n {
		buf := make([]byte, size)
		_, _ = rng.Read(buf)
		layers = append(layers, static.NewLayer(buf, types.OCIUncompressedLayer))
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	require.NoError(t, err)
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	require.NoError(t, err)
	img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
	r, err := name.ParseReference(reg.Host+"/"+ref, name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.Write(r, img, remote.WithTransport(reg.Transport())))
}

// freeLoopback is a loopback address with a port free right now.
func freeLoopback(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// workFrames name the packages that do a command's work: no goroutine
// may still run in them once the command returned.
var workFrames = []string{"ferry/artifacts/bundle.", "ferry/artifacts/bundleregistry.", "ferry/artifacts/push.",
	"ferry/artifacts/download.", "ferry/workflow/prepare.", "ferry/workflow/importer."}

// noWorkLeft waits briefly for goroutines in the work's packages to end (a
// read-ahead goroutine ends with the buffer it is reading), then fails
// naming any left.
func noWorkLeft(t *testing.T) {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(time.Second); ; {
		left = left[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			for _, f := range workFrames {
				if strings.Contains(g, f) {
					left = append(left, g)
					break
				}
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	assert.Empty(t, left, "goroutines still doing the work")
}
