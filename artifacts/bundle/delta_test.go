package bundle

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestManifestFormatsAndBase(t *testing.T) {
	base := &Base{Omitted: []string{"sha256:aa", "sha256:bb"}, Bundles: []BaseBundle{{Name: "app-1", ShortCode: "AAAA-BBBB"}}}
	cases := []struct {
		name    string
		version int
		base    *Base
		ok      bool
	}{
		{"full bundle", FormatVersion, nil, true},
		{"delta bundle", DeltaFormatVersion, base, true},
		{"delta without its base", DeltaFormatVersion, nil, false},
		{"full bundle with a base", FormatVersion, base, false},
		{"unsorted list", DeltaFormatVersion, &Base{Omitted: []string{"sha256:bb", "sha256:aa"}}, false},
		{"a later format", 3, nil, false},
	}
	for _, c := range cases {
		data, err := json.Marshal(Manifest{FormatVersion: c.version, Kind: ManifestKind, Base: c.base})
		require.NoError(t, err)
		m, err := parseManifest(data)
		if !c.ok {
			assert.Error(t, err, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		assert.Equal(t, c.base != nil, m.Omits("sha256:bb"), c.name)
		assert.False(t, m.Omits("sha256:cc"), c.name)
	}
}

func TestBaseSaysWhatToLoadFirst(t *testing.T) {
	assert.Equal(t, "the base bundle app-1 (code AAAA-BBBB)", (&Base{Bundles: []BaseBundle{{Name: "app-1", ShortCode: "AAAA-BBBB"}}}).Loads())
	assert.Contains(t, (&Base{Registries: []string{"site:5000/m"}}).Loads(), "site:5000/m")
	// The list's digest depends on every digest and their order.
	assert.NotEqual(t, ListDigest([]string{"a", "b"}), ListDigest([]string{"a"}))
	assert.Equal(t, ListDigest([]string{"a", "b"}), ListDigest([]string{"a", "b"}))
}
