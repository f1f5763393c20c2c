package olm

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"deps.dev/util/semver"
)

// Chosen is one bundle a filtered catalog keeps, in one channel of its
// package, and why.
type Chosen struct {
	// Catalog is the catalog image's reference.
	Catalog string
	Package string
	Channel string
	Bundle  *Bundle
	// Why is "listed" (with the range, or the upgrade path, that kept
	// it), or which bundle requires it and what.
	Why string
	// From is the wish that led to it, through requirements.
	From Wish
}

// WishError is a wish, or a requirement of what it led to, that could
// not be met.
type WishError struct {
	Wish Wish
	Err  error
}

// Error is the sentence saying what could not be met.
func (e *WishError) Error() string { return e.Err.Error() }

// Unwrap gives the underlying error.
func (e *WishError) Unwrap() error { return e.Err }

// Head returns the name of the channel's head: the one entry no other
// entry replaces or skips. A channel with no such entry, or more than one,
// cannot be upgraded along and is an error.
func Head(ch *Channel) (string, error) {
	upgraded := map[string]bool{}
	for _, e := range ch.Entries {
		if e.Replaces != "" {
			upgraded[e.Replaces] = true
		}
		for _, s := range e.Skips {
			upgraded[s] = true
		}
	}
	var heads []string
	for _, e := range ch.Entries {
		if !upgraded[e.Name] && !slices.Contains(heads, e.Name) {
			heads = append(heads, e.Name)
		}
	}
	switch len(heads) {
	case 1:
		return heads[0], nil
	case 0:
		if len(ch.Entries) == 0 {
			return "", fmt.Errorf("channel %s of package %s has no entries", ch.Name, ch.Package)
		}
		return "", fmt.Errorf("channel %s of package %s has no head: every entry is replaced or skipped by another", ch.Name, ch.Package)
	}
	sort.Strings(heads)
	return "", fmt.Errorf("channel %s of package %s has %d heads (%s): the catalog is broken, ask its publisher", ch.Name, ch.Package, len(heads), strings.Join(heads, ", "))
}

// Pick resolves wishes against catalogs (by catalog reference): the head
// of each wished channel, then, for every bundle chosen, the packages its
// olm.package.required and olm.gvk.required properties need, looked for in
// its own catalog first and then in the others. It returns what it chose
// and one *WishError per wish or requirement it could not meet.
func Pick(cats map[string]*Catalog, wishes []Wish) ([]Chosen, []error) {
	p := &picker{cats: cats, seen: map[string]bool{}, spanned: map[string]int{}}
	for _, w := range wishes {
		if err := p.wish(w); err != nil {
			p.errs = append(p.errs, &WishError{Wish: w, Err: err})
		}
	}
	// Requirements of bundles chosen, including those of bundles chosen
	// for requirements or to keep a channel one upgrade graph, until
	// nothing more is added.
	for i := 0; ; {
		for ; i < len(p.out); i++ {
			p.require(p.out[i])
		}
		p.connect()
		if i == len(p.out) {
			break
		}
	}
	return p.out, p.errs
}

// connect adds, for each channel that keeps more than one bundle, the
// entries its upgrade graph passes through between them (Span), so the
// filtered channel still has one head.
func (p *picker) connect() {
	type key struct{ catalog, pkg, channel string }
	var order []key
	group := map[key][]Chosen{}
	for _, c := range p.out {
		k := key{c.Catalog, c.Package, c.Channel}
		if _, ok := group[k]; !ok {
			order = append(order, k)
		}
		group[k] = append(group[k], c)
	}
	for _, k := range order {
		cs := group[k]
		if len(cs) < 2 || p.spanned[k.catalog+"\x00"+k.pkg+"\x00"+k.channel] == len(cs) {
			continue
		}
		m := p.cats[k.catalog].Packages[k.pkg]
		ch := m.Channels[k.channel]
		var in []string
		for _, c := range cs {
			in = append(in, c.Bundle.Name)
		}
		kept, bridge, err := Span(ch, in)
		if err == nil {
			_, _, err = Cut(ch, kept)
		}
		if err != nil {
			p.errs = append(p.errs, &WishError{Wish: cs[0].From, Err: fmt.Errorf("%s: %w", k.catalog, err)})
			continue
		}
		for _, n := range bridge {
			b, ok := m.Bundles[n]
			if !ok {
				p.errs = append(p.errs, &WishError{Wish: cs[0].From, Err: fmt.Errorf("channel %s of package %s in %s names bundle %s, which the catalog does not define", k.channel, k.pkg, k.catalog, n)})
				continue
			}
			p.add(Chosen{Catalog: k.catalog, Package: k.pkg, Channel: k.channel, Bundle: b, From: cs[0].From,
				Why: fmt.Sprintf("listed (on the upgrade path of channel %s between the versions carried)", k.channel)})
		}
		p.spanned[k.catalog+"\x00"+k.pkg+"\x00"+k.channel] = len(cs) + len(bridge)
	}
}

type picker struct {
	cats map[string]*Catalog
	out  []Chosen
	errs []error
	seen map[string]bool // catalog, package, channel, bundle
	// spanned counts, by catalog, package and channel, the bundles kept
	// when connect last made the channel one graph.
	spanned map[string]int
}

func (p *picker) add(c Chosen) {
	k := c.Catalog + "\x00" + c.Package + "\x00" + c.Channel + "\x00" + c.Bundle.Name
	if p.seen[k] {
		return
	}
	p.seen[k] = true
	p.out = append(p.out, c)
}

