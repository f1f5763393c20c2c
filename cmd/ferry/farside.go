package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/afero"

	"ferry/artifacts/bundle"
	"ferry/artifacts/bundleregistry"
	"ferry/artifacts/push"
	"ferry/targets/mirrorconfig"
	"ferry/themes"
	"ferry/tui/farside"
	"ferry/workflow/importer"
)

// farEngine is the far-side wizard's view of the workflow.
type farEngine struct {
	roots []string // where to look for bundles
}

func (e *farEngine) Find() []farside.Found {
	var out []farside.Found
	seen := map[string]bool{}
	for _, root := range e.roots {
		for _, pattern := range []string{"*.ferry.json", "*/*.ferry.json", "*/*/*.ferry.json", "*/*/*/*.ferry.json"} {
			matches, _ := filepath.Glob(filepath.Join(root, pattern))
			for _, m := range matches {
				dir := filepath.Dir(m)
				if seen[dir] {
					continue
				}
				if b, err := bundle.Open(m); err == nil {
					seen[dir] = true
					present := 0
					for _, p := range b.Index.Parts {
						if st, err := os.Stat(filepath.Join(b.Dir, p.Name)); err == nil && st.Size() == p.Size {
							present++
						}
					}
					out = append(out, farside.Found{Path: dir, Index: b.Index, Present: present})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func (e *farEngine) Open(path string) (*bundle.Bundle, error) { return bundle.Open(path) }

func (e *farEngine) Verify(ctx context.Context, b *bundle.Bundle, progress func(int64)) error {
	_, err := b.Verify(false, progress)
	return err
}

func (e *farEngine) dest(d farside.Destination) destination {
	out := destination{Registry: d.Registry, Username: d.Username, Password: d.Password, Insecure: d.Insecure, Concurrency: 4,
		MavenURL: d.MavenURL, MavenUser: d.MavenUser, MavenPassword: d.MavenPassword, MavenDir: d.MavenDir}
	if d.CAFile != "" {
		out.CAFiles = []string{d.CAFile}
	}
	return out
}

func (e *farEngine) Preflight(ctx context.Context, d farside.Destination) ([]push.Check, error) {
	im, err := e.dest(d).importer()
	if err != nil {
		return nil, err
	}
	return im.Preflight(ctx)
}

func (e *farEngine) Import(ctx context.Context, b *bundle.Bundle, d farside.Destination, progress func(push.Event)) (*importer.Report, error) {
	im, err := e.dest(d).importer()
	if err != nil {
		return nil, err
	}
	im.Progress = progress
	rep, err := im.Import(ctx, b)
	if rep != nil {
		// Beside the bundle when the medium is writable, else here.
		if _, werr := rep.Write(afero.NewOsFs(), filepath.Join(b.Dir, b.Index.Name+"-import-report")); werr != nil {
			wd, _ := os.Getwd()
			_, _ = rep.Write(afero.NewOsFs(), filepath.Join(wd, b.Index.Name+"-import-report"))
		}
	}
	return rep, err
}

func (e *farEngine) Configure(b *bundle.Bundle, d farside.Destination, platforms []string, dir string) ([]*mirrorconfig.Result, error) {
	m, err := b.ReadManifest()
	if err != nil {
		return nil, err
	}
	var refs []string
	var images []carried
	for _, im := range m.Images {
		refs = append(refs, im.Reference)
		images = append(images, carried{im.Reference, im.Digest})
	}
	var cas []string
	if d.CAFile != "" {
		cas = []string{d.CAFile}
	}
	in, err := mirrorInput(refs, images, b.Index.Name, d.Registry, false, d.Insecure, d.MavenURL, cas)
	if err != nil {
		return nil, err
	}
	var out []*mirrorconfig.Result
	for _, p := range platforms {
		r, err := mirrorconfig.Generate(p, in, mirrorconfig.Options{})
		if err != nil {
			return out, err
		}
		if err := mirrorconfig.Write(afero.NewOsFs(), dir, r); err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// runFarside opens the far-side wizard.
func runFarside(a *app, ctx context.Context, th themes.Theme, o farside.Options, in any) error {
	if o.ConfigDir == "" {
		wd, _ := os.Getwd()
		o.ConfigDir = filepath.Join(wd, "mirror-config")
	}
	m := farside.New(&farEngine{roots: []string{"/media", "/run/media", "/mnt"}}, th, o)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(a.stdout)}
	if r, ok := in.(interface{ Read([]byte) (int, error) }); ok {
		popts = append(popts, tea.WithInput(r))
	}
	if a.plain() {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(m, popts...).Run()
	if err != nil && !errorsIsKilled(err) {
		return err
	}
	return nil
}

func (e *farEngine) Serve(b *bundle.Bundle, listen string) (string, func() int64, func(), error) {
	reg, err := bundleregistry.New(b)
	if err != nil {
		return "", nil, nil, err
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		reg.Close()
		return "", nil, nil, fmt.Errorf("cannot listen on %s: %v", listen, err)
	}
	srv := &http.Server{Handler: reg, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(l) }()
	addr := l.Addr().String()
	if h, p, err := net.SplitHostPort(addr); err == nil && (h == "0.0.0.0" || h == "::") {
		if name, err := os.Hostname(); err == nil {
			addr = net.JoinHostPort(name, p)
		}
	}
	stop := func() { _ = srv.Close(); reg.Close() }
	return addr, reg.Pulls, stop, nil
}
