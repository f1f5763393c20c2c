package prepare

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/spf13/afero"

	"ferry/artifacts/bundle"
	"ferry/artifacts/download"
	"ferry/artifacts/progress"
	"ferry/workflow/plan"
	"ferry/workflow/selection"
)

// Options say where and how to write the bundle.
type Options struct {
	// Output is the folder the bundle goes to.
	Output string
	// Name is the bundle's base name (default target-version).
	Name string
	// PartSize cuts the stream into parts of this size; 0 means one part.
	PartSize int64
	// ModTime stamps every entry; the zero value means the Unix epoch.
	ModTime time.Time
	// Created, when set, is recorded in the manifest (SOURCE_DATE_EPOCH).
	Created *time.Time
	// Binary is a ferry executable to put beside the bundle ("" for none).
	Binary string
	// Answers is saved beside the bundle, for --answers.
	Answers *selection.Selection
	// CacheCopies says whether image blobs also go into the cache.
	CacheCopies Copies
}

// Copies says when the cache keeps a copy of every image blob.
type Copies int

const (
	// CopiesAuto keeps copies when the cache and the output are on
	// different file systems: there the copy costs no time (a USB stick is
	// slower than the local disk) and outlives the stick. On one file
	// system every byte would be written twice, so the blobs are streamed
	// into the bundle and the cache records where the bundle holds them.
	CopiesAuto Copies = iota
	// CopiesAlways keeps a copy of every blob in the cache.
	CopiesAlways
	// CopiesNever streams blobs into the bundle and records where it
	// holds them.
	CopiesNever
)

// Result says what was written.
type Result struct {
	Dir     string
	Index   bundle.Index
	Fetched int64 // bytes downloaded in this run
	Reused  int64 // bytes already in the cache
	Elapsed time.Duration
	Answers string
	ReadMe  string
	Binary  string
}

// Preparer runs prepares.
type Preparer struct {
	Downloader *download.Downloader
	// Concurrency bounds parallel downloads (default 8).
	Concurrency int
	// Progress receives events, one call at a time: StageCheck, then
	// StageDownload (every item Queued, then Downloading or Retrying,
	// then Verified, Cached or Failed) overlapping with StageWrite (each
	// entry written), then StageDone. Overall figures never go backwards.
	Progress progress.Sink
	// Space reads free space (StatSpace when nil); tests replace it.
	Space func(path string) (Space, error)
	// Fs takes READ-ME-FIRST.txt and the answers file (the OS when nil).
	// The bundle's parts and the cache do not go through it: they need
	// direct I/O, fsync, statfs and ENOSPC from the OS itself.
	Fs afero.Fs
}

func (p *Preparer) fs() afero.Fs {
	if p.Fs == nil {
		return afero.NewOsFs()
	}
	return p.Fs
}

// Prepare downloads what the plan needs and writes the bundle.
func (p *Preparer) Prepare(ctx context.Context, pl *plan.Plan, o Options) (*Result, error) {
	start := time.Now()
	if len(pl.Errors) > 0 {
		return nil, fmt.Errorf("the plan has %d unresolved items: fix them (see `ferry plan`) before preparing a bundle", len(pl.Errors))
	}
	if o.Name == "" {
		o.Name = DefaultName(pl)
	}
	items := workList(pl)
	cache := p.Downloader.Cache
	if err := generatedHeld(pl, cache); err != nil {
		return nil, err
	}
	// Blobs the plan made (a filtered catalog's) are in no registry: the
	// cache holds them from the start, and every step after takes them as
	// it takes a blob downloaded earlier.
	for _, d := range slices.Sorted(maps.Keys(pl.Generated)) {
		if cache.HasBlob(d, int64(len(pl.Generated[d]))) {
			continue
		}
		if err := cache.PutBlob(d, pl.Generated[d]); err != nil {
			return nil, fmt.Errorf("cannot put the generated blob %s into the cache %s: %w", d, cache.Dir, err)
		}
	}

	// Free space, before the first byte.
	p.emit(progress.Event{Stage: progress.StageCheck})
	outSpace, cacheSpace, err := p.spaces(o.Output, cache.Dir)
	if err != nil {
		return nil, err
	}
	copies := o.CacheCopies == CopiesAlways || (o.CacheCopies == CopiesAuto && outSpace.Device != cacheSpace.Device)
	var missing int64
	for _, w := range items {
		if w.kind == "blob" {
			w.from = blobSource(cache, w, o, copies)
			if w.from != fromDownload {
				// Held already, or streamed into the bundle: the cache
				// needs no room for it.
				continue
			}
		}
		missing += p.missing(w)
	}
	out := EstimateSize(pl) - earlierParts(o.Output, o.Name)
	if o.Binary != "" {
		if st, err := os.Stat(o.Binary); err == nil {
			out += st.Size()
		}
	}
	if err := checkSpace(o.Output, cache.Dir, outSpace, cacheSpace, out, missing); err != nil {
		return nil, err
	}

	// Download and write at once: the writer takes each entry, in the
	// bundle's order, as soon as its download is verified, or streams it.
	res := &Result{Dir: o.Output}
	idx, err := p.run(ctx, pl, o, items, res)
	if err != nil {
		return nil, err
	}
	res.Index = idx
	var total int64
	for _, w := range items {
		total += w.size
	}
	res.Reused = max(0, total-res.Fetched)
	if err := p.extras(pl, o, res); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	p.emit(progress.Event{Stage: progress.StageDone, BytesDone: idx.Size, BytesTotal: idx.Size})
	return res, nil
}

// DefaultName is target-version, or the target alone.
func DefaultName(pl *plan.Plan) string {
	if pl.Selection.Version == "" {
		return pl.Selection.Target
	}
	return pl.Selection.Target + "-" + pl.Selection.Version
}

func (p *Preparer) emit(e progress.Event) { p.Progress.Send(e) }

func (p *Preparer) concurrency() int {
	if p.Concurrency <= 0 {
		return 8
	}
	return p.Concurrency
}

// generatedHeld checks that every filtered catalog the plan carries was
// made by this plan, or by an earlier prepare into the same cache: it is
// made at plan time and is in no registry, and a plan read back from JSON
// does not hold it.
func generatedHeld(pl *plan.Plan, cache *download.Cache) error {
	for _, oc := range pl.Operators {
		if _, ok := pl.Generated[oc.Digest]; ok {
			continue
		}
		if cache != nil && cache.HasBlob(oc.Digest, -1) {
			continue
		}
		return fmt.Errorf("the plan carries a filtered copy of the catalog %s (%s), which is made when the selection is planned and is not kept in a plan read back from JSON: plan the selection again and prepare that plan", oc.Catalog, oc.Digest)
	}
	return nil
}
