package bundleregistry

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
)

// reply is a response read whole, or as far as the server sent it.
type reply struct {
	status  int
	header  http.Header
	body    []byte
	readErr error
}

func do(t *testing.T, method, url string, hdr ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, rerr := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: body, readErr: rerr}
}

// code is the first error code of a spec error body.
func (r reply) code(t *testing.T) string {
	t.Helper()
	var e struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(r.body, &e), string(r.body))
	require.NotEmpty(t, e.Errors)
	return e.Errors[0].Code
}

// noRetry makes crane fail at the first error instead of backing off.
func noRetry(o *crane.Options) {
	o.Remote = append(o.Remote, remote.WithRetryBackoff(remote.Backoff{Steps: 1}))
}

// sink is an in-process registry to copy into.
func sink(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// errorLog collects what a registry reports.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(err error) { l.mu.Lock(); l.errs = append(l.errs, err); l.mu.Unlock() }

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

func manifestDigest(t testing.TB, img v1.Image) string {
	t.Helper()
	d, err := img.Digest()
	require.NoError(t, err)
	return d.String()
}

func layerDigest(t testing.TB, img v1.Image) string {
	t.Helper()
	ls, err := img.Layers()
	require.NoError(t, err)
	d, err := ls[0].Digest()
	require.NoError(t, err)
	return d.String()
}

func TestServesWhatItCarries(t *testing.T) {
	idx, err := random.Index(30_000, 2, 2)
	require.NoError(t, err)
	img := randomImage(t, 150_000, 2)
	tb := writeBundle(t, 64<<10, []carried{{ref: "example.com/apache/multi:1.0", idx: idx}, {ref: "example.com/apache/single:2.0", img: img}}, nil)
	reg, err := New(context.Background(), tb.b)
	require.NoError(t, err)
	assert.Equal(t, []string{"apache/multi", "apache/single"}, reg.Repositories())
	host := serve(t, reg, ServerOptions{})

	dst := sink(t)
	for _, ref := range []string{"apache/multi:1.0", "apache/single:2.0"} {
		require.NoError(t, crane.Copy(host+"/"+ref, dst+"/"+ref, crane.Insecure, noRetry))
		want, err := crane.Digest(host+"/"+ref, crane.Insecure)
		require.NoError(t, err)
		got, err := crane.Digest(dst+"/"+ref, crane.Insecure)
		require.NoError(t, err)
		assert.Equal(t, want, got, ref)
	}
	layer := layerDigest(t, img)
	r := do(t, "GET", "http://"+host+"/v2/apache/single/blobs/"+layer, "Range", "bytes=10-19")
	assert.Equal(t, http.StatusPartialContent, r.status)
	assert.Equal(t, tb.blobs[layer][10:20], r.body)
	r = do(t, "GET", "http://"+host+"/v2/apache/single/blobs/"+layer)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "max-age=31536000", r.header.Get("Cache-Control"))
	assert.Equal(t, tb.blobs[layer], r.body)
}

