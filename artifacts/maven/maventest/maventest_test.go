package maventest_test

import (
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven"
	"ferry/artifacts/maven/maventest"
)

func TestWriteArtifact(t *testing.T) {
	cases := []struct {
		name      string
		c         maven.Coordinate
		packaging string
		sidecars  []string
		want      []string
	}{
		{"jar with sidecars", maven.Coordinate{GroupID: "org.x", ArtifactID: "a", Version: "1"}, "jar", []string{"sha1", "md5"},
			[]string{"org/x/a/1/a-1.pom", "org/x/a/1/a-1.pom.sha1", "org/x/a/1/a-1.pom.md5", "org/x/a/1/a-1.jar", "org/x/a/1/a-1.jar.sha1", "org/x/a/1/a-1.jar.md5"}},
		{"pom only", maven.Coordinate{GroupID: "org.x", ArtifactID: "p", Version: "2"}, "pom", nil,
			[]string{"org/x/p/2/p-2.pom"}},
		{"plugin with a classifier", maven.Coordinate{GroupID: "org.x.y", ArtifactID: "m", Version: "3", Classifier: "tests"}, "maven-plugin", []string{"sha512"},
			[]string{"org/x/y/m/3/m-3.pom", "org/x/y/m/3/m-3.pom.sha512", "org/x/y/m/3/m-3-tests.jar", "org/x/y/m/3/m-3-tests.jar.sha512"}},
		{"war", maven.Coordinate{GroupID: "org.x", ArtifactID: "w", Version: "1"}, "war", nil,
			[]string{"org/x/w/1/w-1.pom", "org/x/w/1/w-1.war"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			written := maventest.WriteArtifact(t, root, tc.c, tc.packaging, []byte("main content"), tc.sidecars...)
			var got []string
			for p, size := range written {
				got = append(got, p)
				st, err := os.Stat(filepath.Join(root, filepath.FromSlash(p)))
				require.NoError(t, err)
				assert.Equal(t, st.Size(), size, p)
			}
			assert.ElementsMatch(t, tc.want, got)
			pom, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(tc.want[0])))
			require.NoError(t, err)
			assert.Contains(t, string(pom), "<packaging>"+tc.packaging+"</packaging>")
		})
	}

	root := t.TempDir()
	maventest.WriteArtifact(t, root, maven.Coordinate{GroupID: "org.x", ArtifactID: "a", Version: "1"}, "jar", []byte("abc"), "sha1")
	sum := sha1.Sum([]byte("abc"))
	got, err := os.ReadFile(filepath.Join(root, "org/x/a/1/a-1.jar.sha1"))
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(sum[:]), string(got))
}

func TestServer(t *testing.T) {
	root := t.TempDir()
	maventest.WriteArtifact(t, root, maven.Coordinate{GroupID: "org.x", ArtifactID: "a", Version: "1"}, "jar", []byte("twelve bytes"))
	srv := maventest.NewServer(t, root)
	assert.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)

	do := func(method, path, user, pass string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		require.NoError(t, err)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(body)
	}
	const unchecked = -2 // the length is not checked
	cases := []struct {
		method, path string
		code         int
		length       int64
		body         string
	}{
		{"GET", "/org/x/a/1/a-1.jar", http.StatusOK, 12, "twelve bytes"},
		{"HEAD", "/org/x/a/1/a-1.jar", http.StatusOK, 12, ""},
		{"HEAD", "/org/x/a/1/a-1.jar.sha1", http.StatusNotFound, unchecked, ""},
		{"GET", "/org/x/a/1", http.StatusNotFound, unchecked, ""},
		{"GET", "/../../etc/passwd", http.StatusNotFound, unchecked, ""},
		{"PUT", "/org/x/a/1/a-1.jar", http.StatusMethodNotAllowed, unchecked, ""},
	}
	for _, tc := range cases {
		resp, body := do(tc.method, tc.path, "", "")
		assert.Equal(t, tc.code, resp.StatusCode, tc.method+" "+tc.path)
		if tc.length != unchecked {
			assert.Equal(t, tc.length, resp.ContentLength, tc.method+" "+tc.path)
			assert.Equal(t, tc.body, body)
		}
	}
	assert.Equal(t, []string{
		"GET /org/x/a/1/a-1.jar", "HEAD /org/x/a/1/a-1.jar", "HEAD /org/x/a/1/a-1.jar.sha1",
		"GET /org/x/a/1", "GET /../../etc/passwd", "PUT /org/x/a/1/a-1.jar",
	}, srv.Requests())

	srv.RequireAuth("reader", "s3cret")
	for _, tc := range []struct {
		user, pass string
		code       int
	}{
		{"", "", http.StatusUnauthorized},
		{"reader", "wrong", http.StatusUnauthorized},
		{"reader", "s3cret", http.StatusOK},
	} {
		resp, _ := do("HEAD", "/org/x/a/1/a-1.jar", tc.user, tc.pass)
		assert.Equal(t, tc.code, resp.StatusCode, tc.user+":"+tc.pass)
	}
}
