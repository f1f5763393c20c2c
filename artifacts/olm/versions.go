package olm

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"deps.dev/util/semver"
)

// VersionRange reads an OLM version range, as skipRange and
// olm.package.required write it: space-separated comparisons that must
// all hold (">=1.2.0 <1.4.0"), alternatives joined by "||". An empty
// range accepts every version. The error is a sentence.
func VersionRange(r string) (func(string) bool, error) {
	if strings.TrimSpace(r) == "" {
		return func(string) bool { return true }, nil
	}
	c, err := semver.NPM.ParseConstraint(r)
	if err != nil {
		return nil, fmt.Errorf("the version range %q cannot be read: write it as OLM does, for example \">=1.2.0 <1.4.0\"", r)
	}
	return func(v string) bool { return v != "" && c.Match(v) }, nil
}

// edges lists the entries an entry upgrades from: its replaces, then its
// skips, as the channel names them.
func edges(e Entry) []string {
	var out []string
	if e.Replaces != "" {
		out = append(out, e.Replaces)
	}
	return append(out, e.Skips...)
}

// InRange lists the entries of a channel whose bundle's version is in
// the range, in the channel's order. A range that matches nothing is an
// error naming the versions the channel has.
func InRange(m *PackageModel, ch *Channel, versions string) ([]string, error) {
	accept, err := VersionRange(versions)
	if err != nil {
		return nil, err
	}
	version := func(n string) string {
		if b := m.Bundles[n]; b != nil {
			return b.Version()
		}
		return ""
	}
	var in []string
	for _, e := range ch.Entries {
		if accept(version(e.Name)) {
			in = append(in, e.Name)
		}
	}
	if len(in) == 0 {
		var have []string
		for _, e := range ch.Entries {
			if v := version(e.Name); v != "" && !slices.Contains(have, v) {
				have = append(have, v)
			}
		}
		sort.Slice(have, func(i, j int) bool { return semver.NPM.Compare(have[i], have[j]) < 0 })
		return nil, fmt.Errorf("channel %s of package %s has no version in the range %s (it has %s)", ch.Name, ch.Package, versions, names(have))
	}
	return in, nil
}

// Span is what a channel keeps so that the entries in are still one
// upgrade graph with one head: in, and every entry on the shortest
// upgrade path (along replaces and skips) from the top to each of them.
// The top is the entry from which all of in are reached that reaches
// fewest entries, the nearest to them (one of in when it can be). It
// returns the names kept, in the channel's order, and those kept only
// for the graph.
func Span(ch *Channel, in []string) (kept, bridge []string, err error) {
	byName := map[string]Entry{}
	for _, e := range ch.Entries {
		byName[e.Name] = e
	}
	// parents maps each entry reached from one entry, by breadth-first
	// search along replaces and skips, to the entry it was reached from:
	// the shortest upgrade paths from it.
	parents := func(from string) map[string]string {
		out := map[string]string{from: ""}
		queue := []string{from}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			for _, next := range edges(byName[cur]) {
				if _, ok := byName[next]; !ok {
					continue
				}
				if _, seen := out[next]; seen {
					continue
				}
				out[next] = cur
				queue = append(queue, next)
			}
		}
		return out
	}
	top, reach := "", map[string]string(nil)
	for _, e := range ch.Entries {
		r := parents(e.Name)
		if !slices.ContainsFunc(in, func(n string) bool { _, ok := r[n]; return !ok }) {
			if top == "" || len(r) < len(reach) || (len(r) == len(reach) && slices.Contains(in, e.Name) && !slices.Contains(in, top)) {
				top, reach = e.Name, r
			}
		}
	}
	if top == "" {
		return nil, nil, fmt.Errorf("channel %s of package %s has no entry that upgrades from all of %s: carry a wider range of it", ch.Name, ch.Package, strings.Join(in, ", "))
	}
	keep := map[string]bool{}
	for _, n := range in {
		for p := n; p != "" && !keep[p]; p = reach[p] {
			keep[p] = true
		}
	}
	for _, e := range ch.Entries {
		if keep[e.Name] {
			kept = append(kept, e.Name)
			if !slices.Contains(in, e.Name) {
				bridge = append(bridge, e.Name)
			}
		}
	}
	return kept, bridge, nil
}

// Cut is the channel's entries that name one of keep, each upgrading
// only from kept entries: a replaces that names an entry not kept is
// dropped, except on the tail of the replaces chain, where it names the
// version a cluster may already run and OLM upgrades from (`opm
// validate` accepts the tail of a chain replacing an entry the catalog
// does not hold); skips and skipRange stay, as they name versions to
// upgrade from and never make a second head. dropped lists the entries
// whose replaces was dropped. The cut channel is checked as `opm
// validate` checks one.
func Cut(ch *Channel, keep []string) (entries []Entry, dropped []string, err error) {
	for _, e := range ch.Entries {
		if slices.Contains(keep, e.Name) {
			entries = append(entries, e)
		}
	}
	held := func(n string) bool { return slices.ContainsFunc(entries, func(e Entry) bool { return e.Name == n }) }
	tail := ""
	if head, err := Head(&Channel{Package: ch.Package, Name: ch.Name, Entries: entries}); err == nil {
		// Follow replaces through kept entries; the last one is the tail.
		tail = head
		for seen := map[string]bool{}; !seen[tail]; {
			seen[tail] = true
			i := slices.IndexFunc(entries, func(e Entry) bool { return e.Name == tail })
			if r := entries[i].Replaces; r != "" && held(r) {
				tail = r
			}
		}
	}
	for i, e := range entries {
		if e.Replaces != "" && !held(e.Replaces) && e.Name != tail {
			entries[i].Replaces = ""
			dropped = append(dropped, e.Name)
		}
	}
	if err := ValidChain(&Channel{Package: ch.Package, Name: ch.Name, Entries: entries}); err != nil {
		return nil, nil, err
	}
	return entries, dropped, nil
}

// ValidChain checks a channel as `opm validate` does: one head; from it,
// the replaces chain reaches every entry that no other entry skips,
// without a cycle; only the chain's tail replaces an entry the channel
// does not hold.
func ValidChain(ch *Channel) error {
	head, err := Head(ch)
	if err != nil {
		return err
	}
	byName := map[string]Entry{}
	skipped := map[string]bool{}
	for _, e := range ch.Entries {
		byName[e.Name] = e
		for _, s := range e.Skips {
			skipped[s] = true
		}
	}
	reached := map[string]bool{}
	for cur := head; cur != ""; {
		if reached[cur] {
			return fmt.Errorf("channel %s of package %s has a cycle in its replaces chain at %s", ch.Name, ch.Package, cur)
		}
		reached[cur] = true
		next := byName[cur].Replaces
		if _, ok := byName[next]; !ok {
			break
		}
		cur = next
	}
	var stranded []string
	for _, e := range ch.Entries {
		if !reached[e.Name] && !skipped[e.Name] {
			stranded = append(stranded, e.Name)
		}
	}
	if len(stranded) > 0 {
		sort.Strings(stranded)
		return fmt.Errorf("channel %s of package %s would strand %s: no upgrade reaches them from the head %s", ch.Name, ch.Package, strings.Join(stranded, ", "), head)
	}
	// The chain stops at the first replaces the channel lacks: that entry
	// is the tail. Any other entry naming one is dangling.
	for _, e := range ch.Entries {
		if _, ok := byName[e.Replaces]; e.Replaces != "" && !ok && !reached[e.Name] {
			return fmt.Errorf("channel %s of package %s: %s replaces %s, which the channel does not hold", ch.Name, ch.Package, e.Name, e.Replaces)
		}
	}
	return nil
}
