package maven_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven"
	"ferry/artifacts/maven/maventest"
)

var (
	lib    = maven.Coordinate{GroupID: "org.example", ArtifactID: "lib", Version: "1.0"}
	parent = maven.Coordinate{GroupID: "org.example", ArtifactID: "parent", Version: "3"}
	plugin = maven.Coordinate{GroupID: "org.example", ArtifactID: "plugin", Version: "2.0"}
	webapp = maven.Coordinate{GroupID: "org.example.web", ArtifactID: "webapp", Version: "1.1"}
	module = maven.Coordinate{GroupID: "org.example", ArtifactID: "module", Version: "7"}
	tool   = maven.Coordinate{GroupID: "org.example", ArtifactID: "tool", Version: "1.0", Packaging: "jar", Classifier: "sources"}
)

// writeFile puts raw content at a repository path under root.
func writeFile(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

// only keeps the written files whose path passes keep.
func only(written map[string]int64, keep func(string) bool) map[string]int64 {
	out := map[string]int64{}
	for p, n := range written {
		if keep(p) {
			out[p] = n
		}
	}
	return out
}

// withLogin puts user:pass@ into a loopback URL.
func withLogin(url, user, pass string) string {
	return strings.Replace(url, "http://", "http://"+user+":"+pass+"@", 1)
}

// closedPort is a loopback URL nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	return url
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func TestResolve(t *testing.T) {
	root := t.TempDir()
	wLib := maventest.WriteArtifact(t, root, lib, "jar", make([]byte, 1234), "sha1", "md5")
	wParent := maventest.WriteArtifact(t, root, parent, "pom", nil, "sha256")
	wPlugin := maventest.WriteArtifact(t, root, plugin, "maven-plugin", make([]byte, 99))
	wWebapp := maventest.WriteArtifact(t, root, webapp, "war", make([]byte, 4321), "sha1", "sha256", "sha512")
	wModule := maventest.WriteArtifact(t, root, module, "nbm", make([]byte, 17), "md5")
	wTool := maventest.WriteArtifact(t, root, tool, "jar", make([]byte, 77), "sha512")
	// A POM with no <packaging> means jar.
	plain := maven.Coordinate{GroupID: "org.example", ArtifactID: "plain", Version: "1"}
	plainPOM := "<project><modelVersion>4.0.0</modelVersion><artifactId>plain</artifactId></project>"
	writeFile(t, root, "org/example/plain/1/plain-1.pom", plainPOM)
	writeFile(t, root, "org/example/plain/1/plain-1.jar", "12345")
	// Older POMs are ISO-8859-1, with accents in the names.
	old := maven.Coordinate{GroupID: "org.example", ArtifactID: "old", Version: "0.9"}
	oldPOM := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<project><name>Andr\xe9</name><packaging>bundle</packaging></project>\n"
	writeFile(t, root, "org/example/old/0.9/old-0.9.pom", oldPOM)
	writeFile(t, root, "org/example/old/0.9/old-0.9.jar", "jar")

	full := maventest.NewServer(t, root)
	copyOf := maventest.NewServer(t, root)
	empty := maventest.NewServer(t, t.TempDir())
	private := maventest.NewServer(t, root)
	private.RequireAuth("reader", "s3cret")

	cases := []struct {
		name      string
		repos     []string
		c         maven.Coordinate
		packaging string
		files     map[string]int64
		repo      string
	}{
		{"jar with sha1 and md5", []string{full.URL}, lib, "jar", wLib, full.URL},
		{"pom packaging has no main file", []string{full.URL}, parent, "pom", wParent, full.URL},
		{"maven-plugin declared by the POM is a jar", []string{full.URL}, plugin, "maven-plugin", wPlugin, full.URL},
		{"war declared by the POM", []string{full.URL}, webapp, "war", wWebapp, full.URL},
		{"other packagings are the extension", []string{full.URL}, module, "nbm", wModule, full.URL},
		{"classifier names the main file, not the POM", []string{full.URL}, tool, "jar", wTool, full.URL},
		{"no <packaging> means jar", []string{full.URL}, plain, "jar",
			map[string]int64{"org/example/plain/1/plain-1.jar": 5, "org/example/plain/1/plain-1.pom": int64(len(plainPOM))}, full.URL},
		{"an ISO-8859-1 POM", []string{full.URL}, old, "bundle",
			map[string]int64{"org/example/old/0.9/old-0.9.jar": 3, "org/example/old/0.9/old-0.9.pom": int64(len(oldPOM))}, full.URL},
		{"the coordinate's packaging wins over the POM's",
			[]string{full.URL}, maven.Coordinate{GroupID: "org.example", ArtifactID: "lib", Version: "1.0", Packaging: "pom"}, "pom",
			only(wLib, func(p string) bool { return strings.Contains(p, ".pom") }), full.URL},
		{"the second repository has it", []string{empty.URL, full.URL + "/"}, lib, "jar", wLib, full.URL},
		{"the first repository that has it wins", []string{copyOf.URL, full.URL}, lib, "jar", wLib, copyOf.URL},
		{"a login in the URL, never in the result", []string{withLogin(private.URL, "reader", "s3cret")}, lib, "jar", wLib, private.URL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &maven.Resolver{Repositories: tc.repos}
			a, err := r.Resolve(context.Background(), tc.c)
			require.NoError(t, err)
			assert.Equal(t, tc.c, a.Coordinate)
			assert.Equal(t, tc.packaging, a.Packaging)
			assert.Equal(t, tc.repo, a.Repository)
			got := map[string]int64{}
			var paths []string
			for _, f := range a.Files {
				got[f.Path] = f.Size
				paths = append(paths, f.Path)
			}
			assert.Equal(t, tc.files, got)
			assert.True(t, slices.IsSorted(paths), "files sorted by path: %v", paths)
			assert.Equal(t, sum(tc.files), a.Size)
		})
	}
}

