package plan

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"ferry/artifacts/olm"
	"ferry/targets/catalog"
)

// CatalogReader reads operator catalog images for a set of
// architectures; package olm's Reader is one.
type CatalogReader interface {
	Read(ctx context.Context, ref string, archs []string) (*olm.Source, error)
}

// operatorWish is an OLM package asked for and the module asking.
type operatorWish struct {
	wish   olm.Wish
	module string
}

// readOperators reads each catalog the wishes name once, picks the
// bundles (heads and what they require), adds their bundle and related
// images to the images to resolve, each with why, and builds each
// catalog's filtered copy, carried instead of the catalog.
func (p *Planner) readOperators(ctx context.Context, w *work, pl *Plan, conc int) error {
	if len(w.operators) == 0 {
		return nil
	}
	var refs []string
	modulesOf := map[string][]string{} // catalog or wish → modules
	for _, o := range w.operators {
		if !slices.Contains(refs, o.wish.Catalog) {
			refs = append(refs, o.wish.Catalog)
		}
		for _, k := range []string{o.wish.Catalog, o.wish.String()} {
			if !slices.Contains(modulesOf[k], o.module) {
				modulesOf[k] = append(modulesOf[k], o.module)
			}
		}
	}
	srcs := make([]*olm.Source, len(refs))
	errs := make([]error, len(refs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i, ref := range refs {
		g.Go(func() error {
			if p.Operators == nil {
				errs[i] = fmt.Errorf("no catalog reader is configured to read %s", ref)
				return nil
			}
			srcs[i], errs[i] = p.Operators.Read(gctx, ref, w.selected.Archs)
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	cats := map[string]*olm.Catalog{}
	for i, ref := range refs {
		if errs[i] != nil {
			pl.Errors = append(pl.Errors, Problem{Kind: "operator", Item: ref, Modules: modulesOf[ref], Message: errs[i].Error()})
			continue
		}
		cats[ref] = srcs[i].Catalog
	}
	var wishes []olm.Wish
	for _, o := range w.operators {
		if _, ok := cats[o.wish.Catalog]; ok && !slices.Contains(wishes, o.wish) {
			wishes = append(wishes, o.wish)
		}
	}
	chosen, perrs := olm.Pick(cats, wishes)
	for _, err := range perrs {
		item := ""
		var we *olm.WishError
		if errors.As(err, &we) {
			item = we.Wish.String()
		}
		pl.Errors = append(pl.Errors, Problem{Kind: "operator", Item: item, Modules: modulesOf[item], Message: err.Error()})
	}
	if len(perrs) > 0 {
		return nil
	}
	for _, c := range chosen {
		for _, m := range modulesOf[c.From.String()] {
			why := fmt.Sprintf("bundle %s of %s (channel %s), %s", c.Bundle.Name, c.Package, c.Channel, c.Why)
			if c.Bundle.Image != "" {
				w.addWhy(c.Bundle.Image, m, why)
				w.index["image\x00"+c.Bundle.Image].anyArch = true
			}
			for _, ri := range c.Bundle.RelatedImages {
				if ri.Image == "" {
					continue
				}
				label := ri.Name
				if label == "" {
					label = "(unnamed)"
				}
				w.addWhy(ri.Image, m, fmt.Sprintf("related image %s of bundle %s", label, c.Bundle.Name))
			}
		}
	}
	if pl.Generated == nil {
		pl.Generated = map[string][]byte{}
	}
	for i, ref := range refs {
		src := srcs[i]
		if src == nil {
			continue
		}
		var mine []olm.Chosen
		for _, c := range chosen {
			if c.Catalog == ref {
				mine = append(mine, c)
			}
		}
		if len(mine) == 0 {
			continue
		}
		built, err := olm.Build(src, mine)
		if err != nil {
			pl.Errors = append(pl.Errors, Problem{Kind: "operator", Item: ref, Modules: modulesOf[ref], Message: fmt.Sprintf("the filtered copy of %s cannot be built: %v", ref, err)})
			continue
		}
		maps.Copy(pl.Generated, built.Generated)
		oc := OperatorCatalog{Catalog: ref, SourceDigest: src.Digest, Digest: built.Digest, ConfigsDir: src.ConfigsDir, PackagesUpstream: len(src.Catalog.Packages)}
		var pkgs, mods []string
		for _, c := range mine {
			cm := modulesOf[c.From.String()]
			oc.Packages = append(oc.Packages, OperatorPackage{Name: c.Package, Channel: c.Channel, Bundle: c.Bundle.Name, Version: c.Bundle.Version(), Modules: cm, Why: c.Why})
			if !slices.Contains(pkgs, c.Package) {
				pkgs = append(pkgs, c.Package)
			}
			for _, m := range cm {
				if !slices.Contains(mods, m) {
					mods = append(mods, m)
				}
			}
		}
		pl.Operators = append(pl.Operators, oc)
		var kept []string
		for _, pk := range oc.Packages {
			kept = append(kept, fmt.Sprintf("%s %s (channel %s)", pk.Name, pk.Version, pk.Channel))
		}
		w.notes = append(w.notes, Note{Module: mods[0], Text: fmt.Sprintf("read the catalog %s (%d packages in %s); carried a copy filtered to %s", ref, len(src.Catalog.Packages), src.ConfigsDir, strings.Join(kept, ", "))})
		var size int64
		for _, b := range built.Blobs {
			size += b.Size
		}
		w.catalogs = append(w.catalogs, Image{Reference: ref, Modules: mods, Digest: built.Digest, MediaType: built.MediaType,
			Platforms: built.Platforms, AvailablePlatforms: built.Platforms, Size: size, Blobs: built.Blobs,
			Why: fmt.Sprintf("filtered catalog: %s of its %d packages", strings.Join(pkgs, ", "), len(src.Catalog.Packages))})
	}
	return nil
}

// addWhy lists an image once, like add, keeping the first reason given.
func (w *work) addWhy(ref, module, why string) {
	key := "image\x00" + ref
	if _, ok := w.index[key]; !ok {
		w.add(&w.images, "image", ref, module, catalog.File{})
		w.index[key].why = why
		return
	}
	w.add(&w.images, "image", ref, module, catalog.File{})
}
