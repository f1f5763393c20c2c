package selection

import (
	"testing"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/olm"
)

func TestOperatorsInAnswersAndLists(t *testing.T) {
	fs := afero.NewMemMapFs()
	require.NoError(t, afero.WriteFile(fs, "ops.txt", []byte("# from the index\nregistry.example.test/index:v4.17 logic-operator alpha\nregistry.example.test/index:v4.17 data-index\n"), 0o644))
	var s Selection
	require.NoError(t, s.AddLists(fs, Lists{Operators: "ops.txt"}))
	want := []olm.Wish{{Catalog: "registry.example.test/index:v4.17", Package: "logic-operator", Channel: "alpha"}, {Catalog: "registry.example.test/index:v4.17", Package: "data-index"}}
	assert.Equal(t, want, s.Operators)

	require.NoError(t, SaveFS(fs, "answers.yaml", s))
	data, err := afero.ReadFile(fs, "answers.yaml")
	require.NoError(t, err)
	assert.Contains(t, string(data), "operators:\n  - catalog: registry.example.test/index:v4.17\n    package: logic-operator\n    channel: alpha\n")
	back, err := LoadFS(fs, "answers.yaml")
	require.NoError(t, err)
	assert.Equal(t, want, back.Operators)

	_, err = Parse("a.yaml", []byte("apiVersion: ferry/v1\nkind: Answers\noperators:\n  - package: p\n"))
	assert.EqualError(t, err, `a.yaml: operators entry "p": an operator needs a catalog image and a package name`)
	assert.EqualError(t, s.AddLists(fs, Lists{Operators: "missing.txt"}), "the operators file missing.txt does not exist")
}

func TestOperatorVersionRangesInAnswersAndLists(t *testing.T) {
	fs := afero.NewMemMapFs()
	require.NoError(t, afero.WriteFile(fs, "ops.txt", []byte("registry.example.test/index:v4.17 logic-operator alpha >=1.1.0 <1.3.0\n"), 0o644))
	var s Selection
	require.NoError(t, s.AddLists(fs, Lists{Operators: "ops.txt"}))
	want := []olm.Wish{{Catalog: "registry.example.test/index:v4.17", Package: "logic-operator", Channel: "alpha", Versions: ">=1.1.0 <1.3.0"}}
	assert.Equal(t, want, s.Operators)
	require.NoError(t, SaveFS(fs, "answers.yaml", s))
	data, err := afero.ReadFile(fs, "answers.yaml")
	require.NoError(t, err)
	assert.Contains(t, string(data), "    channel: alpha\n    versions: '>=1.1.0 <1.3.0'\n")
	back, err := LoadFS(fs, "answers.yaml")
	require.NoError(t, err)
	assert.Equal(t, want, back.Operators)

	_, err = Parse("a.yaml", []byte("apiVersion: ferry/v1\nkind: Answers\noperators:\n  - {catalog: registry.example.test/index:v4.17, package: p, versions: '>=1.0.0 <'}\n"))
	assert.EqualError(t, err, `a.yaml: operators entry "registry.example.test/index:v4.17 p >=1.0.0 <": the version range ">=1.0.0 <" cannot be read: write it as OLM does, for example ">=1.2.0 <1.4.0"`)
	require.NoError(t, afero.WriteFile(fs, "bad.txt", []byte("registry.example.test/index:v4.17 p alpha >=1.0.0 <\n"), 0o644))
	assert.EqualError(t, s.AddLists(fs, Lists{Operators: "bad.txt"}), `bad.txt line 1: the version range ">=1.0.0 <" cannot be read: write it as OLM does, for example ">=1.2.0 <1.4.0"`)
}

// TestOperatorLines: operators given one by one read as operators file
// lines, after the file's, without repeats; a bad one is ErrInvalid in
// one sentence.
func TestOperatorLines(t *testing.T) {
	fs := afero.NewMemMapFs()
	require.NoError(t, afero.WriteFile(fs, "ops.txt", []byte("registry.example.test/index:v4.17 logic-operator alpha\n"), 0o644))
	var s Selection
	require.NoError(t, s.AddLists(fs, Lists{Operators: "ops.txt", OperatorLines: []string{
		"registry.example.test/index:v4.17 logic-operator alpha",
		"registry.example.test/index:v4.17 data-index stable >=2.0.0",
	}}))
	assert.Equal(t, []olm.Wish{
		{Catalog: "registry.example.test/index:v4.17", Package: "logic-operator", Channel: "alpha"},
		{Catalog: "registry.example.test/index:v4.17", Package: "data-index", Channel: "stable", Versions: ">=2.0.0"},
	}, s.Operators)

	err := s.AddLists(fs, Lists{OperatorLines: []string{"registry.example.test/index:v4.17"}})
	assert.ErrorIs(t, err, ErrInvalid)
	assert.EqualError(t, err, `the operator "registry.example.test/index:v4.17" cannot be read: write CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE], not "registry.example.test/index:v4.17"`)
}
