package plan

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"ferry/artifacts/imagefs"
	"ferry/artifacts/maven"
	"ferry/artifacts/size"
	"ferry/targets/catalog"
)

type mavenImageWork struct {
	src    catalog.MavenImage
	module string
}

// readMavenImages lists the Maven repositories inside images that the
// modules name and turns each version folder into a Maven artifact read
// out of that image. The first architecture chosen picks the image of an
// index: a Maven repository is the same on every one. An artifact two
// images hold is carried once, from the first.
func (p *Planner) readMavenImages(ctx context.Context, w *work, pl *Plan, conc int) error {
	if len(w.mavenImages) == 0 {
		return nil
	}
	type result struct {
		res    *imagefs.Result
		digest string
		err    error
	}
	results := make([]result, len(w.mavenImages))
	arch := "amd64"
	if len(w.selected.Archs) > 0 {
		arch = w.selected.Archs[0]
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i, mi := range w.mavenImages {
		g.Go(func() error {
			if p.MavenImages == nil {
				results[i].err = fmt.Errorf("no image reader is configured to read %s", mi.src.Image)
				return nil
			}
			results[i].res, results[i].digest, results[i].err = p.MavenImages.List(gctx, mi.src.Image, arch, mi.src.Path)
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	byCoord := map[string]int{} // coordinate → index in w.imageMaven
	for i, mi := range w.mavenImages {
		r := results[i]
		if r.err != nil {
			pl.Errors = append(pl.Errors, Problem{Kind: "maven", Item: mi.src.Image + ":" + mi.src.Path, Modules: []string{mi.module}, Message: r.err.Error(), Err: r.err})
			continue
		}
		arts, skipped := mavenArtifacts(r.res.Files)
		src := &MavenImage{Reference: mi.src.Image, Digest: r.digest, Path: r.res.Dir}
		added := 0
		for _, a := range arts {
			if j, ok := byCoord[a.Coordinates]; ok {
				if m := &w.imageMaven[j]; !slices.Contains(m.Modules, mi.module) {
					m.Modules = append(m.Modules, mi.module)
				}
				continue
			}
			a.Modules = []string{mi.module}
			a.Image = src
			a.Why = "in the Maven repository at " + r.res.Dir + " of " + mi.src.Image
			byCoord[a.Coordinates] = len(w.imageMaven)
			w.imageMaven = append(w.imageMaven, a)
			added++
		}
		text := fmt.Sprintf("read %d Maven artifacts from %s in %s (%s of layers read)", added, r.res.Dir, mi.src.Image, size.Format(r.res.BytesRead))
		if skipped > 0 {
			text += fmt.Sprintf("; %d files of the local repository's own bookkeeping (_remote.repositories, maven-metadata-local.xml, …) are left out", skipped)
		}
		w.notes = append(w.notes, Note{Module: mi.module, Text: text})
	}
	return nil
}

// mavenArtifacts groups a repository folder's files by version folder,
// leaving out what only a local repository keeps (and anything outside a
// version folder, such as group-level metadata of the local repository).
func mavenArtifacts(files []imagefs.File) (arts []Maven, skipped int) {
	index := map[string]int{}
	for _, f := range files {
		if maven.LocalOnly(f.Path) {
			skipped++
			continue
		}
		c, err := maven.DirCoordinate(path.Dir(f.Path))
		if err != nil || !strings.HasPrefix(path.Base(f.Path), c.ArtifactID+"-") {
			skipped++
			continue
		}
		k := c.String()
		i, ok := index[k]
		if !ok {
			i = len(arts)
			index[k] = i
			arts = append(arts, Maven{Coordinates: k, Packaging: "pom"})
		}
		a := &arts[i]
		a.Files = append(a.Files, maven.File{Path: f.Path, Size: f.Size, SHA256: f.SHA256})
		a.Size += f.Size
		if ext := path.Ext(f.Path); ext != ".pom" && !slices.Contains(maven.Sidecars, ext) && ext != ".asc" {
			a.Packaging = strings.TrimPrefix(ext, ".")
		}
	}
	slices.SortFunc(arts, func(a, b Maven) int { return strings.Compare(a.Coordinates, b.Coordinates) })
	return arts, skipped
}