func (p *picker) wish(w Wish) error {
	cat, ok := p.cats[w.Catalog]
	if !ok {
		return fmt.Errorf("the catalog %s was not read", w.Catalog)
	}
	pkg, ok := cat.Packages[w.Package]
	if !ok {
		return fmt.Errorf("the catalog %s has no package %q (it has %s)", w.Catalog, w.Package, names(cat.PackageNames()))
	}
	chName := w.Channel
	if chName == "" {
		chName = pkg.DefaultChannel
	}
	ch, ok := pkg.Channels[chName]
	if !ok {
		if w.Channel == "" {
			return fmt.Errorf("the package %s in %s names the default channel %q, which it does not define (it has %s)", w.Package, w.Catalog, chName, names(pkg.ChannelNames()))
		}
		return fmt.Errorf("the package %s in %s has no channel %q (it has %s)", w.Package, w.Catalog, chName, names(pkg.ChannelNames()))
	}
	want, why := []string(nil), "listed"
	if w.Versions == "" {
		head, err := Head(ch)
		if err != nil {
			return fmt.Errorf("%s: %w", w.Catalog, err)
		}
		want = []string{head}
	} else {
		in, err := InRange(pkg, ch, w.Versions)
		if err != nil {
			return fmt.Errorf("%s: %w", w.Catalog, err)
		}
		want, why = in, "listed (in the range "+w.Versions+")"
	}
	for _, n := range want {
		b, ok := pkg.Bundles[n]
		if !ok {
			return fmt.Errorf("channel %s of package %s in %s names bundle %s, which the catalog does not define", chName, w.Package, w.Catalog, n)
		}
		p.add(Chosen{Catalog: w.Catalog, Package: w.Package, Channel: chName, Bundle: b, Why: why, From: w})
	}
	return nil
}

// order is the catalogs to look in for what a bundle of home requires:
// home first, then the others by reference.
func (p *picker) order(home string) []string {
	out := []string{home}
	var rest []string
	for ref := range p.cats {
		if ref != home {
			rest = append(rest, ref)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func (p *picker) require(c Chosen) {
	by := fmt.Sprintf("%s (%s)", c.Bundle.Name, c.Package)
	fail := func(err error) { p.errs = append(p.errs, &WishError{Wish: c.From, Err: err}) }
	for _, r := range c.Bundle.RequiresPackages() {
		accept, err := VersionRange(r.VersionRange)
		if err != nil {
			fail(fmt.Errorf("%s requires package %s, but %v", by, r.PackageName, err))
			continue
		}
		if slices.ContainsFunc(p.out, func(o Chosen) bool { return o.Package == r.PackageName && accept(o.Bundle.Version()) }) {
			continue
		}
		why := fmt.Sprintf("required by %s: package %s", by, r.PackageName)
		if r.VersionRange != "" {
			why += " " + r.VersionRange
		}
		if !p.provide(c, why, func(m *PackageModel) bool { return m.Name == r.PackageName },
			func(b *Bundle) bool { return accept(b.Version()) }) {
			what := "package " + r.PackageName
			if r.VersionRange != "" {
				what += " in the version range " + r.VersionRange
			}
			fail(fmt.Errorf("%s requires %s, which no catalog given provides (looked in %s)", by, what, strings.Join(p.order(c.Catalog), ", ")))
		}
	}
	for _, g := range c.Bundle.RequiresGVK() {
		provides := func(b *Bundle) bool { return slices.Contains(b.Provides(), g) }
		if slices.ContainsFunc(p.out, func(o Chosen) bool { return provides(o.Bundle) }) {
			continue
		}
		why := fmt.Sprintf("required by %s: API %s", by, g)
		if !p.provide(c, why, func(*PackageModel) bool { return true }, provides) {
			fail(fmt.Errorf("%s requires the API %s, which no package of the catalogs given provides (looked in %s)", by, g, strings.Join(p.order(c.Catalog), ", ")))
		}
	}
}

// provide chooses, in the first catalog and package (by name) that has
// one, a bundle of the package's default channel that ok accepts: the
// channel's head when it does, else the highest version.
func (p *picker) provide(by Chosen, why string, pkgOK func(*PackageModel) bool, ok func(*Bundle) bool) bool {
	for _, ref := range p.order(by.Catalog) {
		cat := p.cats[ref]
		for _, name := range cat.PackageNames() {
			m := cat.Packages[name]
			if !pkgOK(m) {
				continue
			}
			ch, found := m.Channels[m.DefaultChannel]
			if !found {
				continue
			}
			if b := best(m, ch, ok); b != nil {
				p.add(Chosen{Catalog: ref, Package: m.Name, Channel: ch.Name, Bundle: b, Why: why, From: by.From})
				return true
			}
		}
	}
	return false
}

// best is the channel's head when ok accepts it, else the highest version
// of the channel's bundles that ok accepts, or nil.
func best(m *PackageModel, ch *Channel, ok func(*Bundle) bool) *Bundle {
	if head, err := Head(ch); err == nil {
		if b := m.Bundles[head]; b != nil && ok(b) {
			return b
		}
	}
	var top *Bundle
	for _, e := range ch.Entries {
		b := m.Bundles[e.Name]
		if b == nil || !ok(b) {
			continue
		}
		if top == nil || semver.NPM.Compare(b.Version(), top.Version()) > 0 {
			top = b
		}
	}
	return top
}

// names lists names for a message, at most twenty of them.
func names(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	if len(list) > 20 {
		return strings.Join(list[:20], ", ") + fmt.Sprintf(" and %d more", len(list)-20)
	}
	return strings.Join(list, ", ")
}
