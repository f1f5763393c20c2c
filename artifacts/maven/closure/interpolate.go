package closure

import (
	"fmt"
	"strings"
)

// interpolator expands ${…} in one effective model's values.
type interpolator struct {
	id    gav
	props map[string]string
}

func (s *session) interpolator(m *model, p *pom, props map[string]string, dir string) *interpolator {
	all := map[string]string{}
	// Maven's own and the JVM's properties that POMs use for versions.
	all["maven.version"] = s.mavenVersion
	all["java.version"] = s.r.jdk()
	all["java.specification.version"] = s.r.jdk()
	for k, v := range props {
		all[k] = v
	}
	set := func(k, v string) {
		if v == "" {
			return
		}
		all["project."+k] = v
		all["pom."+k] = v
		if _, ok := props[k]; !ok {
			all[k] = v // the deprecated bare form, which a property overrides
		}
	}
	set("groupId", m.id.g)
	set("artifactId", m.id.a)
	set("version", m.id.v)
	set("packaging", m.packaging)
	if p.Parent != nil {
		set("parent.groupId", p.Parent.GroupID)
		set("parent.artifactId", p.Parent.ArtifactID)
		set("parent.version", p.Parent.Version)
	}
	if dir != "" {
		all["project.basedir"] = dir
		all["basedir"] = dir
	}
	return &interpolator{id: m.id, props: all}
}

// maxExpansions bounds property references within one value.
const maxExpansions = 100

// expand replaces every ${name} in s. A name no property defines is an
// error naming the POM and where the value is used (as the end of "…
// in …").
func (ip *interpolator) expand(s, where string) (string, error) {
	return ip.expandDepth(s, where, 0)
}

func (ip *interpolator) expandDepth(s, where string, depth int) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	if depth > 20 {
		return "", fmt.Errorf("the POM of %s defines properties in terms of each other without end (in %s): check the repository", ip.id, where)
	}
	var b strings.Builder
	for n := 0; ; n++ {
		i := strings.Index(s, "${")
		if i < 0 || n > maxExpansions {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			break
		}
		name := s[i+2 : i+j]
		v, ok := ip.props[name]
		if !ok {
			return "", fmt.Errorf("the POM of %s uses ${%s} in %s, and neither it nor its parents define that property: Maven cannot build with it either; name the artifact with an explicit version instead", ip.id, name, where)
		}
		v, err := ip.expandDepth(v, where, depth+1)
		if err != nil {
			return "", err
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+1:]
	}
	return b.String(), nil
}

// dep interpolates a dependency; a failure is kept with it, to count
// only if the dependency is used.
func (ip *interpolator) dep(d dependency) dep {
	out := dep{dependency: d}
	name := d.GroupID + ":" + d.ArtifactID
	fields := []*string{&out.GroupID, &out.ArtifactID, &out.Version, &out.Type, &out.Classifier, &out.Scope, &out.Optional}
	for _, f := range fields {
		v, err := ip.expand(*f, "its dependency "+name)
		if err != nil {
			out.err = err
			return out
		}
		*f = v
	}
	out.Exclusions = append([]exclusion(nil), d.Exclusions...)
	for i := range out.Exclusions {
		e := &out.Exclusions[i]
		var err error
		if e.GroupID, err = ip.expand(e.GroupID, "an exclusion of "+name); err != nil {
			out.err = err
			return out
		}
		if e.ArtifactID, err = ip.expand(e.ArtifactID, "an exclusion of "+name); err != nil {
			out.err = err
			return out
		}
	}
	return out
}

func (ip *interpolator) plugin(p plugin) (plugin, error) {
	var err error
	where := "its build plugin " + p.ArtifactID
	for _, f := range []*string{&p.GroupID, &p.ArtifactID, &p.Version, &p.Extensions} {
		if *f, err = ip.expand(*f, where); err != nil {
			return p, err
		}
	}
	deps := make([]dependency, 0, len(p.Dependencies))
	for _, d := range p.Dependencies {
		dd := ip.dep(d)
		if dd.err != nil {
			return p, dd.err
		}
		deps = append(deps, dd.dependency)
	}
	p.Dependencies = deps
	return p, nil
}
