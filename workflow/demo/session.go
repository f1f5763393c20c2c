package demo

import (
	"context"
	"path/filepath"

	"ferry/targets/catalog"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
	"ferry/workflow/session"
)

// Options are the session options that reach the demo's embedded servers
// and nothing else, with the download cache under dir.
func (d *Demo) Options(dir string) session.Options {
	return session.Options{InsecureHosts: []string{d.Upstream}, Mirrors: d.Mirrors(), CacheDir: filepath.Join(dir, "cache"),
		MavenRepositories: []string{d.UpstreamMaven}}
}

// LoadCatalog is the demo's catalog, read with the extra catalog files
// given: it offers only the target the demo has content for, as any other
// would reach outside this machine.
func (d *Demo) LoadCatalog(extra []string) (*catalog.Catalog, error) {
	all, err := catalog.Load(append(extra, d.Catalog)...)
	if err != nil {
		return nil, err
	}
	return all.Only(Target), nil
}

// Session is a session on the demo's servers (Options), offering only the
// target the demo has content for (LoadCatalog), as ferry version says.
func (d *Demo) Session(extra []string, version string) (*session.Session, error) {
	cat, err := d.LoadCatalog(extra)
	if err != nil {
		return nil, err
	}
	o := d.Options(d.Dir)
	o.Version = version
	return session.New(o, cat)
}

// ReadyBundle writes the demo's bundle with its default answers (latest
// version, arch) into out and says where it is, for a trainer who starts
// on the far side.
func ReadyBundle(ctx context.Context, s *session.Session, arch, out string) (string, error) {
	t, err := s.Catalog().Target(Target)
	if err != nil {
		return "", err
	}
	sel := selection.Selection{Target: t.Name, Version: t.Latest(), Archs: []string{arch}}
	p, err := s.Plan(ctx, sel, nil)
	if err != nil {
		return "", err
	}
	if _, err := s.Prepare(ctx, p, prepare.Options{Output: out, Answers: &sel}, nil); err != nil {
		return "", err
	}
	return out, nil
}