func TestDamagedBlobIsNeverServedWhole(t *testing.T) {
	for _, first := range []string{"crane copy", "plain GET", "Range GET"} {
		t.Run(first, func(t *testing.T) {
			img := randomImage(t, 300_000, 1)
			tb := writeBundle(t, 256<<10, []carried{{ref: "example.com/apache/x:1.0", img: img}}, nil)
			layer := layerDigest(t, img)
			part := damageEntry(t, tb.b, blobPath(layer), 200_000)
			reg, err := New(context.Background(), tb.b)
			require.NoError(t, err)
			var log errorLog
			reg.OnError = log.add
			host := serve(t, reg, ServerOptions{})
			url := "http://" + host + "/v2/apache/x/blobs/" + layer

			switch first {
			case "crane copy":
				dst := sink(t)
				err := crane.Copy(host+"/apache/x:1.0", dst+"/apache/x:1.0", crane.Insecure, noRetry)
				require.Error(t, err)
				r := do(t, "HEAD", "http://"+dst+"/v2/apache/x/blobs/"+layer)
				assert.Equal(t, http.StatusNotFound, r.status, "the wrong blob never lands")
			case "plain GET":
				r := do(t, "GET", url)
				assert.Equal(t, http.StatusOK, r.status)
				assert.Equal(t, fmt.Sprint(len(tb.blobs[layer])), r.header.Get("Content-Length"))
				assert.Error(t, r.readErr, "the transfer breaks")
				assert.Less(t, len(r.body), len(tb.blobs[layer]), "the body is never complete")
			case "Range GET":
				r := do(t, "GET", url, "Range", "bytes=0-99")
				assert.Equal(t, http.StatusInternalServerError, r.status)
			}

			// Told once, naming the part.
			errs := log.all()
			require.Len(t, errs, 1)
			var de *DamageError
			require.ErrorAs(t, errs[0], &de)
			assert.ErrorIs(t, errs[0], bundle.ErrDamagedPart)
			assert.Equal(t, layer, de.Digest)
			assert.Contains(t, de.Parts, part)
			assert.Contains(t, de.Names, tb.b.Index.Parts[part-1].Name)
			assert.Contains(t, errs[0].Error(), fmt.Sprintf(" of %d (", len(tb.b.Index.Parts)))

			// Refused from then on, whatever the request.
			for _, h := range [][]string{nil, {"Range", "bytes=0-99"}} {
				r := do(t, "GET", url, h...)
				assert.Equal(t, http.StatusInternalServerError, r.status)
				assert.Equal(t, "UNKNOWN", r.code(t))
				assert.Contains(t, string(r.body), "is damaged in parts")
				assert.Empty(t, r.header.Get("Docker-Content-Digest"))
			}
			assert.Equal(t, http.StatusInternalServerError, do(t, "HEAD", url).status)
			assert.Len(t, log.all(), 1, "damage is told once")
		})
	}
}

func TestDamagedManifestIsRefused(t *testing.T) {
	idx, err := random.Index(20_000, 1, 2)
	require.NoError(t, err)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	child := im.Manifests[0].Digest.String()
	idxDigest, err := idx.Digest()
	require.NoError(t, err)
	img := randomImage(t, 20_000, 1)
	for _, tc := range []struct {
		name, damaged, ref string
	}{
		{"image manifest", manifestDigest(t, img), "apache/single:1.0"},
		{"index", idxDigest.String(), "apache/multi:1.0"},
		{"index child", child, "apache/multi@" + child},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := writeBundle(t, 0, []carried{{ref: "example.com/apache/single:1.0", img: img}, {ref: "example.com/apache/multi:1.0", idx: idx}}, nil)
			damageEntry(t, tb.b, blobPath(tc.damaged), 10)
			reg, err := New(context.Background(), tb.b)
			require.NoError(t, err)
			var log errorLog
			reg.OnError = log.add
			host := serve(t, reg, ServerOptions{})
			repo, ref, _ := strings.Cut(strings.Replace(tc.ref, "@", ":", 1), ":")
			for _, m := range []string{"HEAD", "GET"} {
				r := do(t, m, "http://"+host+"/v2/"+repo+"/manifests/"+ref)
				assert.Equal(t, http.StatusInternalServerError, r.status, m)
				assert.Empty(t, r.header.Get("Docker-Content-Digest"))
			}
			r := do(t, "GET", "http://"+host+"/v2/"+repo+"/manifests/"+tc.damaged)
			assert.Equal(t, "UNKNOWN", r.code(t))
			assert.Contains(t, string(r.body), "image manifest "+tc.damaged[:19])
			_, err = crane.Pull(host+"/"+tc.ref, crane.Insecure, noRetry)
			assert.Error(t, err)
			errs := log.all()
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], bundle.ErrDamagedPart)
			// The undamaged image is still served.
			other := "apache/single:1.0"
			if tc.name == "image manifest" {
				other = "apache/multi:1.0"
			}
			_, err = crane.Digest(host+"/"+other, crane.Insecure)
			assert.NoError(t, err)
		})
	}
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	tb := writeBundle(t, 0, nil, nil)
	reg, err := New(context.Background(), tb.b)
	require.NoError(t, err)
	host := serve(t, reg, ServerOptions{IdleTimeout: 200 * time.Millisecond, ReadHeaderTimeout: 200 * time.Millisecond})
	for _, tc := range []struct {
		name    string
		request bool
	}{{"idle keep-alive", true}, {"silent", false}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", host)
			require.NoError(t, err)
			defer c.Close()
			br := bufio.NewReader(c)
			if tc.request {
				_, err = io.WriteString(c, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
				require.NoError(t, err)
				resp, err := http.ReadResponse(br, nil)
				require.NoError(t, err)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				assert.Equal(t, 200, resp.StatusCode)
			}
			start := time.Now()
			require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
			_, err = br.ReadByte()
			assert.True(t, errors.Is(err, io.EOF) || strings.Contains(fmt.Sprint(err), "reset"), "closed by the server: %v", err)
			assert.Less(t, time.Since(start), 3*time.Second)
		})
	}
}

