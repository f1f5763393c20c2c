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
