package olm

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFileJSONAndYAML(t *testing.T) {
	j, err := ParseFile("a/catalog.json", []byte(`{"schema":"olm.package","name":"p","defaultChannel":"c"}
  {"schema": "olm.channel", "package": "p", "name": "c",
   "entries": [{"name": "b"}]}`))
	require.NoError(t, err)
	require.Len(t, j, 2)
	assert.Equal(t, `{"schema":"olm.channel","package":"p","name":"c","entries":[{"name":"b"}]}`, string(j[1].Raw), "kept as written, compacted")

	y, err := ParseFile("a/index.yaml", []byte("---\nschema: olm.bundle\npackage: p\nname: b\nimage: r.test/b@sha256:00\n---\n"))
	require.NoError(t, err)
	require.Len(t, y, 1)
	assert.Equal(t, "olm.bundle", y[0].Schema)

	_, err = ParseFile("x.json", []byte(`{"name":"p"}`))
	assert.EqualError(t, err, "x.json: object 1 has no schema")
}

func TestAssembleChecksNames(t *testing.T) {
	for _, tc := range []struct{ name, in, err string }{
		{"channel of no package", `{"schema":"olm.channel","package":"q","name":"c","entries":[]}`, `olm.channel "c" names package "q", which the catalog does not define`},
		{"package twice", `{"schema":"olm.package","name":"p"}` + "\n" + `{"schema":"olm.package","name":"p"}`, `defines package "p" twice`},
		{"entry without a name", `{"schema":"olm.package","name":"p"}` + "\n" + `{"schema":"olm.channel","package":"p","name":"c","entries":[{"replaces":"x"}]}`, "an entry without a name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blobs, err := ParseFile("c.json", []byte(tc.in))
			require.NoError(t, err)
			_, err = Assemble(blobs)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}

func TestParseWishes(t *testing.T) {
	ws, err := ParseWishes("ops.txt", []byte("# operators\nreg.test/cat:v1 logic alpha\n\n  reg.test/cat:v1   data-index # default channel\n"))
	require.NoError(t, err)
	assert.Equal(t, []Wish{{Catalog: "reg.test/cat:v1", Package: "logic", Channel: "alpha"}, {Catalog: "reg.test/cat:v1", Package: "data-index"}}, ws)
	_, err = ParseWishes("ops.txt", []byte("reg.test/cat:v1\n"))
	assert.EqualError(t, err, `ops.txt line 1: write CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE], not "reg.test/cat:v1"`)
	_, err = ParseWishes("ops.txt", []byte("\nNot A Ref pkg\n"))
	assert.ErrorContains(t, err, "ops.txt line 2: ")
}

func TestParseWishesVersionRanges(t *testing.T) {
	ws, err := ParseWishes("ops.txt", []byte("reg.test/cat:v1 logic alpha >=1.1.0 <1.2.0\nreg.test/cat:v1 data-index >=2.0.0\nreg.test/cat:v1 prom beta 0.9.0\n"))
	require.NoError(t, err)
	assert.Equal(t, []Wish{
		{Catalog: "reg.test/cat:v1", Package: "logic", Channel: "alpha", Versions: ">=1.1.0 <1.2.0"},
		{Catalog: "reg.test/cat:v1", Package: "data-index", Versions: ">=2.0.0"},
		{Catalog: "reg.test/cat:v1", Package: "prom", Channel: "beta", Versions: "0.9.0"},
	}, ws)
	assert.Equal(t, "reg.test/cat:v1 logic alpha >=1.1.0 <1.2.0", ws[0].String())
	for _, tc := range []struct{ in, err string }{
		{"reg.test/cat:v1 logic alpha stable", `ops.txt line 1: the version range "stable" cannot be read: write it as OLM does, for example ">=1.2.0 <1.4.0"`},
		{"reg.test/cat:v1 logic >=1.x.y.z", `ops.txt line 1: the version range ">=1.x.y.z" cannot be read: write it as OLM does, for example ">=1.2.0 <1.4.0"`},
		{"reg.test/cat:v1 >=1.0.0", `ops.txt line 1: write CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE], not "reg.test/cat:v1 >=1.0.0"`},
	} {
		_, err := ParseWishes("ops.txt", []byte(tc.in))
		assert.EqualError(t, err, tc.err, tc.in)
	}
}

// FuzzCatalogFile feeds catalog files of either kind to the reader: it
// must return blobs or an error, never panic, and whatever it assembles
// must filter.
func FuzzCatalogFile(f *testing.F) {
	f.Add("c.json", `{"schema":"olm.package","name":"p","defaultChannel":"c"}
{"schema":"olm.channel","package":"p","name":"c","entries":[{"name":"b"},{"name":"b2","replaces":"b","skips":["b"]}]}
{"schema":"olm.bundle","package":"p","name":"b2","image":"r.test/b","properties":[{"type":"olm.package.required","value":{"packageName":"p","versionRange":">=1"}}]}`)
	f.Add("c.yaml", "schema: olm.package\nname: p\n---\nschema: olm.channel\npackage: p\nname: c\nentries: [{name: b}]\n")
	f.Add("c.yaml", "a: &a [*a]")
	f.Add("c.json", `{"schema":"olm.bundle","properties":[{"type":"olm.gvk","value":7}]}`)
	f.Add("c.json", `{"schema":"olm.package","name":"p","defaultChannel":"c"}
{"schema":"olm.channel","package":"p","name":"c","entries":[{"name":"a"},{"name":"b","replaces":"a"},{"name":"b1","replaces":"b"},{"name":"c","replaces":"b","skips":["b1"]},{"name":"d","replaces":"gone"}]}
{"schema":"olm.bundle","package":"p","name":"a","properties":[{"type":"olm.package","value":{"packageName":"p","version":"1.0.0"}}]}
{"schema":"olm.bundle","package":"p","name":"b1","properties":[{"type":"olm.package","value":{"packageName":"p","version":"1.1.1"}}]}
{"schema":"olm.bundle","package":"p","name":"c","properties":[{"type":"olm.package","value":{"packageName":"p","version":"1.2.0"}}]}`)
	f.Fuzz(func(t *testing.T, name, data string) {
		if !strings.HasSuffix(name, ".json") {
			name = "f.yaml"
		}
		blobs, err := ParseFile(name, []byte(data))
		if err != nil {
			return
		}
		cat, err := Assemble(blobs)
		if err != nil {
			return
		}
		var wishes []Wish
		for _, p := range cat.PackageNames() {
			wishes = append(wishes, Wish{Catalog: "c", Package: p})
		}
		chosen, errs := Pick(map[string]*Catalog{"c": cat}, wishes)
		if len(errs) == 0 {
			if _, err := Filter(cat, chosen); err != nil {
				t.Fatalf("filtering what was picked: %v", err)
			}
		}
		// Every version: what is kept must read back as valid channels.
		for i := range wishes {
			wishes[i].Versions = ">=0.0.0-0"
		}
		chosen, errs = Pick(map[string]*Catalog{"c": cat}, wishes)
		if len(errs) > 0 {
			return
		}
		files, err := Filter(cat, chosen)
		if err != nil {
			t.Fatalf("filtering what was picked in a range: %v", err)
		}
		fsys := fstest.MapFS{}
		for n, data := range files {
			fsys[n] = &fstest.MapFile{Data: data}
		}
		back, err := Read(fsys)
		if err != nil {
			t.Fatalf("reading the filtered catalog back: %v", err)
		}
		for _, m := range back.Packages {
			for _, ch := range m.Channels {
				if err := ValidChain(ch); err != nil {
					t.Fatalf("a filtered channel opm validate would refuse: %v", err)
				}
			}
		}
	})
}

// TestParseWish: one line reads as a line of an operators file does, and
// its String reads back the same.
func TestParseWish(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Wish
		err  string
	}{
		{in: "reg.test/cat:v1 logic", want: Wish{Catalog: "reg.test/cat:v1", Package: "logic"}},
		{in: " reg.test/cat:v1  logic stable >=1.0.0 <2.0.0 # pinned", want: Wish{Catalog: "reg.test/cat:v1", Package: "logic", Channel: "stable", Versions: ">=1.0.0 <2.0.0"}},
		{in: "reg.test/cat:v1", err: `write CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE], not "reg.test/cat:v1"`},
		{in: "", err: `write CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE], not ""`},
		{in: "Not:A:Ref logic", err: `"Not:A:Ref" is not an image reference`},
	} {
		w, err := ParseWish(tc.in)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, w)
		back, err := ParseWish(w.String())
		require.NoError(t, err)
		assert.Equal(t, w, back, "String reads back")
	}
}
