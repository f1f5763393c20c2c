//go:build e2e

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/registrytest"
)

// serveBundle prepares the demo images into a bundle and serves it with
// `ferry serve` until the test ends; it returns the serving host and what
// was pushed upstream.
func serveBundle(t *testing.T) (string, []registrytest.Pushed, *bytes.Buffer) {
	t.Helper()
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, demoImages()...)
	imgs := writeFile(t, "images.txt", up.Host+"/apache/demo-operator:1.0\n"+up.Host+"/apache/demo-builder:1.0\n"+up.Host+"/apache/demo-console:1.0\n"+
		up.Host+"/apache/demo-console@"+pushed[2].Digest+"\n")
	out := t.TempDir()
	code, _, stderr := ferry(t, "prepare", "--images", imgs, "--arch", "amd64", "--arch", "arm64", "--insecure-source", up.Host,
		"--cache", t.TempDir(), "--output", out, "--split", "300K", "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		var so bytes.Buffer
		done <- run(ctx, []string{"serve", out, "--listen", host}, &so, &logs, []string{"NO_COLOR=1"})
	}()
	t.Cleanup(func() {
		cancel()
		assert.Equal(t, 0, <-done)
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + host + "/v2/"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return host, pushed, &logs
}

func TestE2EServeFollowsTheDistributionSpec(t *testing.T) {
	host, pushed, logs := serveBundle(t)
	base := "http://" + host
	get := func(method, path string, hdr ...string) *http.Response {
		req, err := http.NewRequest(method, base+path, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	errCode := func(resp *http.Response) string {
		var body struct {
			Errors []struct{ Code string } `json:"errors"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		require.NotEmpty(t, body.Errors)
		return body.Errors[0].Code
	}

	resp := get("GET", "/v2/")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "registry/2.0", resp.Header.Get("Docker-Distribution-API-Version"))

	// Manifests by tag and by digest, HEAD and GET.
	for _, ref := range []string{"1.0", pushed[0].Digest} {
		for _, m := range []string{"HEAD", "GET"} {
			resp = get(m, "/v2/apache/demo-operator/manifests/"+ref, "Accept", "application/vnd.oci.image.index.v1+json")
			require.Equal(t, 200, resp.StatusCode, m+" "+ref)
			assert.Equal(t, "application/vnd.oci.image.index.v1+json", resp.Header.Get("Content-Type"))
			assert.Equal(t, pushed[0].Digest, resp.Header.Get("Docker-Content-Digest"))
			assert.Equal(t, fmt.Sprint(pushed[0].IndexSize), resp.Header.Get("Content-Length"))
			if m == "GET" {
				body, _ := io.ReadAll(resp.Body)
				assert.Equal(t, pushed[0].Digest, bundle.Digest(body))
			}
		}
	}
	child := pushed[0].Platforms["linux/arm64"]
	resp = get("GET", "/v2/apache/demo-operator/manifests/"+child.ManifestDigest)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/vnd.oci.image.manifest.v1+json", resp.Header.Get("Content-Type"))

	// Blobs, whole and by Range.
	var layer string
	var layerSize int64
	for d, s := range child.Layers {
		layer, layerSize = d, s
	}
	resp = get("HEAD", "/v2/apache/demo-operator/blobs/"+layer)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, fmt.Sprint(layerSize), resp.Header.Get("Content-Length"))
	assert.Equal(t, layer, resp.Header.Get("Docker-Content-Digest"))
	resp = get("GET", "/v2/apache/demo-operator/blobs/"+layer, "Range", "bytes=100-199")
	assert.Equal(t, 206, resp.StatusCode)
	assert.Equal(t, fmt.Sprintf("bytes 100-199/%d", layerSize), resp.Header.Get("Content-Range"))
	part, _ := io.ReadAll(resp.Body)
	assert.Len(t, part, 100)

	// The spec's errors.
	assert.Equal(t, "NAME_UNKNOWN", errCode(get("GET", "/v2/apache/nope/manifests/1.0")))
	resp = get("GET", "/v2/apache/demo-operator/manifests/9.9")
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "MANIFEST_UNKNOWN", errCode(resp))
	assert.Equal(t, "MANIFEST_UNKNOWN", errCode(get("GET", "/v2/apache/demo-operator/manifests/sha256:"+strings.Repeat("0", 64))))
	resp = get("GET", "/v2/apache/demo-operator/blobs/sha256:"+strings.Repeat("0", 64))
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "BLOB_UNKNOWN", errCode(resp))
	resp = get("PUT", "/v2/apache/demo-operator/manifests/2.0")
	assert.Equal(t, 405, resp.StatusCode)
	assert.Equal(t, "UNSUPPORTED", errCode(resp))

	// Tag listing with n/last pagination.
	var tags struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	resp = get("GET", "/v2/apache/demo-console/tags/list?n=1")
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tags))
	assert.Equal(t, "apache/demo-console", tags.Name)
	assert.Equal(t, []string{"1.0"}, tags.Tags)
	resp = get("GET", "/v2/apache/demo-console/tags/list?n=1&last=1.0")
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tags))
	assert.Empty(t, tags.Tags)
	assert.Equal(t, "PAGINATION_NUMBER_INVALID", errCode(get("GET", "/v2/apache/demo-console/tags/list?n=x")))

	assert.Contains(t, logs.String(), "pulled apache/demo-operator:1.0")
}

func TestE2EServeCopiesWithCraneAndSkopeo(t *testing.T) {
	host, pushed, _ := serveBundle(t)
	site := registrytest.StartDistribution(t)
	names := []string{"apache/demo-operator", "apache/demo-builder", "apache/demo-console"}
	for i, n := range names {
		// crane (go-containerregistry's copy) copies the whole index.
		require.NoError(t, crane.Copy(host+"/"+n+":1.0", site.Host+"/crane/"+n+":1.0", crane.Insecure))
		d, err := crane.Digest(site.Host+"/crane/"+n+":1.0", crane.Insecure)
		require.NoError(t, err)
		assert.Equal(t, pushed[i].Digest, d, n)
	}
	skopeo, err := exec.LookPath("skopeo")
	require.NoError(t, err, "skopeo is needed: apt-get install skopeo")
	// skopeo pulls every platform by digest (skopeo 1.9 re-serialises an
	// OCI index on copy --all, so per-platform copies keep digests).
	for i, n := range names {
		for plat, pp := range pushed[i].Platforms {
			arch := strings.Split(plat, "/")[1]
			src := "docker://" + host + "/" + n + "@" + pushed[i].Digest
			dst := "docker://" + site.Host + "/skopeo/" + n + ":" + arch
			out, err := exec.Command(skopeo, "copy", "--preserve-digests", "--override-os", "linux", "--override-arch", arch,
				"--src-tls-verify=false", "--dest-tls-verify=false", src, dst).CombinedOutput()
			require.NoError(t, err, string(out))
			raw, err := exec.Command(skopeo, "inspect", "--raw", "--tls-verify=false", dst).Output()
			require.NoError(t, err)
			assert.Equal(t, pp.ManifestDigest, bundle.Digest(raw), n+" "+plat)
		}
	}
}

// TestE2EServeOverTLS serves with a certificate and pulls with its CA.
func TestE2EServeOverTLS(t *testing.T) {
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, demoImages()[2])
	out := t.TempDir()
	code, _, stderr := ferry(t, "prepare", "--images", writeFile(t, "i.txt", up.Host+"/apache/demo-console:1.0\n"), "--arch", "amd64",
		"--insecure-source", up.Host, "--cache", t.TempDir(), "--output", out, "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	// Borrow a CA-signed certificate for 127.0.0.1 from a TLS test registry.
	tlsReg := registrytest.StartDistribution(t, registrytest.WithTLS())
	dir := filepath.Dir(tlsReg.CAFile)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		var so, se bytes.Buffer
		done <- run(ctx, []string{"serve", out, "--listen", host, "--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server-key.pem")}, &so, &se, []string{"NO_COLOR=1"})
	}()
	defer func() { cancel(); <-done }()
	client := &http.Client{Transport: tlsReg.Transport()}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get("https://" + host + "/v2/"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	d, err := crane.Digest(host+"/apache/demo-console:1.0", crane.WithTransport(tlsReg.Transport()))
	require.NoError(t, err)
	assert.Equal(t, pushed[0].Digest, d)
	// Without the CA, the certificate is refused.
	_, err = crane.Digest(host + "/apache/demo-console:1.0")
	assert.Error(t, err)
}

// TestE2EServeDamagedBlobFailsSkopeo: skopeo pulling a damaged blob from
// `ferry serve` fails and never keeps the wrong bytes.
func TestE2EServeDamagedBlobFailsSkopeo(t *testing.T) {
	skopeo, err := exec.LookPath("skopeo")
	require.NoError(t, err, "skopeo is needed: apt-get install skopeo")
	out, layer, part := damagedBundle(t)
	host, stop := startServe(t, out)
	dest := t.TempDir()
	msg, err := exec.Command(skopeo, "copy", "--retry-times", "0", "--src-tls-verify=false",
		"docker://"+host+"/apache/demo-console:1.0", "dir:"+dest).CombinedOutput()
	require.Error(t, err, string(msg))
	if data, err := os.ReadFile(filepath.Join(dest, layer[len("sha256:"):])); err == nil {
		assert.Equal(t, layer, bundle.Digest(data), "a blob skopeo kept is the right one")
	}
	assert.Contains(t, stop(), part)
}