func TestResolveAsksWithHEAD(t *testing.T) {
	root := t.TempDir()
	maventest.WriteArtifact(t, root, lib, "jar", make([]byte, 1234), "sha1")
	srv := maventest.NewServer(t, root)
	_, err := (&maven.Resolver{Repositories: []string{srv.URL}, Concurrency: 1}).Resolve(context.Background(), lib)
	require.NoError(t, err)
	reqs := srv.Requests()
	d := "/org/example/lib/1.0/lib-1.0"
	assert.Equal(t, "GET "+d+".pom", reqs[0], "the POM is read first")
	assert.ElementsMatch(t, []string{
		"GET " + d + ".pom",
		"HEAD " + d + ".jar",
		"HEAD " + d + ".pom.md5", "HEAD " + d + ".pom.sha1", "HEAD " + d + ".pom.sha256", "HEAD " + d + ".pom.sha512",
		"HEAD " + d + ".jar.md5", "HEAD " + d + ".jar.sha1", "HEAD " + d + ".jar.sha256", "HEAD " + d + ".jar.sha512",
	}, reqs, "the jar's size comes from HEAD, not a download")
}

// lengthless serves root like a repository that sends no Content-Length
// on HEAD (or refuses HEAD with headCode) and streams GETs in chunks.
func lengthless(t *testing.T, root string, headCode int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(filepath.Clean("/"+r.URL.Path))))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodHead {
			w.WriteHeader(headCode)
			return
		}
		for len(data) > 0 {
			n := min(len(data), 100)
			_, _ = w.Write(data[:n])
			w.(http.Flusher).Flush()
			data = data[n:]
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestResolveCountsWhenHEADGivesNoLength(t *testing.T) {
	root := t.TempDir()
	written := maventest.WriteArtifact(t, root, lib, "jar", make([]byte, 5000), "sha1")
	for _, code := range []int{http.StatusOK, http.StatusMethodNotAllowed} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			a, err := (&maven.Resolver{Repositories: []string{lengthless(t, root, code)}}).Resolve(context.Background(), lib)
			require.NoError(t, err)
			assert.EqualValues(t, 5000, written["org/example/lib/1.0/lib-1.0.jar"])
			assert.Equal(t, sum(written), a.Size)
			assert.Len(t, a.Files, len(written))
		})
	}
}

