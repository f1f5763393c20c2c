package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/registrytest"
)

// damagedBundle prepares one image into a bundle of small parts, flips a
// byte in the middle of its layer and rewrites that part's sha256 in the
// index, so the parts look whole. It returns the bundle's folder, the
// layer's digest and the damaged part's file name.
func damagedBundle(t *testing.T) (string, string, string) {
	t.Helper()
	up := registrytest.StartInProcess(t)
	pushed := up.Push(t, registrytest.ImageSpec{Repo: "apache/demo-console", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 300_000}}})
	out := t.TempDir()
	code, _, stderr := ferry(t, "prepare", "--images", writeFile(t, "i.txt", up.Host+"/apache/demo-console:1.0\n"), "--arch", "amd64",
		"--insecure-source", up.Host, "--cache", t.TempDir(), "--output", out, "--split", "128K", "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	var layer string
	for d := range pushed[0].Platforms["linux/amd64"].Layers {
		layer = d
	}
	return out, layer, flipByte(t, out, bundle.ImagesDir+"/blobs/sha256/"+layer[len("sha256:"):])
}

// flipByte damages the middle of an entry and makes the index agree with
// the damaged part.
func flipByte(t *testing.T, dir, entry string) string {
	t.Helper()
	b, err := bundle.Open(dir)
	require.NoError(t, err)
	c, err := b.Scan(t.Context())
	require.NoError(t, err)
	sr, ok := c.Open(entry)
	require.True(t, ok, entry)
	_, off, n := sr.Outer()
	require.NoError(t, c.Close())
	sp := b.Index.Spans(off+n/2, 1)[0]
	path := filepath.Join(b.Dir, b.Index.Parts[sp.Part].Name)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	data[sp.Offset] ^= 0xff
	require.NoError(t, os.WriteFile(path, data, 0o644))
	sum := sha256.Sum256(data)
	b.Index.Parts[sp.Part].SHA256 = hex.EncodeToString(sum[:])
	idx, err := json.MarshalIndent(b.Index, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(b.Dir, bundle.IndexName(b.Index.Name)), idx, 0o644))
	return b.Index.Parts[sp.Part].Name
}

// startServe runs `ferry serve` on a free loopback port; stop ends it and
// returns what it logged.
func startServe(t *testing.T, args ...string) (string, func() string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		var so bytes.Buffer
		done <- run(ctx, append([]string{"serve", "--listen", host}, args...), &so, &logs, []string{"NO_COLOR=1"})
	}()
	stopped := false
	stop := func() string {
		if !stopped {
			stopped = true
			cancel()
			assert.Equal(t, 0, <-done)
		}
		return logs.String()
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + host + "/v2/"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return host, stop
}

func TestServeRefusesADamagedBlob(t *testing.T) {
	out, layer, part := damagedBundle(t)

	code, _, stderr := ferry(t, "serve", "--verify", out, "--listen", "127.0.0.1:0", "--progress", "none")
	assert.NotEqual(t, 0, code)
	oneSentence(t, stderr, "is damaged")

	host, stop := startServe(t, out)
	site := registrytest.StartInProcess(t)
	noRetry := func(o *crane.Options) { o.Remote = append(o.Remote, remote.WithRetryBackoff(remote.Backoff{Steps: 1})) }
	err := crane.Copy(host+"/apache/demo-console:1.0", site.Host+"/apache/demo-console:1.0", crane.Insecure, noRetry)
	require.Error(t, err)
	resp, err := http.Head("http://" + site.Host + "/v2/apache/demo-console/blobs/" + layer)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the damaged blob never lands")
	resp, err = http.Get("http://" + host + "/v2/apache/demo-console/blobs/" + layer)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "refused once found damaged")
	logs := stop()
	assert.Contains(t, logs, part)
}
