package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSelectExpandsOperators(t *testing.T) {
	c, err := Parse("c.yaml", []byte(`apiVersion: ferry/v1
kind: Catalog
targets:
  - name: flow
    title: Flow
    vars: {ocp: "v4.17"}
    versions: [{version: "10.1.0"}]
    modules:
      - name: olm
        title: Operator from the catalog
        required: true
        operators:
          - catalog: registry.example.test/redhat/operator-index:${ocp}
            package: logic-operator
            channel: alpha
            versions: ">=1.1.0 <1.3.0"
          - catalog: registry.example.test/redhat/operator-index:${ocp}
            package: data-index
`))
	require.NoError(t, err)
	s, err := c[0].Select(Choice{Archs: []string{"amd64"}})
	require.NoError(t, err)
	require.Len(t, s.Needs[0].Operators, 2)
	assert.Equal(t, "registry.example.test/redhat/operator-index:v4.17", s.Needs[0].Operators[0].Catalog)
	assert.Equal(t, "alpha", s.Needs[0].Operators[0].Channel)
	assert.Equal(t, ">=1.1.0 <1.3.0", s.Needs[0].Operators[0].Versions)
	assert.Equal(t, "", s.Needs[0].Operators[1].Channel)
}

func TestOperatorsEntriesAreChecked(t *testing.T) {
	for _, tc := range []struct{ name, entry, err string }{
		{"no package", "- catalog: registry.example.test/index:v1", "names no package"},
		{"bad image", "- {catalog: 'Not An Image', package: p}", "Not An Image"},
		{"unknown key", "- {catalog: registry.example.test/index:v1, package: p, version: 1}", "version"},
		{"bad range", "- {catalog: registry.example.test/index:v1, package: p, channel: alpha, versions: '>=1.2 <'}", `c.yaml:10: the operators entry for registry.example.test/index:v1 p: the version range ">=1.2 <" cannot be read: write it as OLM does, for example ">=1.2.0 <1.4.0"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(`apiVersion: ferry/v1
kind: Catalog
targets:
  - name: flow
    title: Flow
    modules:
      - name: olm
        title: OLM
        operators:
          `+tc.entry+`
`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}