// answering is a repository that gives every request the same answer.
func answering(t *testing.T, code int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestResolveFailures(t *testing.T) {
	root := t.TempDir()
	maventest.WriteArtifact(t, root, lib, "jar", []byte("jar"), "sha1")
	maventest.WriteArtifact(t, root, parent, "pom", nil)
	writeFile(t, root, "org/example/evil/1/evil-1.pom", "<project><packaging>../../../../etc/x</packaging></project>")
	writeFile(t, root, "org/example/interp/1/interp-1.pom", "<project><packaging>${packaging.type}</packaging></project>")
	writeFile(t, root, "org/example/broken/1/broken-1.pom", "<project><packaging>jar</project>")
	full := maventest.NewServer(t, root)
	empty := maventest.NewServer(t, t.TempDir())
	private := maventest.NewServer(t, root)
	private.RequireAuth("reader", "s3cret")
	forbidden := answering(t, http.StatusForbidden, "no")
	broken := answering(t, http.StatusInternalServerError, "oops")
	html := answering(t, http.StatusOK, "<html><body>Please log in</body></html>")
	closed := closedPort(t)
	coord := func(s string) maven.Coordinate {
		c, err := maven.ParseCoordinate(s)
		require.NoError(t, err)
		return c
	}

	cases := []struct {
		name  string
		repos []string
		c     maven.Coordinate
		is    error  // the sentinel the error matches, if any
		isNot error  // a sentinel it must not match
		want  string // the whole error, or with part a part of it
		part  bool
	}{
		{name: "in no repository", repos: []string{empty.URL, full.URL + "/"}, c: coord("org.example:nope:1"), is: maven.ErrNotFound,
			want: "org.example:nope:1 was not found in any Maven repository (tried " + empty.URL + ", " + full.URL + "): check the coordinates"},
		{name: "a POM without its jar is no reason to look further", repos: []string{full.URL, empty.URL}, c: coord("org.example:parent:3:jar"), isNot: maven.ErrNotFound,
			want: "org.example:parent:3:jar has a POM at " + full.URL + " but no parent-3.jar: check the packaging or classifier"},
		{name: "a classifier the repository lacks", repos: []string{full.URL}, c: coord("org.example:lib:1.0:jar:javadoc"), isNot: maven.ErrNotFound,
			want: "org.example:lib:1.0:jar:javadoc has a POM at " + full.URL + " but no lib-1.0-javadoc.jar: check the packaging or classifier"},
		{name: "wrong password stops the search", repos: []string{withLogin(private.URL, "reader", "wrong-pass"), full.URL}, c: lib, is: maven.ErrUnauthorized,
			want: "the Maven repository " + private.URL + " refused the credentials for org.example:lib:1.0: check the user and password in the repository URL"},
		{name: "no login", repos: []string{private.URL}, c: lib, is: maven.ErrUnauthorized,
			want: "the Maven repository " + private.URL + " asks for a login to read org.example:lib:1.0: put user:password@ in the repository URL"},
		{name: "forbidden", repos: []string{withLogin(forbidden, "reader", "wrong-pass")}, c: lib, is: maven.ErrUnauthorized,
			want: "the Maven repository " + forbidden + " refused the credentials for org.example:lib:1.0 (HTTP 403, no read access to org/example/lib/1.0/lib-1.0.pom): ask its administrator for read access"},
		{name: "unreachable", repos: []string{withLogin(closed, "reader", "wrong-pass")}, c: lib, is: syscall.ECONNREFUSED,
			want: "cannot reach the Maven repository " + closed + " (connection refused): check the URL and that the server is running"},
		{name: "server error", repos: []string{broken}, c: lib,
			want: "the Maven repository " + broken + " answered HTTP 500 for org/example/lib/1.0/lib-1.0.pom of org.example:lib:1.0: try again later or check the URL"},
		{name: "a login page instead of a POM", repos: []string{html}, c: lib,
			want: "the POM of org.example:lib:1.0 from " + html + " cannot be read: it is not a POM (its root element is <html>, not <project>): check that the URL points at a Maven repository"},
		{name: "a POM that is not XML", repos: []string{full.URL}, c: coord("org.example:broken:1"),
			want: "the POM of org.example:broken:1 from " + full.URL + " cannot be read: it is not well-formed XML", part: true},
		{name: "a packaging that would leave the folder", repos: []string{full.URL}, c: coord("org.example:evil:1"),
			want: "the POM of org.example:evil:1 from " + full.URL + ` declares the packaging "../../../../etc/x", which cannot name its main file: give the packaging in the coordinate, e.g. org.example:evil:1:jar`},
		{name: "a packaging left to interpolation", repos: []string{full.URL}, c: coord("org.example:interp:1"),
			want: "the POM of org.example:interp:1 from " + full.URL + ` declares the packaging "${packaging.type}", which cannot name its main file: give the packaging in the coordinate, e.g. org.example:interp:1:jar`},
		{name: "no repository", c: lib,
			want: "no Maven repository to resolve org.example:lib:1.0 from: give one with the Maven repository setting"},
		{name: "a URL without a scheme", repos: []string{"reader:wrong-pass@repo.example.test/maven2"}, c: lib,
			want: `"repo.example.test/maven2" is not a Maven repository URL: write http(s)://host/path, e.g. https://repo.maven.apache.org/maven2, or give a local folder`},
		{name: "a coordinate built by hand that leaves the folder", repos: []string{full.URL}, c: maven.Coordinate{GroupID: "org", ArtifactID: "..", Version: "1"},
			want: `"org:..:1" is not a Maven coordinate: its artifactId ".." contains ".." (write groupId:artifactId:version[:packaging[:classifier]])`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := (&maven.Resolver{Repositories: tc.repos}).Resolve(context.Background(), tc.c)
			require.Error(t, err)
			if tc.part {
				assert.Contains(t, err.Error(), tc.want)
			} else {
				assert.Equal(t, tc.want, err.Error())
			}
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			if tc.isNot != nil {
				assert.NotErrorIs(t, err, tc.isNot)
			}
			assert.NotContains(t, err.Error(), "wrong-pass", "no password is ever shown")
			assert.NotContains(t, err.Error(), "reader:", "no login is ever shown")
		})
	}
}