func TestConnectionsAreBounded(t *testing.T) {
	tb := writeBundle(t, 0, nil, nil)
	reg, err := New(context.Background(), tb.b)
	require.NoError(t, err)
	host := serve(t, reg, ServerOptions{MaxConnections: 2, ReadHeaderTimeout: time.Minute})
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", host)
		require.NoError(t, err)
		defer c.Close()
		held = append(held, c)
	}
	time.Sleep(100 * time.Millisecond) // let the server accept both
	c, err := net.Dial("tcp", host)    // the kernel queues it
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	_, err = br.ReadByte()
	var ne net.Error
	require.ErrorAs(t, err, &ne, "not answered while two connections are held")
	assert.True(t, ne.Timeout())

	held[0].Close()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err, "answered once one is let go")
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

func TestStalledClientIsDropped(t *testing.T) {
	returned := make(chan error, 1)
	endless := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		buf := make([]byte, 64<<10)
		for {
			if _, err := w.Write(buf); err != nil {
				returned <- err
				return
			}
		}
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(endless, ServerOptions{StallTimeout: 200 * time.Millisecond})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	defer func() { _ = srv.Close(); <-done }()

	c, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	// Never read: once the socket buffers fill, the write stalls.
	select {
	case err := <-returned:
		assert.Error(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("a client that reads nothing holds the server")
	}
}

func TestBlobsAreScopedToTheirRepositories(t *testing.T) {
	a, b := randomImage(t, 1000, 1), randomImage(t, 1000, 1)
	tb := writeBundle(t, 0, []carried{{ref: "example.com/apache/a:1.0", img: a}, {ref: "example.com/apache/b:1.0", img: b}}, nil)
	reg, err := New(context.Background(), tb.b)
	require.NoError(t, err)
	host := serve(t, reg, ServerOptions{})
	base := "http://" + host + "/v2/"
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"apache/a/blobs/" + layerDigest(t, a), 200, ""},
		{"apache/b/blobs/" + layerDigest(t, a), 404, "BLOB_UNKNOWN"},
		{"apache/a/blobs/" + layerDigest(t, b), 404, "BLOB_UNKNOWN"},
		{"apache/a/manifests/" + manifestDigest(t, a), 200, ""},
		{"apache/b/manifests/" + manifestDigest(t, a), 404, "MANIFEST_UNKNOWN"},
		{"apache/c/blobs/" + layerDigest(t, a), 404, "NAME_UNKNOWN"},
	} {
		r := do(t, "GET", base+tc.path)
		assert.Equal(t, tc.status, r.status, tc.path)
		if tc.code != "" {
			assert.Equal(t, tc.code, r.code(t), tc.path)
		}
	}
}

func TestReferrersAnswerAnEmptyIndex(t *testing.T) {
	img := randomImage(t, 1000, 1)
	tb := writeBundle(t, 0, []carried{{ref: "example.com/apache/a:1.0", img: img}}, nil)
	reg, err := New(context.Background(), tb.b)
	require.NoError(t, err)
	host := serve(t, reg, ServerOptions{})
	r := do(t, "GET", "http://"+host+"/v2/apache/a/referrers/"+manifestDigest(t, img))
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, string(types.OCIImageIndex), r.header.Get("Content-Type"))
	idx, err := v1.ParseIndexManifest(strings.NewReader(string(r.body)))
	require.NoError(t, err)
	assert.Equal(t, types.OCIImageIndex, idx.MediaType)
	assert.Equal(t, int64(2), idx.SchemaVersion)
	assert.NotNil(t, idx.Manifests)
	assert.Empty(t, idx.Manifests)
	assert.Contains(t, string(r.body), `"manifests":[]`)
	// go-containerregistry's own client reads it as "no referrers".
	ref, err := crane.Digest(host+"/apache/a:1.0", crane.Insecure)
	require.NoError(t, err)
	d, err := v1.NewHash(ref)
	require.NoError(t, err)
	ri, err := remote.Referrers(mustDigestRef(t, host+"/apache/a@"+d.String()))
	require.NoError(t, err)
	m, err := ri.IndexManifest()
	require.NoError(t, err)
	assert.Empty(t, m.Manifests)
}

