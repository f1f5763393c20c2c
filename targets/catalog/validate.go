package catalog

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"ferry/artifacts/maven"
	"ferry/artifacts/olm"
)

// KnownArchs are the architecture names a catalog may use, as Go and OCI
// platforms spell them.
var KnownArchs = []string{"amd64", "arm64", "ppc64le", "s390x", "arm", "386", "riscv64"}

var namePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// nonName is what a name cannot hold.
var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

var varPattern = regexp.MustCompile(`\$\{([^}]*)\}`)

func (t *Target) validate() error {
	if !namePattern.MatchString(t.Name) {
		return &Error{Line: t.Line, Msg: fmt.Sprintf("target name %q must be lower-case letters, digits and dashes", t.Name)}
	}
	if strings.TrimSpace(t.Title) == "" {
		return &Error{Line: t.Line, Msg: fmt.Sprintf("target %q needs a title", t.Name)}
	}
	for _, a := range t.Archs {
		if !slices.Contains(KnownArchs, a) {
			return &Error{Line: t.Line, Msg: fmt.Sprintf("target %q names architecture %q; known ones are %s", t.Name, a, strings.Join(KnownArchs, ", "))}
		}
	}
	seenV := map[string]bool{}
	for _, v := range t.Versions {
		if strings.TrimSpace(v.Version) == "" {
			return &Error{Line: v.Line, Msg: "a version needs a version: string"}
		}
		if seenV[v.Version] {
			return &Error{Line: v.Line, Msg: fmt.Sprintf("version %q is listed twice", v.Version)}
		}
		seenV[v.Version] = true
	}
	seenM := map[string]bool{}
	for _, m := range t.Modules {
		if !namePattern.MatchString(m.Name) {
			return &Error{Line: m.Line, Msg: fmt.Sprintf("module name %q must be lower-case letters, digits and dashes", m.Name)}
		}
		if seenM[m.Name] {
			return &Error{Line: m.Line, Msg: fmt.Sprintf("module %q is defined twice", m.Name)}
		}
		seenM[m.Name] = true
	}
	for _, m := range t.Modules {
		for _, d := range m.DependsOn {
			if !seenM[d] {
				return &Error{Line: m.Line, Msg: fmt.Sprintf("module %q depends on %q, which the target does not define", m.Name, d)}
			}
		}
	}
	for _, m := range t.Modules {
		for _, b := range m.Bundles {
			for _, w := range b.With {
				if !seenM[w] {
					return &Error{Line: b.Line, Msg: fmt.Sprintf("a bundles entry of module %q is carried with %q, which the target does not define", m.Name, w)}
				}
			}
		}
	}
	for _, v := range t.Versions {
		for mod := range v.Modules {
			if !seenM[mod] {
				return &Error{Line: v.Line, Msg: fmt.Sprintf("version %q lists items for module %q, which the target does not define", v.Version, mod)}
			}
		}
	}
	// Expand every templated string for every version, so a bad reference
	// is found when the catalog is read, not in the middle of a plan.
	versions := t.VersionNames()
	if len(versions) == 0 {
		versions = []string{""}
	}
	for _, ver := range versions {
		for _, m := range t.Modules {
			needs, vars := t.needs(&m, ver)
			if err := needs.validate(vars); err != nil {
				return err
			}
		}
	}
	return nil
}

// needs returns what a module needs in a version, and the variables to
// expand it with.
func (t *Target) needs(m *Module, version string) (Needs, map[string]string) {
	vars := map[string]string{}
	for k, v := range t.Vars {
		vars[k] = v
	}
	needs := m.Needs
	if v := t.version(version); v != nil {
		for k, val := range v.Vars {
			vars[k] = val
		}
		if over, ok := v.Modules[m.Name]; ok {
			needs = Needs(over)
		}
	}
	if version != "" {
		vars["version"] = version
	}
	return needs, vars
}