func TestResolveCancelled(t *testing.T) {
	root := t.TempDir()
	maventest.WriteArtifact(t, root, lib, "jar", []byte("jar"))
	srv := maventest.NewServer(t, root)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&maven.Resolver{Repositories: []string{srv.URL}}).Resolve(ctx, lib)
	require.ErrorIs(t, err, context.Canceled)
}

func TestExtension(t *testing.T) {
	cases := map[string]string{
		"jar": ".jar", "maven-plugin": ".jar", "bundle": ".jar", "ejb": ".jar", "eclipse-plugin": ".jar", "takari-jar": ".jar",
		"war": ".war", "ear": ".ear", "rar": ".rar", "pom": "", "nbm": ".nbm", "aar": ".aar",
	}
	for packaging, want := range cases {
		assert.Equal(t, want, maven.Extension(packaging), packaging)
	}
}

func TestRedactURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://u:p@repo.example.test/maven2", "https://repo.example.test/maven2"},
		{"https://token@repo.example.test/maven2/", "https://repo.example.test/maven2/"},
		{"https://repo.example.test/maven2", "https://repo.example.test/maven2"},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081"},
		// Passwords that make the URL unparseable must not show either.
		{"https://u:p%zz@host/x", "https://host/x"},
		{"https://u:pa/ss@host/x", "https://host/x"},
		{"https://u:pa#ss@host/x", "https://host/x"},
		{"u:p@host/x", "host/x"},
		{"not a url", "not a url"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, maven.RedactURL(tc.in), tc.in)
	}
}