func TestMalformedDigestsAndUnknownPaths(t *testing.T) {
	img := randomImage(t, 1000, 1)
	tb := writeBundle(t, 0, []carried{{ref: "example.com/apache/a:1.0", img: img}}, nil)
	reg, err := New(context.Background(), tb.b)
	require.NoError(t, err)
	host := serve(t, reg, ServerOptions{})
	hex64 := strings.Repeat("a", 64)
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/v2/apache/a/blobs/sha256:xyz", 400, "DIGEST_INVALID"},
		{"GET", "/v2/apache/a/blobs/sha256:" + strings.ToUpper(hex64), 400, "DIGEST_INVALID"},
		{"GET", "/v2/apache/a/blobs/sha256:" + hex64[:63], 400, "DIGEST_INVALID"},
		{"GET", "/v2/apache/a/blobs/md5:" + hex64[:32], 400, "DIGEST_INVALID"},
		{"HEAD", "/v2/apache/a/blobs/" + hex64, 400, ""},
		{"GET", "/v2/apache/a/manifests/sha256:123", 400, "DIGEST_INVALID"},
		{"GET", "/v2/apache/a/referrers/1.0", 400, "DIGEST_INVALID"},
		{"GET", "/v2/apache/a/blobs/sha256:" + hex64, 404, "BLOB_UNKNOWN"},
		{"GET", "/v2/apache/a/blobs/sha512:" + hex64 + hex64, 404, "BLOB_UNKNOWN"},
		{"GET", "/v2/apache/a/blobs/uploads/", 404, "UNSUPPORTED"},
		{"GET", "/v2/apache/a/tags", 404, "UNSUPPORTED"},
		{"GET", "/v2/nothing", 404, "UNSUPPORTED"},
		{"GET", "/v2/apache/a/manifests/", 404, "UNSUPPORTED"},
		{"GET", "/elsewhere", 404, "UNSUPPORTED"},
		{"POST", "/v2/apache/a/blobs/uploads/", 405, "UNSUPPORTED"},
		{"PUT", "/v2/apache/a/manifests/2.0", 405, "UNSUPPORTED"},
	} {
		r := do(t, tc.method, "http://"+host+tc.path)
		assert.Equal(t, tc.status, r.status, tc.method+" "+tc.path)
		if tc.code != "" {
			assert.Equal(t, "application/json", r.header.Get("Content-Type"), tc.path)
			assert.Equal(t, tc.code, r.code(t), tc.method+" "+tc.path)
		}
	}
}

func TestManifestsHonourAccept(t *testing.T) {
	idx, err := random.Index(1000, 1, 2)
	require.NoError(t, err)
	// random images are Docker schema 2 manifests.
	img := mutate.MediaType(randomImage(t, 1000, 1), types.OCIManifestSchema1)
	docker := randomImage(t, 1000, 1)
	dockerList := mutate.IndexMediaType(idx, types.DockerManifestList)
	tb := writeBundle(t, 0, []carried{
		{ref: "example.com/apache/index:1.0", idx: idx},
		{ref: "example.com/apache/image:1.0", img: img},
		{ref: "example.com/apache/docker:1.0", img: docker},
		{ref: "example.com/apache/list:1.0", idx: dockerList},
	}, nil)
	reg, err := New(context.Background(), tb.b)
	require.NoError(t, err)
	host := serve(t, reg, ServerOptions{})
	listDigest, err := dockerList.Digest()
	require.NoError(t, err)
	const (
		ociIndex = "application/vnd.oci.image.index.v1+json"
		ociImage = "application/vnd.oci.image.manifest.v1+json"
		d2       = "application/vnd.docker.distribution.manifest.v2+json"
		d2list   = "application/vnd.docker.distribution.manifest.list.v2+json"
	)
	for _, tc := range []struct {
		name, path string
		accept     []string
		status     int
	}{
		{"no Accept", "index/manifests/1.0", nil, 200},
		{"*/*", "index/manifests/1.0", []string{"*/*"}, 200},
		{"listed", "index/manifests/1.0", []string{ociImage + ", " + ociIndex + ";q=0.9"}, 200},
		{"listed in a second header", "index/manifests/1.0", []string{d2, ociIndex}, 200},
		{"index not listed", "index/manifests/1.0", []string{ociImage + "," + d2}, 404},
		{"image not listed", "image/manifests/1.0", []string{ociIndex + "," + d2 + "," + d2list}, 404},
		{"image listed", "image/manifests/1.0", []string{ociImage}, 200},
		{"docker schema 2 always", "docker/manifests/1.0", []string{ociImage}, 200},
		{"docker list by tag not listed", "list/manifests/1.0", []string{d2}, 404},
		{"docker list by digest", "list/manifests/" + listDigest.String(), []string{d2}, 200},
		{"docker list listed", "list/manifests/1.0", []string{d2list}, 200},
	} {
		var hdr []string
		for _, a := range tc.accept {
			hdr = append(hdr, "Accept", a)
		}
		for _, m := range []string{"HEAD", "GET"} {
			r := do(t, m, "http://"+host+"/v2/apache/"+tc.path, hdr...)
			assert.Equal(t, tc.status, r.status, tc.name+" "+m)
			if tc.status == 404 && m == "GET" {
				assert.Equal(t, "MANIFEST_UNKNOWN", r.code(t), tc.name)
			}
		}
	}
}