// UnameArch is the kernel's name for an architecture (x86_64 for amd64), as
// OpenShift release tags use it.
func UnameArch(arch string) string {
	switch arch {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return arch
}

// archVars adds ${arch} and ${uarch} for one architecture.
func archVars(vars map[string]string, arch string) map[string]string {
	out := make(map[string]string, len(vars)+2)
	for k, v := range vars {
		out[k] = v
	}
	out["arch"], out["uarch"] = arch, UnameArch(arch)
	return out
}

func (n Needs) validate(vars map[string]string) error {
	for _, b := range n.Bundles {
		u, err := expand(Item{Value: b.URL, Line: b.Line}, vars)
		if err != nil {
			return err
		}
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return &Error{Line: b.Line, Msg: fmt.Sprintf("bundles url %q must be an http(s) URL", u)}
		}
		if b.KubeVersion == "" {
			return &Error{Line: b.Line, Msg: "a bundles entry needs kubeVersion: (for example \"1.28\")"}
		}
	}
	for _, it := range n.Releases {
		s, err := expand(it, archVars(vars, "amd64"))
		if err != nil {
			return err
		}
		if err := checkImageRef(s); err != nil {
			return &Error{Line: it.Line, Msg: err.Error()}
		}
	}
	for _, it := range n.Images {
		s, err := expand(it, vars)
		if err != nil {
			return err
		}
		if err := checkImageRef(s); err != nil {
			return &Error{Line: it.Line, Msg: err.Error()}
		}
	}
	for _, rc := range n.ReleaseComponents {
		s, err := expand(Item{Value: rc.Release, Line: rc.Line}, archVars(vars, "amd64"))
		if err != nil {
			return err
		}
		if err := checkImageRef(s); err != nil {
			return &Error{Line: rc.Line, Msg: err.Error()}
		}
		if len(rc.Components) == 0 {
			return &Error{Line: rc.Line, Msg: fmt.Sprintf("releaseComponents of %s names no components: list them, for example [rhel-coreos]", s)}
		}
	}
	for _, o := range n.Operators {
		s, err := expand(Item{Value: o.Catalog, Line: o.Line}, vars)
		if err != nil {
			return err
		}
		if err := checkImageRef(s); err != nil {
			return &Error{Line: o.Line, Msg: err.Error()}
		}
		if strings.TrimSpace(o.Package) == "" {
			return &Error{Line: o.Line, Msg: fmt.Sprintf("the operators entry for %s names no package: add package: NAME", s)}
		}
		if _, err := olm.VersionRange(o.Versions); err != nil {
			return &Error{Line: o.Line, Msg: fmt.Sprintf("the operators entry for %s %s: %v", s, o.Package, err)}
		}
	}
	for _, rs := range n.Signatures {
		s, err := expand(Item{Value: rs.Release, Line: rs.Line}, archVars(vars, "amd64"))
		if err != nil {
			return err
		}
		if err := checkImageRef(s); err != nil {
			return &Error{Line: rs.Line, Msg: err.Error()}
		}
		store, err := expand(Item{Value: rs.Store, Line: rs.Line}, vars)
		if err != nil {
			return err
		}
		if pu, err := url.Parse(store); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return &Error{Line: rs.Line, Msg: fmt.Sprintf("signature store %q of %s must be an http(s) URL", store, s)}
		}
	}
	for _, mi := range n.MavenFromImages {
		s, err := expand(Item{Value: mi.Image, Line: mi.Line}, vars)
		if err != nil {
			return err
		}
		if err := checkImageRef(s); err != nil {
			return &Error{Line: mi.Line, Msg: err.Error()}
		}
		if !strings.HasPrefix(mi.Path, "/") || strings.Contains(mi.Path, "..") {
			return &Error{Line: mi.Line, Msg: fmt.Sprintf("mavenFromImages path %q must be an absolute folder inside the image, such as /home/kogito/.m2/repository", mi.Path)}
		}
	}
	for _, it := range n.Maven {
		s, err := expand(it, vars)
		if err != nil {
			return err
		}
		if _, err := maven.ParseCoordinate(s); err != nil {
			return &Error{Line: it.Line, Msg: err.Error()}
		}
	}
	for _, f := range n.Files {
		u, err := expand(Item{Value: f.URL, Line: f.Line}, vars)
		if err != nil {
			return err
		}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return &Error{Line: f.Line, Msg: fmt.Sprintf("file url %q must be an http(s) URL", u)}
		}
		if b, err := hex.DecodeString(f.SHA256); f.SHA256 != SHA256AtPlan && (err != nil || len(b) != 32) {
			return &Error{Line: f.Line, Msg: fmt.Sprintf("file %s needs sha256: with 64 hex digits (or sha256: %s, when no source gives it, to record the sha256 of the file the plan fetches)", u, SHA256AtPlan)}
		}
		for _, a := range f.Archs {
			if !slices.Contains(KnownArchs, a) {
				return &Error{Line: f.Line, Msg: fmt.Sprintf("file %s names architecture %q; known ones are %s", u, a, strings.Join(KnownArchs, ", "))}
			}
		}
		if f.Size < 0 {
			return &Error{Line: f.Line, Msg: fmt.Sprintf("file %s has a negative size", u)}
		}
	}
	return nil
}

// checkImageRef accepts a fully qualified image reference: the registry host
// must be written out, since mirror configuration is keyed on it.
func checkImageRef(s string) error {
	ref, err := name.ParseReference(s)
	if err != nil {
		return fmt.Errorf("image %q is not a valid reference (%v)", s, err)
	}
	first, _, qualified := strings.Cut(s, "/")
	if !qualified || !strings.ContainsAny(first, ".:") && first != "localhost" {
		return fmt.Errorf("image %q must name its registry (for example docker.io/%s)", s, strings.TrimPrefix(ref.Context().RepositoryStr(), ""))
	}
	return nil
}

// expand replaces ${name} with vars[name]; an unknown name is an error at
// the item's line.
func expand(it Item, vars map[string]string) (string, error) {
	var bad string
	out := varPattern.ReplaceAllStringFunc(it.Value, func(m string) string {
		k := m[2 : len(m)-1]
		v, ok := vars[k]
		if !ok && bad == "" {
			bad = k
		}
		return v
	})
	if bad != "" {
		names := make([]string, 0, len(vars))
		for k := range vars {
			names = append(names, "${"+k+"}")
		}
		slices.Sort(names)
		return "", &Error{Line: it.Line, Msg: fmt.Sprintf("%q uses ${%s}, which is not defined (defined: %s)", it.Value, bad, strings.Join(names, ", "))}
	}
	return out, nil
}
