package maven_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven"
)

func TestParseCoordinate(t *testing.T) {
	cases := []struct {
		in      string
		want    maven.Coordinate
		str     string // String() of the result
		wantDir string
	}{
		{"org.example:lib:1.0", maven.Coordinate{GroupID: "org.example", ArtifactID: "lib", Version: "1.0"},
			"org.example:lib:1.0", "org/example/lib/1.0"},
		{"org.example:lib:1.0:pom", maven.Coordinate{GroupID: "org.example", ArtifactID: "lib", Version: "1.0", Packaging: "pom"},
			"org.example:lib:1.0:pom", "org/example/lib/1.0"},
		{"org.example:lib:1.0:jar:sources", maven.Coordinate{GroupID: "org.example", ArtifactID: "lib", Version: "1.0", Packaging: "jar", Classifier: "sources"},
			"org.example:lib:1.0:jar:sources", "org/example/lib/1.0"},
		{" \tcom.google.inject:guice:4.2.3:jar:no_aop \r\n", maven.Coordinate{GroupID: "com.google.inject", ArtifactID: "guice", Version: "4.2.3", Packaging: "jar", Classifier: "no_aop"},
			"com.google.inject:guice:4.2.3:jar:no_aop", "com/google/inject/guice/4.2.3"},
		{"org.apache.maven:maven-core:3.8.7", maven.Coordinate{GroupID: "org.apache.maven", ArtifactID: "maven-core", Version: "3.8.7"},
			"org.apache.maven:maven-core:3.8.7", "org/apache/maven/maven-core/3.8.7"},
		{"junit:junit:4.13.2", maven.Coordinate{GroupID: "junit", ArtifactID: "junit", Version: "4.13.2"},
			"junit:junit:4.13.2", "junit/junit/4.13.2"},
		{"org.x:a:1.0-SNAPSHOT:maven-plugin", maven.Coordinate{GroupID: "org.x", ArtifactID: "a", Version: "1.0-SNAPSHOT", Packaging: "maven-plugin"},
			"org.x:a:1.0-SNAPSHOT:maven-plugin", "org/x/a/1.0-SNAPSHOT"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			c, err := maven.ParseCoordinate(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, c)
			assert.Equal(t, tc.str, c.String())
			assert.Equal(t, tc.wantDir, c.Dir())
			again, err := maven.ParseCoordinate(c.String())
			require.NoError(t, err)
			assert.Equal(t, c, again, "String round-trips")
		})
	}
}

