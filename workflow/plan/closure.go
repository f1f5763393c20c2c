package plan

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"ferry/artifacts/fault"
	"ferry/artifacts/maven"
	"ferry/artifacts/maven/closure"
	"ferry/workflow/selection"
)

// closeMaven replaces the listed Maven coordinates with their closures
// and adds the closures of the selection's Maven projects, each artifact
// with why it is there and the modules whose roots need it. A root whose
// closure cannot be worked out stays in the list carrying that failure.
func (p *Planner) closeMaven(ctx context.Context, w *work, sel selection.Selection, conc int) error {
	if p.MavenFetch == nil {
		for _, f := range sel.MavenProjects {
			w.maven = append(w.maven, &item{name: f, modules: []string{""}, err: fault.New(maven.ErrNoRepository, "no Maven repository is configured to resolve %s from: give one with %s", f, fault.Use(fault.MavenRepo))})
		}
		return nil
	}
	if sel.MavenVersion != "" {
		if _, err := closure.MavenLine(sel.MavenVersion); err != nil {
			return fault.Wrap(ErrSelection, err)
		}
	}
	for _, ph := range sel.MavenPhases {
		if !closure.IsPhase(ph) {
			return fault.New(ErrSelection, "%q is not a Maven lifecycle phase: give phases such as clean, package or install", ph)
		}
	}
	r := &closure.Resolver{Fetcher: p.MavenFetch, Scopes: sel.MavenScopes, MavenVersion: sel.MavenVersion,
		Phases: sel.MavenPhases, Concurrency: conc}

	type job struct {
		root    *item  // a listed coordinate, or nil
		project string // or a project file
		res     *closure.Result
		err     error
	}
	var jobs []*job
	if !sel.MavenDirectOnly {
		for _, it := range w.maven {
			jobs = append(jobs, &job{root: it})
		}
	}
	for _, f := range sel.MavenProjects {
		jobs = append(jobs, &job{project: f})
	}
	if len(jobs) == 0 {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, conc/4))
	for _, j := range jobs {
		g.Go(func() error {
			if j.root != nil {
				c, err := maven.ParseCoordinate(j.root.name)
				if err != nil {
					return nil // reported by the resolution that follows
				}
				j.res, j.err = r.Coordinates(gctx, []maven.Coordinate{c})
			} else {
				j.res, j.err = r.Project(gctx, j.project)
			}
			return ctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}

	// Merge in the order the roots were listed, so the plan does not
	// depend on which closure finished first.
	roots := w.maven
	w.maven = nil
	index := map[string]*item{}
	add := func(name string, modules []string, why, scope string) {
		if it, ok := index[name]; ok {
			for _, m := range modules {
				if !slices.Contains(it.modules, m) {
					it.modules = append(it.modules, m)
				}
			}
			return
		}
		it := &item{name: name, modules: slices.Clone(modules), why: why, scope: scope}
		index[name] = it
		w.maven = append(w.maven, it)
	}
	for _, it := range roots {
		add(it.name, it.modules, "listed", "")
	}
	added := 0
	for _, j := range jobs {
		modules := []string{""}
		name := j.project
		if j.root != nil {
			modules, name = j.root.modules, j.root.name
		}
		if j.err != nil {
			if j.root != nil {
				index[j.root.name].err = j.err
			} else {
				w.maven = append(w.maven, &item{name: j.project, modules: modules, err: j.err})
			}
			continue
		}
		if j.res == nil {
			continue
		}
		for _, a := range j.res.Artifacts {
			why := a.Why
			if why == "listed" {
				continue
			}
			if why == "direct dependency" && j.project != "" {
				why = "direct dependency of " + name
			}
			if _, ok := index[a.Coordinate.String()]; !ok {
				added++
			}
			add(a.Coordinate.String(), modules, why, a.Scope)
		}
	}
	if added > 0 {
		w.notes = append(w.notes, Note{Text: fmt.Sprintf("The Maven closure adds %d artifacts that the listed ones and projects need offline: dependencies, parent and BOM POMs, relocations and build plugins; each says why it is carried.", added)})
	}
	return nil
}
