package closure

import (
	"strconv"
	"strings"
)

// activated gives p with its active profiles' properties, dependencies,
// management and build merged in. Profiles activate as on a Linux build
// machine with the chosen JDK and no -D properties; activeByDefault ones
// count only when no other profile of the same POM is active, as in
// Maven.
func (s *session) activated(p *pom) *pom {
	var active, byDefault []profile
	for _, pr := range p.Profiles {
		if on, explicit := s.active(pr.Activation); on {
			active = append(active, pr)
		} else if !explicit && strings.TrimSpace(pr.Activation.ActiveByDefault) == "true" {
			byDefault = append(byDefault, pr)
		}
	}
	if len(active) == 0 {
		active = byDefault
	}
	if len(active) == 0 {
		return p
	}
	c := *p
	c.Properties = append(properties(nil), p.Properties...)
	c.Dependencies = append([]dependency(nil), p.Dependencies...)
	c.DependencyManagement.Dependencies = append([]dependency(nil), p.DependencyManagement.Dependencies...)
	c.Build.Plugins = append([]plugin(nil), p.Build.Plugins...)
	c.Build.PluginManagement.Plugins = append([]plugin(nil), p.Build.PluginManagement.Plugins...)
	for _, pr := range active {
		c.Properties = append(c.Properties, pr.Properties...)
		c.Dependencies = mergeDeps(c.Dependencies, pr.Dependencies)
		c.DependencyManagement.Dependencies = append(pr.DependencyManagement.Dependencies, c.DependencyManagement.Dependencies...)
		c.Build.Plugins = append(c.Build.Plugins, pr.Build.Plugins...)
		c.Build.PluginManagement.Plugins = append(c.Build.PluginManagement.Plugins, pr.Build.PluginManagement.Plugins...)
		c.Build.Extensions = append(c.Build.Extensions, pr.Build.Extensions...)
	}
	return &c
}

// active says whether an activation holds; explicit is false when it has
// no condition at all (only activeByDefault, or nothing).
func (s *session) active(a activation) (on, explicit bool) {
	on = true
	if jdk := strings.TrimSpace(a.JDK); jdk != "" {
		explicit = true
		on = on && jdkMatches(jdk, s.r.jdk())
	}
	if a.OS != nil {
		explicit = true
		on = on && osMatches(a.OS.Family, "unix", "linux") && osMatches(a.OS.Name, "linux") && osMatches(a.OS.Arch, "amd64", "x86_64")
	}
	if a.Property != nil {
		explicit = true
		name := strings.TrimSpace(a.Property.Name)
		// No -D properties are set: only "!name" holds.
		on = on && strings.HasPrefix(name, "!") && strings.TrimSpace(a.Property.Value) == ""
	}
	if a.File != nil {
		explicit = true
		// Files are the far side's to have; a "missing" test holds here.
		on = on && strings.TrimSpace(a.File.Missing) != "" && strings.TrimSpace(a.File.Exists) == ""
	}
	return on && explicit, explicit
}

func osMatches(want string, have ...string) bool {
	want = strings.ToLower(strings.TrimSpace(want))
	if want == "" {
		return true
	}
	neg := strings.HasPrefix(want, "!")
	want = strings.TrimPrefix(want, "!")
	hit := false
	for _, h := range have {
		if want == h {
			hit = true
		}
	}
	return hit != neg
}

// jdkMatches evaluates a profile's <jdk>: a prefix ("1.8", "17"), its
// negation ("!1.8"), or a range ("[1.8,)", "[11,17)").
func jdkMatches(spec, jdk string) bool {
	have := jdkMajor(jdk)
	if strings.HasPrefix(spec, "!") {
		return !jdkMatches(spec[1:], jdk)
	}
	if spec[0] == '[' || spec[0] == '(' {
		for _, r := range splitRanges(spec) {
			if inRange(r, have) {
				return true
			}
		}
		return false
	}
	return jdkMajor(spec) == have
}

func splitRanges(spec string) []string {
	var out []string
	for start := 0; start < len(spec); {
		end := strings.IndexAny(spec[start:], "])")
		if end < 0 {
			break
		}
		out = append(out, strings.Trim(spec[start:start+end+1], ", "))
		start += end + 1
	}
	return out
}

func inRange(r string, have int) bool {
	if len(r) < 2 {
		return false
	}
	lo, hi, ok := strings.Cut(r[1:len(r)-1], ",")
	if !ok {
		return jdkMajor(lo) == have
	}
	if lo = strings.TrimSpace(lo); lo != "" {
		l := jdkMajor(lo)
		if have < l || (have == l && r[0] == '(') {
			return false
		}
	}
	if hi = strings.TrimSpace(hi); hi != "" {
		h := jdkMajor(hi)
		if have > h || (have == h && r[len(r)-1] == ')') {
			return false
		}
	}
	return true
}

// jdkMajor reads "1.8", "1.8.0_292", "11", "17.0.2" as 8, 8, 11, 17.
func jdkMajor(v string) int {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "1.")
	end := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if end >= 0 {
		v = v[:end]
	}
	n, _ := strconv.Atoi(v)
	return n
}
