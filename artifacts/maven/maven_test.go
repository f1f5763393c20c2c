package maven_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven"
	"ferry/artifacts/maven/maventest"
)

func TestParseCoordinate(t *testing.T) {
	good := map[string]maven.Coordinate{
		"org.example:lib:1.0":                 {GroupID: "org.example", ArtifactID: "lib", Version: "1.0"},
		"org.example:lib:1.0:pom":             {GroupID: "org.example", ArtifactID: "lib", Version: "1.0", Packaging: "pom"},
		"org.example:lib:1.0:jar:sources":     {GroupID: "org.example", ArtifactID: "lib", Version: "1.0", Packaging: "jar", Classifier: "sources"},
		" com.google.inject:guice:4.2.3:jar ": {GroupID: "com.google.inject", ArtifactID: "guice", Version: "4.2.3", Packaging: "jar"},
	}
	for in, want := range good {
		c, err := maven.ParseCoordinate(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, c)
		again, err := maven.ParseCoordinate(c.String())
		require.NoError(t, err)
		assert.Equal(t, c, again, "String round-trips")
	}
	assert.Equal(t, "org/example/lib/1.0", good["org.example:lib:1.0"].Dir())
	for _, bad := range []string{"", "a:b", "a:b:c:d:e:f", "a::1", "a:b:1 2", "a/b:c:1", "a:b:../1", "a:b:1:jar:"} {
		_, err := maven.ParseCoordinate(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseList(t *testing.T) {
	cs, err := maven.ParseList("m.txt", strings.NewReader("# deps\norg.a:x:1\n\norg.a:y:2:pom # parent\norg.a:x:1\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"org.a:x:1", "org.a:y:2:pom"}, []string{cs[0].String(), cs[1].String()})
	_, err = maven.ParseList("m.txt", strings.NewReader("org.a:x:1\norg.a\n"))
	var le *maven.ListError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 2, le.Line)
	assert.True(t, strings.HasPrefix(err.Error(), `m.txt:2: "org.a" is not a Maven coordinate`), err.Error())
}

func paths(a maven.Artifact) []string {
	var out []string
	for _, f := range a.Files {
		out = append(out, f.Path)
	}
	return out
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
	lib := maven.Coordinate{GroupID: "org.example", ArtifactID: "lib", Version: "1.0"}
	wLib := maventest.WriteArtifact(t, root, lib, "jar", make([]byte, 1234), "sha1", "md5")
	parent := maven.Coordinate{GroupID: "org.example", ArtifactID: "parent", Version: "3"}
	wParent := maventest.WriteArtifact(t, root, parent, "pom", nil, "sha256")
	plugin := maven.Coordinate{GroupID: "org.example", ArtifactID: "plugin", Version: "2.0"}
	wPlugin := maventest.WriteArtifact(t, root, plugin, "maven-plugin", make([]byte, 99))
	src := maven.Coordinate{GroupID: "org.example", ArtifactID: "tool", Version: "1.0", Packaging: "jar", Classifier: "sources"}
	wSrc := maventest.WriteArtifact(t, root, src, "jar", make([]byte, 77), "sha512")
	srv := maventest.NewServer(t, root)
	empty := maventest.NewServer(t, t.TempDir())
	r := &maven.Resolver{Repositories: []string{empty.URL, srv.URL + "/"}}

	cases := []struct {
		c       maven.Coordinate
		written map[string]int64
		pack    string
	}{
		{lib, wLib, "jar"}, {parent, wParent, "pom"}, {plugin, wPlugin, "maven-plugin"},
	}
	for _, tc := range cases {
		a, err := r.Resolve(context.Background(), tc.c)
		require.NoError(t, err, tc.c)
		assert.Equal(t, tc.pack, a.Packaging)
		assert.Equal(t, srv.URL, a.Repository, "the second repository served it")
		var want []string
		for p := range tc.written {
			want = append(want, p)
		}
		slices.Sort(want)
		assert.Equal(t, want, paths(a), tc.c)
		assert.Equal(t, sum(tc.written), a.Size)
	}
	// The classifier names the main file; the POM is the artifact's own.
	a, err := r.Resolve(context.Background(), src)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"org/example/tool/1.0/tool-1.0-sources.jar", "org/example/tool/1.0/tool-1.0-sources.jar.sha512",
		"org/example/tool/1.0/tool-1.0.pom", "org/example/tool/1.0/tool-1.0.pom.sha512",
	}, paths(a))
	assert.EqualValues(t, 77, fileSize(a, "org/example/tool/1.0/tool-1.0-sources.jar"))
	assert.Equal(t, sum(wSrc), a.Size)

	// A POM without its jar is this repository's answer, not a miss.
	_, err = r.Resolve(context.Background(), maven.Coordinate{GroupID: "org.example", ArtifactID: "parent", Version: "3", Packaging: "jar"})
	require.Error(t, err)
	assert.False(t, errors.Is(err, maven.ErrNotFound))
	assert.Contains(t, err.Error(), "has a POM at "+srv.URL+" but no parent-3.jar")

	_, err = r.Resolve(context.Background(), maven.Coordinate{GroupID: "org.example", ArtifactID: "nope", Version: "1"})
	require.ErrorIs(t, err, maven.ErrNotFound)
	assert.Equal(t, "org.example:nope:1 was not found in any Maven repository (tried "+empty.URL+", "+srv.URL+"/): check the coordinates", err.Error())
}

func fileSize(a maven.Artifact, p string) int64 {
	for _, f := range a.Files {
		if f.Path == p {
			return f.Size
		}
	}
	return -1
}

func TestResolveCredentialsAndReachability(t *testing.T) {
	root := t.TempDir()
	lib := maven.Coordinate{GroupID: "org.example", ArtifactID: "lib", Version: "1.0"}
	maventest.WriteArtifact(t, root, lib, "jar", []byte("x"))
	srv := maventest.NewServer(t, root)
	srv.RequireAuth("reader", "s3cret")
	withLogin := func(user, pass string) string {
		return strings.Replace(srv.URL, "http://", "http://"+user+":"+pass+"@", 1)
	}

	a, err := (&maven.Resolver{Repositories: []string{withLogin("reader", "s3cret")}}).Resolve(context.Background(), lib)
	require.NoError(t, err)
	assert.Equal(t, srv.URL, a.Repository)

	_, err = (&maven.Resolver{Repositories: []string{withLogin("reader", "wrong")}}).Resolve(context.Background(), lib)
	require.ErrorIs(t, err, maven.ErrUnauthorized)
	assert.Contains(t, err.Error(), "refused the credentials")
	assert.NotContains(t, err.Error(), "wrong")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String()
	l.Close()
	_, err = (&maven.Resolver{Repositories: []string{closed}}).Resolve(context.Background(), lib)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach the Maven repository "+closed+" (connection refused)")
}

func TestRedactURL(t *testing.T) {
	assert.Equal(t, "https://repo.example.test/maven2", maven.RedactURL("https://u:p@repo.example.test/maven2"))
	assert.Equal(t, "https://repo.example.test/maven2", maven.RedactURL("https://repo.example.test/maven2"))
	assert.NotContains(t, maven.RedactURL("https://u:p%zz@host/x"), "p%zz")
}

func FuzzParseCoordinate(f *testing.F) {
	f.Add("org.example:lib:1.0:jar:sources")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := maven.ParseCoordinate(s)
		if err != nil {
			return
		}
		again, err := maven.ParseCoordinate(c.String())
		if err != nil || again != c {
			t.Fatalf("%q → %+v does not round-trip: %+v %v", s, c, again, err)
		}
		if strings.Contains(c.Dir(), "..") {
			t.Fatalf("%q escapes the repository: %s", s, c.Dir())
		}
	})
}
