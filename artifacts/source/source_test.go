package source

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/fault"
)

func TestParseMirror(t *testing.T) {
	m, err := ParseMirror("docker.io=127.0.0.1:5000/hub/")
	require.NoError(t, err)
	assert.Equal(t, Mirror{From: "docker.io", To: "127.0.0.1:5000/hub"}, m)
	for _, bad := range []string{"docker.io", "=x", "docker.io=", "docker.io=UPPER CASE"} {
		_, err := ParseMirror(bad)
		assert.Error(t, err, bad)
	}
}

func TestReferenceRewritesThroughTheLongestMirror(t *testing.T) {
	a, err := New(Options{
		Mirrors: []Mirror{
			{From: "docker.io", To: "mirror.test:5000/hub"},
			{From: "docker.io/apache", To: "mirror.test:5001/apache-mirror"},
			{From: "quay.io/org", To: "127.0.0.1:5002"},
		},
		InsecureHosts: []string{"mirror.test:5001"},
	})
	require.NoError(t, err)
	cases := map[string]string{
		"docker.io/library/alpine:3.20":         "mirror.test:5000/hub/library/alpine:3.20",
		"docker.io/apache/op:10.1.0":            "mirror.test:5001/apache-mirror/op:10.1.0",
		"quay.io/org/app@sha256:" + sixtyFour(): "127.0.0.1:5002/app@sha256:" + sixtyFour(),
		"quay.io/other/app:1":                   "quay.io/other/app:1",
		"quay.io/organisation/app:1":            "quay.io/organisation/app:1",
	}
	for in, want := range cases {
		ref, err := a.Reference(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, ref.Name(), in)
	}
	ref, _ := a.Reference("docker.io/apache/op:1")
	assert.Equal(t, "http", ref.Context().Scheme(), "the insecure mirror is reached over plain HTTP")
	ref, _ = a.Reference("docker.io/library/alpine:1")
	assert.Equal(t, "https", ref.Context().Scheme())
	_, err = a.Reference("not a reference")
	assert.Error(t, err)
}

func sixtyFour() string { return "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" }

func TestPullSecret(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pull.json")
	auth := base64.StdEncoding.EncodeToString([]byte("robot:s3cret"))
	require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf(`{"auths":{"https://index.docker.io/v1/":{"auth":%q},"quay.io":{"username":"u","password":"p"}}}`, auth)), 0o600))
	kc, err := LoadPullSecret(file)
	require.NoError(t, err)
	for ref, want := range map[string]authn.AuthConfig{
		"docker.io/library/alpine": {Username: "robot", Password: "s3cret"},
		"quay.io/org/x":            {Username: "u", Password: "p"},
	} {
		r, _ := name.NewRepository(ref)
		au, err := kc.Resolve(r)
		require.NoError(t, err)
		cfg, err := au.Authorization()
		require.NoError(t, err)
		assert.Equal(t, want, *cfg, ref)
	}
	r, _ := name.NewRepository("gcr.io/x/y")
	au, _ := kc.Resolve(r)
	assert.Equal(t, authn.Anonymous, au)

	require.NoError(t, os.WriteFile(file, []byte(`{"auths":{"x":{"auth":"%%%"}}}`), 0o600))
	_, err = LoadPullSecret(file)
	assert.ErrorContains(t, err, "whose auth is not base64")
	require.NoError(t, os.WriteFile(file, []byte(`not json s3cret`), 0o600))
	_, err = LoadPullSecret(file)
	assert.ErrorContains(t, err, "is not docker config JSON")
	assert.NotContains(t, err.Error(), "s3cret")
}

func TestExplain(t *testing.T) {
	a, err := New(Options{})
	require.NoError(t, err)
	// A closed loopback port: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	ref, _ := name.ParseReference(addr + "/x/y:1")
	_, err = remote.Head(ref, a.RemoteOptions(remote.WithRetryBackoff(remote.Backoff{Steps: 1}))...)
	e := Explain("x/y:1", addr, err)
	assert.ErrorIs(t, e, ErrUnreachable)
	assert.Contains(t, e.Error(), "cannot reach "+addr+" (connection refused) to fetch x/y:1")

	// A TLS server whose certificate nobody trusts.
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	host := srv.Listener.Addr().String()
	ref, _ = name.ParseReference(host + "/x/y:1")
	_, err = remote.Head(ref, a.RemoteOptions(remote.WithRetryBackoff(remote.Backoff{Steps: 1}))...)
	e = Explain("x/y:1", host, err)
	assert.ErrorIs(t, e, ErrUntrusted)
	assert.Contains(t, e.Error(), "give its CA with the CA file setting")
	assert.True(t, fault.Names(e, fault.CAFile))

	// A plain-HTTP server spoken to over HTTPS.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	host = plain.Listener.Addr().String()
	ref, _ = name.ParseReference(host + "/x/y:1")
	_, err = remote.Head(ref, a.RemoteOptions(remote.WithRetryBackoff(remote.Backoff{Steps: 1}))...)
	e = Explain("x/y:1", host, err)
	assert.Contains(t, e.Error(), "allow plain HTTP to "+host)
	assert.True(t, fault.Names(e, fault.InsecureHost))

	assert.NoError(t, Explain("r", "h", nil))

	// Loopback over plain HTTP is refused unless the host was named.
	ref, _ = name.ParseReference(host + "/x/y:1")
	_, err = remote.Head(ref, a.RemoteOptions(remote.WithRetryBackoff(remote.Backoff{Steps: 1}))...)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrPlainHTTP)
	ok, err := New(Options{InsecureHosts: []string{host}})
	require.NoError(t, err)
	ref, _ = name.ParseReference(host+"/x/y:1", name.Insecure)
	_, err = remote.Head(ref, ok.RemoteOptions(remote.WithRetryBackoff(remote.Backoff{Steps: 1}))...)
	e = Explain("x/y:1", host, err)
	assert.ErrorIs(t, e, ErrNotFound, "named insecure, the plain-HTTP server is reached and answers 404")
	assert.Contains(t, Explain("x/y:1", host, fmt.Errorf("wrapped: %w", ErrPlainHTTP)).Error(), "allow plain HTTP to "+host+" if that registry has no TLS")
}

func TestCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, pemOf(srv.Certificate().Raw), 0o644))
	a, err := New(Options{CAFiles: []string{ca}})
	require.NoError(t, err)
	resp, err := a.HTTPClient().Get(srv.URL + "/v2/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	bad := filepath.Join(dir, "bad.pem")
	require.NoError(t, os.WriteFile(bad, []byte("nothing"), 0o644))
	_, err = New(Options{CAFiles: []string{bad}})
	assert.ErrorContains(t, err, "holds no PEM certificate")
	_, err = New(Options{CAFiles: []string{filepath.Join(dir, "missing.pem")}})
	assert.ErrorContains(t, err, "cannot read the CA file")
}
