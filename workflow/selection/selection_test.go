package selection

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSaveLoadRoundTripWithoutCredentials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "answers.yaml")
	in := Selection{
		Target: "sonataflow", Version: "10.1.0", Archs: []string{"amd64", "arm64"}, Modules: []string{"builder"},
		Images: []string{"quay.io/a/b:1"}, Maven: []string{"org.example:lib:1.0"},
		MavenRepositories: []string{"https://reader:s3cret@nexus.example.test/repository/maven-public"},
	}
	require.NoError(t, Save(path, in))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "s3cret")
	assert.NotContains(t, string(data), "reader")
	out, err := Load(path)
	require.NoError(t, err)
	in.MavenRepositories = []string{"https://nexus.example.test/repository/maven-public"}
	assert.Equal(t, in, out)
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestSaveLoadOnAnyFileSystem(t *testing.T) {
	fs := afero.NewMemMapFs()
	require.NoError(t, fs.MkdirAll("/answers", 0o755))
	in := Selection{Target: "sonataflow", Archs: []string{"amd64"}}
	require.NoError(t, SaveFS(fs, "/answers/a.yaml", in))
	out, err := LoadFS(fs, "/answers/a.yaml")
	require.NoError(t, err)
	assert.Equal(t, in, out)
	entries, err := afero.ReadDir(fs, "/answers")
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
	_, err = LoadFS(fs, "/answers/missing.yaml")
	assert.ErrorContains(t, err, "does not exist")
}

func TestParseRefusesWhatIsNotAnAnswersFile(t *testing.T) {
	cases := map[string]string{
		"":                                      "a.yaml is empty",
		"target: x\n":                           "a.yaml is not a ferry answers file",
		"apiVersion: ferry/v1\nkind: Catalog\n": "a.yaml is not a ferry answers file",
		"apiVersion: ferry/v1\nkind: Answers\narch: [amd64]\n":                        "a.yaml: line 3: field arch not found",
		"apiVersion: ferry/v1\nkind: Answers\nmavenRepositories: [https://u:p@h/x]\n": "holds a Maven repository URL with credentials",
	}
	for in, want := range cases {
		_, err := Parse("a.yaml", []byte(in))
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want)
	}
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.ErrorContains(t, err, "does not exist")
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("apiVersion: ferry/v1\nkind: Answers\ntarget: sonataflow\narchs: [amd64]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse("f", b)
		if err != nil {
			return
		}
		data, err := Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse("f", data); err != nil {
			t.Fatalf("what Marshal writes does not parse: %v\n%s", err, data)
		}
	})
}

func TestListsAddToTheSelection(t *testing.T) {
	fs := afero.NewMemMapFs()
	require.NoError(t, afero.WriteFile(fs, "/images.txt", []byte("# carried too\nquay.io/a/b:1\n"), 0o644))
	require.NoError(t, afero.WriteFile(fs, "/maven.txt", []byte("org.example:lib:1.0\n"), 0o644))
	s := Selection{Images: []string{"quay.io/a/c:2"}}
	require.NoError(t, s.AddLists(fs, Lists{Images: "/images.txt", Maven: "/maven.txt"}))
	assert.Equal(t, []string{"quay.io/a/c:2", "quay.io/a/b:1"}, s.Images)
	assert.Equal(t, []string{"org.example:lib:1.0"}, s.Maven)

	assert.ErrorContains(t, s.AddLists(fs, Lists{Files: "/files.txt"}), "the file list /files.txt does not exist")
	require.NoError(t, afero.WriteFile(fs, "/bad.txt", []byte("org.example:only-two\n"), 0o644))
	assert.ErrorContains(t, s.AddLists(fs, Lists{Maven: "/bad.txt"}), `/bad.txt:1: "org.example:only-two" is not a Maven coordinate`)
}

func TestCheckAndComplete(t *testing.T) {
	fs := afero.NewMemMapFs()
	err := Selection{MavenScopes: []string{"compile", "system"}}.Check(fs)
	require.ErrorIs(t, err, ErrInvalid)
	assert.Equal(t, `"system" is not a Maven scope ferry carries: give compile, provided, runtime or test`, err.Error())
	err = Selection{MavenProjects: []string{"/app/pom.xml"}}.Check(fs)
	assert.ErrorContains(t, err, "the Maven project /app/pom.xml cannot be read")
	assert.NotErrorIs(t, err, ErrInvalid)
	require.NoError(t, afero.WriteFile(fs, "/app/pom.xml", nil, 0o644))
	assert.NoError(t, Selection{MavenProjects: []string{"/app/pom.xml"}}.Check(fs))

	err = Selection{MavenRepositories: []string{"ftp://repo.example.test/m2"}}.Check(fs)
	assert.ErrorIs(t, err, ErrInvalid, "a repository ferry cannot read is a wrong choice")
	err = Selection{MavenRepositories: []string{"/srv/m2"}}.Check(fs)
	assert.ErrorContains(t, err, "the Maven repository /srv/m2 is not a folder here")
	assert.NotErrorIs(t, err, ErrInvalid)
	require.NoError(t, fs.MkdirAll("/srv/m2", 0o755))
	assert.NoError(t, Selection{MavenRepositories: []string{"/srv/m2", "https://repo.example.test/maven2", "file:///srv/m2"}}.Check(fs))

	s := Selection{Archs: []string{" arm64"}}
	s.Complete("amd64", "https://repo.example.test/maven2")
	assert.Equal(t, []string{"arm64"}, s.Archs)
	assert.Equal(t, []string{"https://repo.example.test/maven2"}, s.MavenRepositories)
	s = Selection{}
	s.Complete("amd64", "https://repo.example.test/maven2")
	assert.Equal(t, []string{"amd64"}, s.Archs)
}
