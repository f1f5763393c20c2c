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