func TestParseCoordinateRejects(t *testing.T) {
	const form = "(write groupId:artifactId:version[:packaging[:classifier]])"
	cases := []struct {
		in   string
		want string // the whole error
	}{
		{"", `"" is not a Maven coordinate: write groupId:artifactId:version[:packaging[:classifier]]`},
		{"org.x:a", `"org.x:a" is not a Maven coordinate: write groupId:artifactId:version[:packaging[:classifier]]`},
		{"a:b:c:d:e:f", `"a:b:c:d:e:f" is not a Maven coordinate: write groupId:artifactId:version[:packaging[:classifier]]`},
		{"org.x::1", `"org.x::1" is not a Maven coordinate: its artifactId is empty ` + form},
		{":a:1", `":a:1" is not a Maven coordinate: its groupId is empty ` + form},
		{"org.x:a:1:jar:", `"org.x:a:1:jar:" is not a Maven coordinate: its classifier is empty ` + form},
		{"org.x:a:1::sources", `"org.x:a:1::sources" is not a Maven coordinate: its packaging is empty ` + form},
		{"org.x:a:1 2", `"org.x:a:1 2" is not a Maven coordinate: its version "1 2" contains whitespace ` + form},
		{"org.x:a\tb:1", `"org.x:a\tb:1" is not a Maven coordinate: its artifactId "a\tb" contains whitespace ` + form},
		{"org.x:a:1\u00a02", `"org.x:a:1\u00a02" is not a Maven coordinate: its version "1\u00a02" contains whitespace ` + form},
		{"\ufefforg.x:a:1", `"\ufefforg.x:a:1" is not a Maven coordinate: its groupId "\ufefforg.x" contains the invisible character U+FEFF ` + form},
		{"org.x:a:1\x00", `"org.x:a:1\x00" is not a Maven coordinate: its version "1\x00" contains the invisible character U+0000 ` + form},
		{"org/x:a:1", `"org/x:a:1" is not a Maven coordinate: its groupId "org/x" contains a slash ` + form},
		{`org.x:a:1\2`, `"org.x:a:1\\2" is not a Maven coordinate: its version "1\\2" contains a slash ` + form},
		{"org.x:a:../1", `"org.x:a:../1" is not a Maven coordinate: its version "../1" contains a slash ` + form},
		{"org.x:a:..", `"org.x:a:.." is not a Maven coordinate: its version ".." contains ".." ` + form},
		{"org.x:.:1", `"org.x:.:1" is not a Maven coordinate: its artifactId is "." ` + form},
		{"org..x:a:1", `"org..x:a:1" is not a Maven coordinate: its groupId "org..x" contains ".." ` + form},
		{".org:a:1", `".org:a:1" is not a Maven coordinate: its groupId ".org" starts or ends with a dot ` + form},
		{"org.:a:1", `"org.:a:1" is not a Maven coordinate: its groupId "org." starts or ends with a dot ` + form},
		{"org.x:a:1#2", `"org.x:a:1#2" is not a Maven coordinate: its version "1#2" contains '#', which cannot be part of a repository path ` + form},
		{"org.x:a:%2e%2e", `"org.x:a:%2e%2e" is not a Maven coordinate: its version "%2e%2e" contains '%', which cannot be part of a repository path ` + form},
		{"org.x:a:1?x", `"org.x:a:1?x" is not a Maven coordinate: its version "1?x" contains '?', which cannot be part of a repository path ` + form},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			_, err := maven.ParseCoordinate(tc.in)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestParseList(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []string
	}{
		{"comments and blanks", "# the demo's libraries\n\norg.a:x:1\n   \n  # indented comment\norg.a:y:2:pom # the parent\n",
			[]string{"org.a:x:1", "org.a:y:2:pom"}},
		{"duplicates kept once, at their first place", "org.a:x:1\norg.a:y:2\norg.a:x:1 # again\n",
			[]string{"org.a:x:1", "org.a:y:2"}},
		{"CRLF and a byte order mark", "\ufefforg.a:x:1\r\norg.a:y:2:jar:sources\r\n",
			[]string{"org.a:x:1", "org.a:y:2:jar:sources"}},
		{"no newline at the end", "org.a:x:1", []string{"org.a:x:1"}},
		{"only comments", "# nothing yet\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := maven.ParseList("m.txt", strings.NewReader(tc.text))
			require.NoError(t, err)
			var got []string
			for _, c := range cs {
				got = append(got, c.String())
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseListRejects(t *testing.T) {
	cases := []struct {
		name string
		text string
		line int
		want string
	}{
		{"too few parts", "org.a:x:1\n# fine\norg.a\n", 3,
			`lists/m.txt:3: "org.a" is not a Maven coordinate: write groupId:artifactId:version[:packaging[:classifier]]`},
		{"space inside, after a comment", "org.a:x:1 # ok\norg.a:y:1 2\n", 2,
			`lists/m.txt:2: "org.a:y:1 2" is not a Maven coordinate: its version "1 2" contains whitespace (write groupId:artifactId:version[:packaging[:classifier]])`},
		{"a line far too long", "org.a:x:1\n" + strings.Repeat("a", 100<<10) + "\n", 2,
			`lists/m.txt:2: the line is longer than 64 KiB, so it is not a Maven coordinate`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := maven.ParseList("lists/m.txt", strings.NewReader(tc.text))
			var le *maven.ListError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, "lists/m.txt", le.File)
			assert.Equal(t, tc.line, le.Line)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseListReadError(t *testing.T) {
	_, err := maven.ParseList("m.txt", failingReader{})
	require.EqualError(t, err, "cannot read the Maven list m.txt: disk on fire")
}

func FuzzParseCoordinate(f *testing.F) {
	for _, s := range []string{"org.example:lib:1.0", "org.example:lib:1.0:jar:sources", "a:b:c:pom", " a:b:c ", "a..b:c:d", ".a:b:c", "a:b:%2e%2e", "a:b:c:d:e:f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := maven.ParseCoordinate(s)
		if err != nil {
			if !strings.Contains(err.Error(), "groupId:artifactId:version[:packaging[:classifier]]") {
				t.Fatalf("%q: the error does not show the expected form: %v", s, err)
			}
			return
		}
		again, err := maven.ParseCoordinate(c.String())
		if err != nil || again != c {
			t.Fatalf("%q → %+v does not round-trip: %+v %v", s, c, again, err)
		}
		dir := c.Dir()
		for _, seg := range strings.Split(dir, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("%q gives the folder %q, with a segment %q", s, dir, seg)
			}
		}
		if strings.ContainsFunc(dir+c.Packaging+c.Classifier, func(r rune) bool {
			return unicode.IsSpace(r) || !unicode.IsPrint(r) || strings.ContainsRune(`\#%?`, r)
		}) {
			t.Fatalf("%q gives a path unsafe in a URL or file system: %q", s, dir)
		}
	})
}

func TestLocalOnlyAndDirCoordinate(t *testing.T) {
	for p, want := range map[string]bool{
		"org/x/a/1.0/a-1.0.jar":                   false,
		"org/x/a/1.0/a-1.0.jar.sha1":              false,
		"org/x/a/maven-metadata.xml":              false,
		"org/x/a/1.0/_remote.repositories":        true,
		"org/x/a/1.0/a-1.0.jar.lastUpdated":       true,
		"org/x/a/maven-metadata-local.xml":        true,
		"org/x/a/maven-metadata-central.xml.sha1": true,
		"org/x/a/resolver-status.properties":      true,
	} {
		assert.Equal(t, want, maven.LocalOnly(p), p)
	}
	c, err := maven.DirCoordinate("org/apache/commons/commons-lang3/3.12.0")
	require.NoError(t, err)
	assert.Equal(t, "org.apache.commons:commons-lang3:3.12.0", c.String())
	_, err = maven.DirCoordinate("org/x")
	assert.ErrorContains(t, err, "is not a version folder")
}
