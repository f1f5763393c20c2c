package olm

import (
	"encoding/json"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// graph is a channel that upgrades by replaces and skips:
//
//	1.0.0 ← 1.1.0 ← 1.1.1
//	          ↖ 1.2.0 (replaces 1.1.0, skips 1.1.1) ← 1.3.0 ← 2.0.0 (head)
//
// plus a channel "old" and deprecation notices of the package, both
// channels and two bundles.
func graph(t *testing.T) *Catalog {
	return fbc(t,
		pkg("a", "stable"),
		channel("a", "stable", `[{"name":"a.1.0.0"},{"name":"a.1.1.0","replaces":"a.1.0.0"},{"name":"a.1.1.1","replaces":"a.1.1.0"},`+
			`{"name":"a.1.2.0","replaces":"a.1.1.0","skips":["a.1.1.1"],"skipRange":">=1.0.0 <1.2.0"},{"name":"a.1.3.0","replaces":"a.1.2.0"},{"name":"a.2.0.0","replaces":"a.1.3.0"}]`),
		channel("a", "old", `[{"name":"a.1.0.0"}]`),
		bundle("a", "a.1.0.0", "1.0.0"), bundle("a", "a.1.1.0", "1.1.0"), bundle("a", "a.1.1.1", "1.1.1"),
		bundle("a", "a.1.2.0", "1.2.0"), bundle("a", "a.1.3.0", "1.3.0"), bundle("a", "a.2.0.0", "2.0.0"),
		`{"schema":"olm.deprecations","package":"a","entries":[`+
			`{"reference":{"schema":"olm.package"},"message":"a moves to b"},`+
			`{"reference":{"schema":"olm.channel","name":"old"},"message":"old is gone"},`+
			`{"reference":{"schema":"olm.channel","name":"stable"},"message":"use fast"},`+
			`{"reference":{"schema":"olm.bundle","name":"a.1.1.1"},"message":"1.1.1 has a bug"},`+
			`{"reference":{"schema":"olm.bundle","name":"a.2.0.0"},"message":"2.0.0 is withdrawn"}]}`,
		pkg("z", "s"),
		channel("z", "s", `[{"name":"z.1"},{"name":"z.2","replaces":"z.1"}]`),
		bundle("z", "z.1", "1.0.0"), bundle("z", "z.2", "2.0.0"),
		`{"schema":"olm.deprecations","package":"z","entries":[{"reference":{"schema":"olm.bundle","name":"z.1"},"message":"old"}]}`,
	)
}

// readBack filters what was picked and reads the result back as a
// catalog.
func readBack(t *testing.T, cat *Catalog, chosen []Chosen) (*Catalog, map[string][]byte) {
	t.Helper()
	files, err := Filter(cat, chosen)
	require.NoError(t, err)
	fsys := fstest.MapFS{}
	for n, data := range files {
		fsys[n] = &fstest.MapFile{Data: data}
	}
	back, err := Read(fsys)
	require.NoError(t, err)
	return back, files
}

func TestVersionRangeInAChannel(t *testing.T) {
	for _, tc := range []struct {
		name, versions string
		kept           []string // the filtered channel's entries, in order
		bridge         []string // kept only for the upgrade graph
		replaces       map[string]string
		deprecated     []string // the notices kept, by reference name ("" the package's)
	}{
		{"a range inside, with a skipped entry", ">=1.1.0 <1.3.0",
			[]string{"a.1.1.0", "a.1.1.1", "a.1.2.0"}, nil,
			// The tail keeps the version a cluster may run; 1.1.1 is skipped
			// by 1.2.0, a leaf.
			map[string]string{"a.1.1.0": "a.1.0.0", "a.1.1.1": "a.1.1.0", "a.1.2.0": "a.1.1.0"},
			[]string{"", "stable", "a.1.1.1"}},
		{"one version off the main chain", "=1.1.1",
			[]string{"a.1.1.1"}, nil, map[string]string{"a.1.1.1": "a.1.1.0"}, []string{"", "stable", "a.1.1.1"}},
		{"from a skipped entry up: its replaces is dropped", ">=1.1.1",
			[]string{"a.1.1.1", "a.1.2.0", "a.1.3.0", "a.2.0.0"}, nil,
			map[string]string{"a.1.2.0": "a.1.1.0", "a.1.3.0": "a.1.2.0", "a.2.0.0": "a.1.3.0"},
			[]string{"", "stable", "a.1.1.1", "a.2.0.0"}},
		{"two ranges: the path between them is carried", "<1.1.0 || >=1.3.0",
			[]string{"a.1.0.0", "a.1.1.0", "a.1.2.0", "a.1.3.0", "a.2.0.0"}, []string{"a.1.1.0", "a.1.2.0"},
			map[string]string{"a.1.1.0": "a.1.0.0", "a.1.2.0": "a.1.1.0", "a.1.3.0": "a.1.2.0", "a.2.0.0": "a.1.3.0"},
			[]string{"", "stable", "a.2.0.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat := graph(t)
			chosen, errs := Pick(map[string]*Catalog{"c": cat}, []Wish{{Catalog: "c", Package: "a", Versions: tc.versions}})
			require.Empty(t, errs)
			var names, bridge []string
			for _, c := range chosen {
				names = append(names, c.Bundle.Name)
				if c.Why != "listed (in the range "+tc.versions+")" {
					bridge = append(bridge, c.Bundle.Name)
					assert.Equal(t, "listed (on the upgrade path of channel stable between the versions carried)", c.Why)
				}
			}
			assert.ElementsMatch(t, tc.kept, names)
			assert.ElementsMatch(t, tc.bridge, bridge)

			back, files := readBack(t, cat, chosen)
			assert.Equal(t, []string{"a"}, back.PackageNames(), "z was not chosen: neither it nor its deprecations are carried")
			a := back.Packages["a"]
			assert.Equal(t, []string{"stable"}, a.ChannelNames())
			assert.ElementsMatch(t, tc.kept, keys(a.Bundles), "exactly the chosen bundles")
			ch := a.Channels["stable"]
			require.NoError(t, ValidChain(ch), "a chain opm validate accepts")
			got := map[string]string{}
			var order []string
			for _, e := range ch.Entries {
				order = append(order, e.Name)
				if e.Replaces != "" {
					got[e.Name] = e.Replaces
				}
			}
			assert.Equal(t, tc.kept, order)
			assert.Equal(t, tc.replaces, got)

			var dep struct {
				Entries []struct {
					Reference struct{ Schema, Name string }
				}
			}
			require.NotNil(t, a.Deprecations, string(files["a/catalog.json"]))
			require.NoError(t, json.Unmarshal(a.Deprecations, &dep))
			var refs []string
			for _, e := range dep.Entries {
				refs = append(refs, e.Reference.Name)
			}
			assert.Equal(t, tc.deprecated, refs)
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestVersionRangeErrorsNameWhatExists(t *testing.T) {
	cat := graph(t)
	_, errs := Pick(map[string]*Catalog{"c": cat}, []Wish{{Catalog: "c", Package: "a", Versions: ">=3.0.0"}})
	require.Len(t, errs, 1)
	assert.Equal(t, "c: channel stable of package a has no version in the range >=3.0.0 (it has 1.0.0, 1.1.0, 1.1.1, 1.2.0, 1.3.0, 2.0.0)", errs[0].Error())

	_, err := VersionRange(">=1.0.0 <")
	assert.EqualError(t, err, `the version range ">=1.0.0 <" cannot be read: write it as OLM does, for example ">=1.2.0 <1.4.0"`)
}

func TestValidChainRejectsWhatOpmRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []Entry
		err     string
	}{
		{"a skipped entry off the chain, the tail replacing what is not held",
			[]Entry{{Name: "a"}, {Name: "c", Replaces: "b"}, {Name: "d", Replaces: "c"}, {Name: "e", Skips: []string{"a"}, Replaces: "d"}}, ""},
		{"a dangling replaces off the chain", []Entry{{Name: "a"}, {Name: "b", Replaces: "gone"}, {Name: "c", Replaces: "a", Skips: []string{"b"}}}, "b replaces gone, which the channel does not hold"},
		{"two heads", []Entry{{Name: "a"}, {Name: "b"}}, "2 heads"},
		// c is skipped, a leaf: b, which only c replaces, is reached by
		// nothing.
		{"stranded", []Entry{{Name: "a"}, {Name: "b", Replaces: "x"}, {Name: "c", Replaces: "b"}, {Name: "d", Skips: []string{"c"}, Replaces: "a"}}, "would strand b"},
		{"a cycle", []Entry{{Name: "h", Replaces: "a"}, {Name: "a", Replaces: "b"}, {Name: "b", Replaces: "a"}}, "cycle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidChain(&Channel{Package: "p", Name: "s", Entries: tc.entries})
			if tc.err == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}
