package olm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHead(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []Entry
		head    string
		err     string
	}{
		{"one entry", []Entry{{Name: "a"}}, "a", ""},
		{"replaces chain", []Entry{{Name: "a"}, {Name: "b", Replaces: "a"}, {Name: "c", Replaces: "b"}}, "c", ""},
		{"order does not matter", []Entry{{Name: "c", Replaces: "b"}, {Name: "a"}, {Name: "b", Replaces: "a"}}, "c", ""},
		{"skips take a branch out", []Entry{{Name: "a"}, {Name: "b", Replaces: "a"}, {Name: "b1", Replaces: "b"}, {Name: "c", Replaces: "b", Skips: []string{"b1"}}}, "c", ""},
		{"replaces outside the channel", []Entry{{Name: "b", Replaces: "gone"}}, "b", ""},
		{"two heads", []Entry{{Name: "a"}, {Name: "b"}}, "", "2 heads (a, b)"},
		{"a cycle", []Entry{{Name: "a", Replaces: "b"}, {Name: "b", Replaces: "a"}}, "", "no head"},
		{"empty", nil, "", "no entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Head(&Channel{Package: "p", Name: "c", Entries: tc.entries})
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.head, h)
		})
	}
}

// fbc is a catalog written as JSON lines.
func fbc(t *testing.T, lines ...string) *Catalog {
	t.Helper()
	blobs, err := ParseFile("c.json", []byte(strings.Join(lines, "\n")))
	require.NoError(t, err)
	c, err := Assemble(blobs)
	require.NoError(t, err)
	return c
}

func pkg(name, def string) string {
	return fmt.Sprintf(`{"schema":"olm.package","name":%q,"defaultChannel":%q}`, name, def)
}

func channel(p, name string, entries string) string {
	return fmt.Sprintf(`{"schema":"olm.channel","package":%q,"name":%q,"entries":%s}`, p, name, entries)
}

func bundle(p, name, version string, props ...string) string {
	all := append([]string{fmt.Sprintf(`{"type":"olm.package","value":{"packageName":%q,"version":%q}}`, p, version)}, props...)
	return fmt.Sprintf(`{"schema":"olm.bundle","package":%q,"name":%q,"image":"reg.test/%s@sha256:%064d","properties":[%s]}`, p, name, name, 0, strings.Join(all, ","))
}

func pkgReq(p, r string) string {
	return fmt.Sprintf(`{"type":"olm.package.required","value":{"packageName":%q,"versionRange":%q}}`, p, r)
}

func gvk(typ, kind string) string {
	return fmt.Sprintf(`{"type":%q,"value":{"group":"g.test","version":"v1","kind":%q}}`, typ, kind)
}

func TestPickFollowsRequirements(t *testing.T) {
	main := fbc(t,
		pkg("app", "stable"),
		channel("app", "stable", `[{"name":"app.1"},{"name":"app.2","replaces":"app.1"}]`),
		channel("app", "fast", `[{"name":"app.3"}]`),
		bundle("app", "app.1", "1.0.0"),
		bundle("app", "app.2", "2.0.0", pkgReq("db", ">=1.0.0 <2.0.0"), gvk("olm.gvk.required", "Cache")),
		bundle("app", "app.3", "3.0.0", pkgReq("db", ">=2.0.0")),
		pkg("db", "stable"),
		// The head, 2.0.0, is out of the range 1.x asks for: 1.5.0 is the
		// highest that fits.
		channel("db", "stable", `[{"name":"db.1"},{"name":"db.15","replaces":"db.1"},{"name":"db.2","replaces":"db.15"}]`),
		bundle("db", "db.1", "1.0.0"),
		bundle("db", "db.15", "1.5.0"),
		bundle("db", "db.2", "2.0.0"),
	)
	other := fbc(t,
		pkg("cache", "v1"),
		channel("cache", "v1", `[{"name":"cache.1"}]`),
		bundle("cache", "cache.1", "1.0.0", gvk("olm.gvk", "Cache")),
	)
	cats := map[string]*Catalog{"reg.test/main:1": main, "reg.test/other:1": other}
	for _, tc := range []struct {
		name  string
		wish  Wish
		want  []string // catalog package channel bundle
		whys  []string
		error string
	}{
		{"default channel, package range and API", Wish{Catalog: "reg.test/main:1", Package: "app"},
			[]string{"main app stable app.2", "main db stable db.15", "other cache v1 cache.1"},
			[]string{"listed", "required by app.2 (app): package db >=1.0.0 <2.0.0", "required by app.2 (app): API g.test/v1 Cache"}, ""},
		{"a channel named", Wish{Catalog: "reg.test/main:1", Package: "app", Channel: "fast"},
			[]string{"main app fast app.3", "main db stable db.2"}, nil, ""},
		{"no such package", Wish{Catalog: "reg.test/main:1", Package: "nope"}, nil, nil, `has no package "nope" (it has app, db)`},
		{"no such channel", Wish{Catalog: "reg.test/main:1", Package: "app", Channel: "beta"}, nil, nil, `has no channel "beta" (it has fast, stable)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := Pick(cats, []Wish{tc.wish})
			if tc.error != "" {
				require.Len(t, errs, 1)
				assert.Contains(t, errs[0].Error(), tc.error)
				return
			}
			require.Empty(t, errs)
			var list, whys []string
			for _, c := range got {
				list = append(list, strings.TrimPrefix(strings.TrimSuffix(c.Catalog, ":1"), "reg.test/")+" "+c.Package+" "+c.Channel+" "+c.Bundle.Name)
				whys = append(whys, c.Why)
			}
			assert.Equal(t, tc.want, list)
			if tc.whys != nil {
				assert.Equal(t, tc.whys, whys)
			}
		})
	}
}

func TestPickNamesWhatNoCatalogProvides(t *testing.T) {
	c := fbc(t,
		pkg("app", "stable"),
		channel("app", "stable", `[{"name":"app.1"}]`),
		bundle("app", "app.1", "1.0.0", pkgReq("db", ">=1.0.0"), gvk("olm.gvk.required", "Queue")),
	)
	_, errs := Pick(map[string]*Catalog{"reg.test/main:1": c}, []Wish{{Catalog: "reg.test/main:1", Package: "app"}})
	require.Len(t, errs, 2)
	assert.Equal(t, "app.1 (app) requires package db in the version range >=1.0.0, which no catalog given provides (looked in reg.test/main:1)", errs[0].Error())
	assert.Equal(t, "app.1 (app) requires the API g.test/v1 Queue, which no package of the catalogs given provides (looked in reg.test/main:1)", errs[1].Error())
}

func TestPickSatisfiedByWhatIsChosen(t *testing.T) {
	c := fbc(t,
		pkg("app", "stable"),
		channel("app", "stable", `[{"name":"app.1"}]`),
		bundle("app", "app.1", "1.0.0", pkgReq("db", ">=1.0.0"), gvk("olm.gvk.required", "Table")),
		pkg("db", "stable"),
		channel("db", "stable", `[{"name":"db.1"}]`),
		channel("db", "old", `[{"name":"db.0"}]`),
		bundle("db", "db.1", "1.0.0", gvk("olm.gvk", "Table")),
		bundle("db", "db.0", "0.9.0"),
	)
	got, errs := Pick(map[string]*Catalog{"c": c}, []Wish{{Catalog: "c", Package: "app"}, {Catalog: "c", Package: "db"}})
	require.Empty(t, errs)
	require.Len(t, got, 2, "the listed db provides both the package and the API")
	assert.Equal(t, "listed", got[1].Why)
}
