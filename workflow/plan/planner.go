package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"ferry/artifacts/eksa"
	"ferry/artifacts/fault"
	"ferry/artifacts/progress"

	"golang.org/x/sync/errgroup"

	"ferry/artifacts/image"
	"ferry/artifacts/imagefs"
	"ferry/artifacts/maven"
	"ferry/artifacts/maven/closure"
	"ferry/artifacts/olm"
	"ferry/artifacts/release"
	"ferry/targets/catalog"
	"ferry/workflow/selection"
)

// CustomTarget is the catalog target used when only lists are given.
const CustomTarget = "custom"

// ErrIncomplete is returned with a Plan when some items could not be
// resolved; Plan.Errors says which and why.
var ErrIncomplete = errors.New("some items could not be resolved")

// ErrSelection marks a selection that does not fit the catalog.
var ErrSelection = errors.New("invalid selection")

// ImageResolver resolves an image reference for a set of architectures.
type ImageResolver interface {
	Resolve(ctx context.Context, ref string, archs []string) (*image.Resolved, error)
}

// MavenResolver resolves a Maven coordinate to its files.
type MavenResolver interface {
	Resolve(ctx context.Context, c maven.Coordinate) (maven.Artifact, error)
}

// MavenFetcher reads POMs and maven-metadata.xml, for Maven closures;
// package maven's Resolver is one.
type MavenFetcher = closure.Fetcher

// MavenImageReader lists a folder inside an image, for the Maven
// repositories images hold.
type MavenImageReader interface {
	List(ctx context.Context, ref, arch, dir string) (*imagefs.Result, string, error)
}

// ReleaseReader lists the component images of an OpenShift release image.
type ReleaseReader interface {
	Components(ctx context.Context, ref string) ([]release.Component, error)
}

// SignatureReader fetches the signature of a release image from a
// signature store by the image's digest; package release's
// SignatureReader is one.
type SignatureReader interface {
	Signature(ctx context.Context, store, ref string) (*release.Signature, error)
}

// FileHasher fetches a file to learn its sha256 and size, for catalog
// files whose sha256 no source gives; package plainfile's Sizer is one.
type FileHasher interface {
	Hash(ctx context.Context, url string) (string, int64, error)
}

// BundlesReader lists the images, manifests and archives an EKS Anywhere
// Bundles manifest selects; package eksa's Reader is one.
type BundlesReader interface {
	Read(ctx context.Context, ref catalog.BundlesRef) (*eksa.Contents, error)
}

// FileSizer finds a plain file's size by URL.
type FileSizer interface {
	Size(ctx context.Context, url string) (int64, error)
}

// Planner resolves selections into plans.
type Planner struct {
	Catalog *catalog.Catalog
	Images  ImageResolver
	// Attachments, when set, finds what is attached to each image, carried
	// with it unless the selection says NoSignatures.
	Attachments AttachmentFinder
	Maven       MavenResolver
	// MavenFetch, when set, makes every listed Maven coordinate carry its
	// closure (dependencies, parents, BOMs, and the plugins of the phases
	// chosen) and lets a selection name Maven projects.
	MavenFetch MavenFetcher
	Files      FileSizer
	// Hashes computes the sha256 of catalog files given as
	// sha256: plan.
	Hashes FileHasher
	// Signatures fetches the release signatures modules name.
	Signatures SignatureReader
	// Releases reads release payloads for modules that name them.
	Releases ReleaseReader
	// Bundles reads EKS Anywhere Bundles manifests for modules that name them.
	Bundles BundlesReader
	// MavenImages reads the Maven repositories inside images that modules
	// name.
	MavenImages MavenImageReader
	// Operators reads the operator catalogs that modules and the
	// selection name.
	Operators CatalogReader
	// Concurrency bounds how many items resolve at once (default 8).
	Concurrency int
	// Progress, when set, receives a progress.StagePlan event as each item
	// finishes (Resolved, or Failed with Err saying why as one sentence;
	// Label is the item's kind: image, maven or file), one call at a time.
	Progress progress.Sink
}

