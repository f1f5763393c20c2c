package catalog

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"ferry/artifacts/fault"
)

// Choice is what the engineer picked for a target. Empty Modules means the
// required modules plus those on by default.
type Choice struct {
	Version string
	Archs   []string
	Modules []string
}

// Selected is a choice checked against the target and expanded: every
// module that will be carried, and every item each one needs.
type Selected struct {
	Target  *Target
	Version string
	Archs   []string
	// Modules in catalog order: those chosen, the required ones and the
	// modules they depend on.
	Modules []string
	// Why says, for a module the engineer did not choose, why it is there.
	Why map[string]string
	// Needs lists what each module needs, in the order of Modules.
	Needs []ModuleNeeds
}

// ModuleNeeds is what one module needs, with templates expanded.
type ModuleNeeds struct {
	Module string
	Images []string
	// Releases are OpenShift release images, one per chosen architecture,
	// whose components the plan reads.
	Releases []string
	// ReleaseComponents pick components of release images, one entry per
	// chosen architecture.
	ReleaseComponents []ReleaseComponents
	// Signatures name release images, one per chosen architecture, whose
	// signatures are fetched from their stores.
	Signatures []ReleaseSignatures
	// Bundles are EKS Anywhere Bundles manifests to read, URLs expanded.
	Bundles []BundlesRef
	Maven   []string
	// MavenFromImages are Maven repositories inside images, image
	// references expanded.
	MavenFromImages []MavenImage
	Files           []File
	// Operators are OLM packages, catalog references expanded.
	Operators []Operator
	Notes     string
}

// Select checks a choice against the target and expands it.
func (t *Target) Select(c Choice) (*Selected, error) {
	version := c.Version
	switch {
	case len(t.Versions) == 0 && version != "":
		return nil, fault.New(ErrUnknown, "target %s has no versions; leave out %s", t.Name, fault.Use(fault.Version))
	case len(t.Versions) > 0 && version == "":
		version = t.Latest()
	case len(t.Versions) > 0 && t.version(version) == nil:
		return nil, fault.New(ErrUnknown, "%s has no version %q (versions: %s)", t.Name, version, strings.Join(t.VersionNames(), ", "))
	}
	if len(c.Archs) == 0 {
		return nil, fmt.Errorf("choose at least one architecture")
	}
	archs := slices.Clone(c.Archs)
	slices.Sort(archs)
	archs = slices.Compact(archs)
	for _, a := range archs {
		if len(t.Archs) > 0 && !slices.Contains(t.Archs, a) {
			return nil, fault.New(ErrUnknown, "%s is not built for %s (architectures: %s); choose one with %s", t.Name, a, strings.Join(t.Archs, ", "), fault.Use(fault.Arch))
		}
		if !slices.Contains(KnownArchs, a) {
			return nil, fault.New(ErrUnknown, "%q is not an architecture ferry knows (%s)", a, strings.Join(KnownArchs, ", "))
		}
	}

	want := map[string]bool{}
	why := map[string]string{}
	if len(c.Modules) == 0 {
		for _, m := range t.Modules {
			if m.Required || m.Default {
				want[m.Name] = true
			}
		}
	}
	for _, name := range c.Modules {
		if t.Module(name) == nil {
			return nil, fault.New(ErrUnknown, "%s has no module %q (modules: %s)", t.Name, name, strings.Join(t.ModuleNames(), ", "))
		}
		want[name] = true
	}
	for _, m := range t.Modules {
		if m.Required && !want[m.Name] {
			want[m.Name] = true
			why[m.Name] = "required"
		}
	}
	// Close over dependencies, recording the first module that asked.
	for changed := true; changed; {
		changed = false
		for _, m := range t.Modules {
			if !want[m.Name] {
				continue
			}
			for _, d := range m.DependsOn {
				if !want[d] {
					want[d] = true
					why[d] = "needed by " + m.Name
					changed = true
				}
			}
		}
	}

	s := &Selected{Target: t, Version: version, Archs: archs, Why: why}
	for i := range t.Modules {
		m := &t.Modules[i]
		if !want[m.Name] {
			continue
		}
		s.Modules = append(s.Modules, m.Name)
		needs, vars := t.needs(m, version)
		mn := ModuleNeeds{Module: m.Name, Notes: m.Notes}
		for _, it := range needs.Images {
			if len(it.Archs) > 0 && !slices.ContainsFunc(it.Archs, func(a string) bool { return slices.Contains(archs, a) }) {
				continue
			}
			v, err := expand(it, vars)
			if err != nil {
				return nil, err
			}
			mn.Images = append(mn.Images, v)
		}
		for _, it := range needs.Releases {
			for _, a := range archs {
				v, err := expand(it, archVars(vars, a))
				if err != nil {
					return nil, err
				}
				if !slices.Contains(mn.Releases, v) {
					mn.Releases = append(mn.Releases, v)
				}
			}
		}
		for _, rc := range needs.ReleaseComponents {
			for _, a := range archs {
				v, err := expand(Item{Value: rc.Release, Line: rc.Line}, archVars(vars, a))
				if err != nil {
					return nil, err
				}
				pick := rc
				pick.Release = v
				mn.ReleaseComponents = append(mn.ReleaseComponents, pick)
			}
		}
		for _, rs := range needs.Signatures {
			for _, a := range archs {
				v, err := expand(Item{Value: rs.Release, Line: rs.Line}, archVars(vars, a))
				if err != nil {
					return nil, err
				}
				store, err := expand(Item{Value: rs.Store, Line: rs.Line}, vars)
				if err != nil {
					return nil, err
				}
				pick := rs
				pick.Release, pick.Store = v, store
				mn.Signatures = append(mn.Signatures, pick)
			}
		}
		for _, b := range needs.Bundles {
			if !slices.ContainsFunc(b.With, func(w string) bool { return !want[w] }) {
				u, err := expand(Item{Value: b.URL, Line: b.Line}, vars)
				if err != nil {
					return nil, err
				}
				b.URL = u
				mn.Bundles = append(mn.Bundles, b)
			}
		}
		for _, it := range needs.Maven {
			v, err := expand(it, vars)
			if err != nil {
				return nil, err
			}
			mn.Maven = append(mn.Maven, v)
		}
		for _, mi := range needs.MavenFromImages {
			v, err := expand(Item{Value: mi.Image, Line: mi.Line}, vars)
			if err != nil {
				return nil, err
			}
			mi.Image = v
			mn.MavenFromImages = append(mn.MavenFromImages, mi)
		}
		for _, o := range needs.Operators {
			v, err := expand(Item{Value: o.Catalog, Line: o.Line}, vars)
			if err != nil {
				return nil, err
			}
			o.Catalog = v
			mn.Operators = append(mn.Operators, o)
		}
		for _, f := range needs.Files {
			if len(f.Archs) > 0 && !slices.ContainsFunc(f.Archs, func(a string) bool { return slices.Contains(archs, a) }) {
				continue
			}
			u, err := expand(Item{Value: f.URL, Line: f.Line}, vars)
			if err != nil {
				return nil, err
			}
			f.URL = u
			if f.Name == "" {
				f.Name = path.Base(u)
			}
			mn.Files = append(mn.Files, f)
		}
		s.Needs = append(s.Needs, mn)
	}
	return s, nil
}