func TestOversizedIndexIsRefusedWithoutReadingIt(t *testing.T) {
	big := []byte(`{"schemaVersion":2,"manifests":[],"annotations":{"x":"` + strings.Repeat("x", 16<<20) + `"}}`)
	tb := writeBundle(t, 0, nil, big)
	big = nil
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := New(context.Background(), tb.b)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.ErrorIs(t, err, bundle.ErrNotABundle)
	assert.Contains(t, err.Error(), "images/index.json is 16.0 MiB, more than the 4 MiB")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "the index is not read")
	assert.Less(t, elapsed, time.Second)
}

func TestOversizedManifestIsRefused(t *testing.T) {
	img := mutate.Annotations(randomImage(t, 1000, 1), map[string]string{"x": strings.Repeat("x", MaxManifestSize)}).(v1.Image)
	tb := writeBundle(t, 0, []carried{{ref: "example.com/apache/huge:1.0", img: img}}, nil)
	_, err := New(context.Background(), tb.b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "example.com/apache/huge:1.0")
	assert.Contains(t, err.Error(), "more than the 4 MiB a registry accepts")
}

func mustDigestRef(t *testing.T, s string) name.Digest {
	t.Helper()
	d, err := name.NewDigest(s, name.Insecure)
	require.NoError(t, err)
	return d
}

func TestDamageErrorNamesTheParts(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		e    DamageError
		want string
	}{
		{DamageError{What: "image blob", Digest: d, Parts: []int{3}, Names: []string{"b.part003"}, Of: 5},
			"image blob sha256:abababababab… is damaged in part 3 of 5 (b.part003), so it is not served: copy the part again from the original media and restart ferry serve"},
		{DamageError{What: "image manifest", Digest: d, Parts: []int{2, 3}, Names: []string{"b.part002", "b.part003"}, Of: 5},
			"image manifest sha256:abababababab… is damaged in parts 2–3 of 5 (b.part002, b.part003), so it is not served: copy those parts again from the original media and restart ferry serve"},
	} {
		assert.Equal(t, tc.want, tc.e.Error())
	}
}

// BenchmarkServeBlob measures a blob GET over loopback: whole (hashed
// while it streams) and as a Range of everything (hashed once, then read
// plainly), so the cost of the hashing shows.
func BenchmarkServeBlob(b *testing.B) {
	img, err := random.Image(64<<20, 1)
	if err != nil {
		b.Fatal(err)
	}
	tb := writeBundle(b, 0, []carried{{ref: "example.com/apache/big:1.0", img: img}}, nil)
	reg, err := New(context.Background(), tb.b)
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	srv := httptest.NewServer(NewServer(reg, ServerOptions{}).Handler)
	defer srv.Close()
	layer := layerDigest(b, img)
	n := int64(len(tb.blobs[layer]))
	for _, rng := range []string{"", "bytes=0-"} {
		b.Run("range="+rng, func(b *testing.B) {
			b.SetBytes(n)
			for range b.N {
				req, _ := http.NewRequest("GET", srv.URL+"/v2/apache/big/blobs/"+layer, nil)
				if rng != "" {
					req.Header.Set("Range", rng)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}