// Plan resolves a selection. A selection that does not fit the catalog is
// an error with no plan. When items fail, the plan is returned with its
// Errors filled in and an error wrapping ErrIncomplete.
func (p *Planner) Plan(ctx context.Context, sel selection.Selection) (*Plan, error) {
	work, err := p.expand(sel)
	if err != nil {
		return nil, err
	}
	pl := &Plan{FormatVersion: FormatVersion, Selection: work.selected}

	conc := p.Concurrency
	if conc <= 0 {
		conc = 8
	}
	// Release payloads and Bundles manifests first: what they list joins
	// the items to resolve.
	if err := p.readDynamic(ctx, work, pl, conc); err != nil {
		return nil, err
	}
	if err := p.readOperators(ctx, work, pl, conc); err != nil {
		return nil, err
	}
	if err := p.closeMaven(ctx, work, sel, conc); err != nil {
		return nil, err
	}
	if err := p.readMavenImages(ctx, work, pl, conc); err != nil {
		return nil, err
	}
	total := len(work.images) + len(work.maven) + len(work.files) + len(pl.Errors)
	var mu sync.Mutex
	done := 0
	report := func(kind, item string, err error) {
		mu.Lock()
		defer mu.Unlock()
		done++
		if err != nil {
			pl.Errors = append(pl.Errors, Problem{Kind: kind, Item: item, Modules: work.modulesOf(kind, item), Message: err.Error(), Err: err})
		}
		state := progress.Resolved
		if err != nil {
			state = progress.Failed
		}
		p.Progress.Send(progress.Event{Stage: progress.StagePlan, Item: item, Label: kind, State: state, Err: err, ItemsDone: done, ItemsTotal: total})
	}

	images := make([]*Image, len(work.images))
	attached := make([][]Image, len(work.images))
	findAttached := p.Attachments != nil && !sel.NoSignatures
	mavens := make([]*Maven, len(work.maven))
	files := make([]*File, len(work.files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i, it := range work.images {
		g.Go(func() error {
			archs := work.selected.Archs
			if it.anyArch {
				archs = catalog.KnownArchs
			}
			r, found, err := p.resolveImage(gctx, it.name, archs, findAttached)
			if want, ok := work.pinned[it.name]; ok && err == nil && want != r.Digest {
				err = fmt.Errorf("%s resolves to %s but the Bundles manifest pins %s: the tag was moved upstream; use the manifest of the release you mean", it.name, r.Digest, want)
			}
			if err == nil {
				images[i] = &Image{Reference: it.name, Modules: it.modules, Digest: r.Digest, MediaType: r.MediaType,
					Platforms: r.Platforms, AvailablePlatforms: r.Available, Size: r.Size(), Blobs: r.Blobs, Why: it.why}
			}
			if err == nil {
				attached[i] = attachedImages(r, found, it.modules)
			}
			report("image", it.name, err)
			return ctx.Err()
		})
	}
	for i, it := range work.maven {
		g.Go(func() error {
			if it.err != nil {
				report("maven", it.name, it.err)
				return ctx.Err()
			}
			c, err := maven.ParseCoordinate(it.name)
			var a maven.Artifact
			if err == nil {
				if p.Maven == nil {
					err = fault.New(maven.ErrNoRepository, "no Maven repository is configured for %s: give one with %s", it.name, fault.Use(fault.MavenRepo))
				} else {
					a, err = p.Maven.Resolve(gctx, c)
				}
			}
			if err == nil {
				mavens[i] = &Maven{Coordinates: it.name, Modules: it.modules, Packaging: a.Packaging,
					Repository: a.Repository, Files: a.Files, Size: a.Size, Scope: it.scope, Why: it.why}
			}
			report("maven", it.name, err)
			return ctx.Err()
		})
	}
	for i, it := range work.files {
		g.Go(func() error {
			size, sum := it.file.Size, strings.ToLower(it.file.SHA256)
			var err error
			switch {
			case sum == catalog.SHA256AtPlan && p.Hashes == nil:
				err = fmt.Errorf("no file reader is configured to compute the sha256 of %s", it.file.URL)
			case sum == catalog.SHA256AtPlan:
				sum, size, err = p.Hashes.Hash(gctx, it.file.URL)
			case size == 0:
				size, err = p.Files.Size(gctx, it.file.URL)
			}
			if err == nil {
				files[i] = &File{Name: it.file.Name, URL: it.file.URL, SHA256: sum, Size: size, Modules: it.modules}
			}
			report("file", it.name, err)
			return ctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pl.Images = append(withAttached(images, attached), work.catalogs...)
	pl.Maven = append(compact(mavens), work.imageMaven...)
	pl.Files = compact(files)
	pl.Errors = append(pl.Errors, sameName(pl.Files)...)
	pl.Notes = work.notes
	slices.SortFunc(pl.Errors, func(a, b Problem) int {
		return strings.Compare(a.Kind+"\x00"+a.Item, b.Kind+"\x00"+b.Item)
	})
	pl.computeTotals()
	pl.Media = FitMedia(pl.Totals.Unique)
	if len(pl.Errors) > 0 {
		return pl, fmt.Errorf("%w: %d of %d items failed", ErrIncomplete, len(pl.Errors), total)
	}
	return pl, nil
}

// pickComponents carries the named components of a release; a name the
// release does not list is an error for the plan.
func (p *Planner) pickComponents(w *work, pl *Plan, r releaseWork, comps []release.Component) {
	var picked, missing []string
	for _, name := range r.only {
		i := slices.IndexFunc(comps, func(c release.Component) bool { return c.Name == name })
		if i < 0 {
			missing = append(missing, name)
			pl.Errors = append(pl.Errors, Problem{Kind: "release", Item: r.ref + " " + name, Modules: []string{r.module},
				Message: fmt.Sprintf("the release %s has no component %q: check the name against `oc adm release info %s`", r.ref, name, r.ref)})
			continue
		}
		picked = append(picked, name)
		w.add(&w.images, "image", comps[i].Image, r.module, catalog.File{})
	}
	text := fmt.Sprintf("picked %s from the %d components of %s (release-manifests/image-references)", orNone(picked), len(comps), r.ref)
	if len(missing) > 0 {
		text += fmt.Sprintf("; not found there, so not carried: %s", strings.Join(missing, ", "))
	}
	w.notes = append(w.notes, Note{Module: r.module, Text: text})
}

// orNone lists names, or says "none".
func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// readDynamic reads the release payloads and Bundles manifests the modules
// name, in parallel, then adds what they list in catalog order, so the
// plan does not depend on which answered first.
func (p *Planner) readDynamic(ctx context.Context, w *work, pl *Plan, conc int) error {
	type result struct {
		comps []release.Component
		eksa  *eksa.Contents
		err   error
	}
	rels := make([]result, len(w.releases))
	buns := make([]result, len(w.bundles))
	sigs := make([]*release.Signature, len(w.signatures))
	sigErrs := make([]error, len(w.signatures))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i, r := range w.releases {
		g.Go(func() error {
			if p.Releases == nil {
				rels[i].err = fmt.Errorf("no release reader is configured to read %s", r.ref)
				return nil
			}
			rels[i].comps, rels[i].err = p.Releases.Components(gctx, r.ref)
			return nil
		})
	}
	for i, b := range w.bundles {
		g.Go(func() error {
			if p.Bundles == nil {
				buns[i].err = fmt.Errorf("no Bundles reader is configured to read %s", b.ref.URL)
				return nil
			}
			buns[i].eksa, buns[i].err = p.Bundles.Read(gctx, b.ref)
			return nil
		})
	}
	for i, sw := range w.signatures {
		g.Go(func() error {
			if p.Signatures == nil {
				sigErrs[i] = fmt.Errorf("no signature reader is configured to fetch the signature of %s", sw.ref)
				return nil
			}
			sigs[i], sigErrs[i] = p.Signatures.Signature(gctx, sw.store, sw.ref)
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, r := range w.releases {
		res := rels[i]
		if res.err != nil {
			pl.Errors = append(pl.Errors, Problem{Kind: "release", Item: r.ref, Modules: []string{r.module}, Message: res.err.Error(), Err: res.err})
			continue
		}
		if r.only != nil {
			p.pickComponents(w, pl, r, res.comps)
			continue
		}
		w.add(&w.images, "image", r.ref, r.module, catalog.File{})
		for _, c := range res.comps {
			w.add(&w.images, "image", c.Image, r.module, catalog.File{})
		}
		w.notes = append(w.notes, Note{Module: r.module, Text: fmt.Sprintf("read %d component images from %s (release-manifests/image-references)", len(res.comps), r.ref)})
	}
	p.addSignatures(w, pl, sigs, sigErrs)
	for i, b := range w.bundles {
		res := buns[i]
		if res.err != nil {
			pl.Errors = append(pl.Errors, Problem{Kind: "bundles", Item: b.ref.URL, Modules: []string{b.module}, Message: res.err.Error(), Err: res.err})
			continue
		}
		p.addBundles(w, b, res.eksa)
	}
	return nil
}

// addSignatures carries each signature read as a plain file, with a note
// naming the release and digest it signs. A release image that could not
// be read at all is reported once, by the release it belongs to.
func (p *Planner) addSignatures(w *work, pl *Plan, sigs []*release.Signature, errs []error) {
	failed := map[string]bool{}
	for _, e := range pl.Errors {
		if e.Kind == "release" {
			failed[e.Item] = true
		}
	}
	for i, sw := range w.signatures {
		if err := errs[i]; err != nil {
			if !failed[sw.ref] {
				pl.Errors = append(pl.Errors, Problem{Kind: "signature", Item: sw.ref, Modules: []string{sw.module}, Message: err.Error(), Err: err})
			}
			continue
		}
		s := sigs[i]
		w.add(&w.files, "file", s.URL, sw.module, catalog.File{URL: s.URL, SHA256: s.SHA256, Name: s.Name, Size: s.Size})
		w.notes = append(w.notes, Note{Module: sw.module, Text: fmt.Sprintf("carried the signature of %s (%s) from %s, for the cluster to verify the release offline", s.Release, s.Digest, s.URL)})
	}
}

// addBundles adds what a Bundles manifest lists for one module, with a
// note saying what was read and one for each placeholder section.
func (p *Planner) addBundles(w *work, b bundlesWork, c *eksa.Contents) {
	for _, im := range c.Images {
		w.add(&w.images, "image", im.URI, b.module, catalog.File{})
		if im.Digest != "" {
			w.pinned[im.URI] = im.Digest
		}
	}
	for _, list := range [][]eksa.File{c.Manifests, c.Archives} {
		for _, f := range list {
			w.add(&w.files, "file", f.URL, b.module, catalog.File{URL: f.URL, SHA256: f.SHA256, Name: f.Name, Size: f.Size})
		}
	}
	placeholderOnly := len(c.Placeholders) > 0 && len(c.Images) == 0 && len(c.Archives) == 0 && len(c.Manifests) <= 1
	if !placeholderOnly {
		text := fmt.Sprintf("read %s, %s and %s for Kubernetes %s from %s", count(len(c.Images), "image"), count(len(c.Manifests), "manifest"), count(len(c.Archives), "archive"), b.ref.KubeVersion, b.ref.URL)
		if c.EKSD != "" {
			text += fmt.Sprintf(" (%d of the images from the EKS-D release %s)", c.EKSDImages, c.EKSD)
		}
		w.notes = append(w.notes, Note{Module: b.module, Text: text})
	}
	for _, s := range c.Placeholders {
		w.notes = append(w.notes, Note{Module: b.module, Text: fmt.Sprintf("%s is only a placeholder in %s for Kubernetes %s (its URIs are %s): the release does not ship it, so nothing of it is carried", s, b.ref.URL, b.ref.KubeVersion, eksa.Placeholder)})
	}
}

// count says "1 image", "2 images".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func compact[T any](in []*T) []T {
	out := make([]T, 0, len(in))
	for _, v := range in {
		if v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// item is one thing to resolve and the modules that need it.
type item struct {
	name    string
	modules []string
	file    catalog.File
	// why and scope say why a Maven artifact is carried.
	why, scope string
	// anyArch resolves an image for every architecture: an OLM bundle
	// image holds only manifests, is often built for one architecture, and
	// is unpacked on whatever the cluster runs.
	anyArch bool
	// err is why the item could not be expanded, reported as its failure.
	err error
}

type work struct {
	selected Selected
	images   []*item
	maven    []*item
	files    []*item
	notes    []Note
	releases []releaseWork
	// signatures are release images whose signatures to fetch.
	signatures []signatureWork
	bundles    []bundlesWork
	// mavenImages are Maven repositories inside images, and imageMaven
	// the artifacts read from them.
	mavenImages []mavenImageWork
	imageMaven  []Maven
	index       map[string]*item
	// pinned are digests a manifest expects a tag to resolve to.
	pinned map[string]string
	// operators are the OLM packages asked for, and catalogs the
	// filtered catalog images built for them.
	operators []operatorWish
	catalogs  []Image
}

type bundlesWork struct {
	ref    catalog.BundlesRef
	module string
}

type signatureWork struct {
	ref, store, module string
}

// releaseWork is a release image to read; only, when set, picks the
// components carried by name, without the release image itself.
type releaseWork struct {
	ref, module string
	only        []string
}

// add lists an item once, remembering every module that needs it.
func (w *work) add(list *[]*item, kind, name, module string, f catalog.File) {
	key := kind + "\x00" + name
	if it, ok := w.index[key]; ok {
		if !slices.Contains(it.modules, module) {
			it.modules = append(it.modules, module)
		}
		return
	}
	it := &item{name: name, modules: []string{module}, file: f}
	w.index[key] = it
	*list = append(*list, it)
}

func (w *work) modulesOf(kind, name string) []string {
	list := map[string][]*item{"image": w.images, "maven": w.maven, "file": w.files}[kind]
	for _, it := range list {
		if it.name == name {
			return it.modules
		}
	}
	return nil
}

// expand checks the selection against the catalog and lists the items to
// resolve, each once, with the modules that need it.
func (p *Planner) expand(sel selection.Selection) (*work, error) {
	name := sel.Target
	if name == "" {
		if len(sel.Images) == 0 && len(sel.Maven) == 0 && len(sel.Files) == 0 && len(sel.MavenProjects) == 0 && len(sel.Operators) == 0 {
			return nil, fault.New(ErrSelection, "choose a target with %s (see `ferry catalog list`) or bring your own lists with %s", fault.Use(fault.Target), fault.Use(fault.Lists))
		}
		name = CustomTarget
	}
	t, err := p.Catalog.Target(name)
	if err != nil {
		return nil, fault.Wrap(ErrSelection, err)
	}
	s, err := t.Select(catalog.Choice{Version: sel.Version, Archs: sel.Archs, Modules: sel.Modules})
	if err != nil {
		return nil, fault.Wrap(ErrSelection, err)
	}
	w := &work{selected: Selected{Target: t.Name, Title: t.Title, Version: s.Version, Archs: s.Archs}, index: map[string]*item{}, pinned: map[string]string{}}
	for _, m := range s.Modules {
		w.selected.Modules = append(w.selected.Modules, Module{Name: m, Title: t.Module(m).Title, Reason: s.Why[m]})
	}
	add := w.add
	for _, n := range s.Needs {
		for _, ref := range n.Images {
			add(&w.images, "image", ref, n.Module, catalog.File{})
		}
		for _, c := range n.Maven {
			add(&w.maven, "maven", c, n.Module, catalog.File{})
		}
		for _, f := range n.Files {
			add(&w.files, "file", f.URL, n.Module, f)
		}
		for _, r := range n.Releases {
			w.releases = append(w.releases, releaseWork{ref: r, module: n.Module})
		}
		for _, rc := range n.ReleaseComponents {
			w.releases = append(w.releases, releaseWork{ref: rc.Release, module: n.Module, only: rc.Components})
		}
		for _, rs := range n.Signatures {
			w.signatures = append(w.signatures, signatureWork{ref: rs.Release, store: rs.Store, module: n.Module})
		}
		for _, b := range n.Bundles {
			w.bundles = append(w.bundles, bundlesWork{ref: b, module: n.Module})
		}
		for _, mi := range n.MavenFromImages {
			w.mavenImages = append(w.mavenImages, mavenImageWork{src: mi, module: n.Module})
		}
		for _, o := range n.Operators {
			w.operators = append(w.operators, operatorWish{wish: olm.Wish{Catalog: o.Catalog, Package: o.Package, Channel: o.Channel, Versions: o.Versions}, module: n.Module})
		}
		if n.Notes != "" {
			w.notes = append(w.notes, Note{Module: n.Module, Text: strings.TrimSpace(n.Notes)})
		}
	}
	for _, ref := range sel.Images {
		add(&w.images, "image", ref, "", catalog.File{})
	}
	for _, c := range sel.Maven {
		add(&w.maven, "maven", c, "", catalog.File{})
	}
	for _, f := range sel.Files {
		add(&w.files, "file", f.URL, "", catalog.File{URL: f.URL, SHA256: f.SHA256, Name: f.Name})
	}
	for _, o := range sel.Operators {
		w.operators = append(w.operators, operatorWish{wish: o, module: ""})
	}
	return w, nil
}

// sameName finds files that would be carried under one name though they
// come from different addresses: the bundle could hold only one of them.
func sameName(files []File) []Problem {
	first := map[string]File{}
	var out []Problem
	for _, f := range files {
		g, ok := first[f.Name]
		if !ok {
			first[f.Name] = f
			continue
		}
		if g.URL != f.URL {
			out = append(out, Problem{Kind: "file", Item: f.URL, Modules: f.Modules,
				Message: fmt.Sprintf("%s and %s would both be carried as %s, and a bundle holds one file of a name: give one of them another name", g.URL, f.URL, f.Name)})
		}
	}
	return out
}
