package prepare

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"ferry/artifacts/bundle"
	"ferry/artifacts/download"
	"ferry/artifacts/fault"
	"ferry/artifacts/image"
	"ferry/artifacts/maven"
	"ferry/workflow/plan"
	"ferry/workflow/selection"
)

// Phases of a prepare run.
const (
	PhaseCheck    = "check"
	PhaseDownload = "download"
	PhaseWrite    = "write"
	PhaseDone     = "done"
)

// States of an item.
const (
	Queued      = "queued"
	Downloading = "downloading"
	Retrying    = "retrying"
	Verified    = "verified"
	Cached      = "cached"
	Failed      = "failed"
)

// Event reports progress. Overall figures never go backwards.
type Event struct {
	Phase string
	// Item is what the event is about (a digest, a Maven path, a file
	// name); Label says it for people.
	Item, Label string
	State       string
	Done, Size  int64
	Attempt     int
	Err         error
	// Overall progress of the phase.
	BytesDone, BytesTotal int64
	ItemsDone, ItemsTotal int
}

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
	// Progress receives events, one call at a time.
	Progress func(Event)
	// Space reads free space (StatSpace when nil); tests replace it.
	Space func(path string) (Space, error)
}

// work is one thing to fetch.
type work struct {
	kind   string // blob, manifest, maven, file
	key    string
	label  string
	size   int64
	ref    string       // image reference, for blobs and manifests
	repo   string       // Maven repository
	files  []maven.File // Maven files
	url    string
	sha256 string
	// from says where the writer takes an image blob: the cache's copy,
	// an earlier bundle, the cache once downloaded, or the registry.
	from string
}

// Where the writer takes a blob from.
const (
	fromCopy     = "copy"
	fromLocated  = "located"
	fromDownload = "download"
	fromStream   = "stream"
)

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

	// Free space, before the first byte.
	p.emit(Event{Phase: PhaseCheck})
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
	p.emit(Event{Phase: PhaseDone, BytesDone: idx.Size, BytesTotal: idx.Size})
	return res, nil
}

// blobSource says where the writer takes an image blob from: the cache's
// copy, an earlier bundle, a download into the cache (copies), or the
// registry. An earlier bundle about to be rewritten here does not count:
// its parts are compared and reused as they are, or replaced, and never
// read as another bundle.
func blobSource(cache *download.Cache, w *work, o Options, copies bool) string {
	if cache.HasBlob(w.key, w.size) {
		return fromCopy
	}
	if loc, ok := cache.Locate(w.key, w.size); ok && !inOwnParts(loc, o) {
		return fromLocated
	}
	if copies {
		return fromDownload
	}
	return fromStream
}

func inOwnParts(loc *download.Location, o Options) bool {
	abs, err := filepath.Abs(o.Output)
	if err != nil {
		return true
	}
	for _, s := range loc.Segments {
		if filepath.Dir(s.Path) == abs && strings.HasPrefix(filepath.Base(s.Path), o.Name+".part") {
			return true
		}
	}
	return false
}

// earlierParts is the size of the parts an earlier run of the same name
// left in the output: they are reused or replaced.
func earlierParts(dir, name string) int64 {
	var n int64
	files, _ := bundle.PartFiles(dir, name)
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			n += st.Size()
		}
	}
	return n
}

// DefaultName is target-version, or the target alone.
func DefaultName(pl *plan.Plan) string {
	if pl.Selection.Version == "" {
		return pl.Selection.Target
	}
	return pl.Selection.Target + "-" + pl.Selection.Version
}

func (p *Preparer) emit(e Event) {
	if p.Progress != nil {
		p.Progress(e)
	}
}

func (p *Preparer) missing(w *work) int64 {
	c := p.Downloader.Cache
	switch w.kind {
	case "blob", "manifest":
		return c.Missing(w.key, w.size)
	case "file":
		return c.Missing("sha256:"+strings.ToLower(w.sha256), w.size)
	}
	var n int64
	for _, f := range w.files {
		if st, err := os.Stat(c.MavenPath(f.Path)); err != nil || st.Size() != f.Size {
			n += f.Size
		}
	}
	return n
}

func (p *Preparer) spaces(output, cacheDir string) (Space, Space, error) {
	stat := p.Space
	if stat == nil {
		stat = StatSpace
	}
	os, err := stat(output)
	if err != nil {
		return Space{}, Space{}, err
	}
	cs, err := stat(cacheDir)
	if err != nil {
		return Space{}, Space{}, err
	}
	return os, cs, nil
}

func checkSpace(output, cacheDir string, os, cs Space, out, cacheNeed int64) error {
	// A file system that does not say how big it is cannot be checked.
	if os.Unknown {
		out = 0
		if os.Device == cs.Device {
			return nil
		}
	}
	if cs.Unknown {
		cacheNeed = 0
	}
	if os.Device == cs.Device {
		if need := out + cacheNeed; need > os.Free {
			return &SpaceError{Path: output, Need: need, Free: os.Free, What: "the bundle and the download cache together",
				Fixes: "free some space, use a larger medium, or put the cache elsewhere with --cache"}
		}
		return nil
	}
	if out > os.Free {
		return &SpaceError{Path: output, Need: out, Free: os.Free, What: "the bundle", Fixes: "use a larger medium or a smaller selection"}
	}
	if cacheNeed > cs.Free {
		return &SpaceError{Path: cacheDir, Need: cacheNeed, Free: cs.Free, What: "the download cache", Fixes: "free some space or put the cache elsewhere with --cache"}
	}
	return nil
}

// workList lists every unique thing to fetch, in the order to start them.
func workList(pl *plan.Plan) []*work {
	seen := map[string]bool{}
	var out []*work
	for _, im := range pl.Images {
		for _, b := range im.Blobs {
			if seen[b.Digest] {
				continue
			}
			seen[b.Digest] = true
			kind := "blob"
			if b.Kind == image.KindIndex || b.Kind == image.KindManifest {
				kind = "manifest"
			}
			out = append(out, &work{kind: kind, key: b.Digest, size: b.Size, ref: im.Reference,
				label: fmt.Sprintf("%s %s of %s", b.Kind, shortDigest(b.Digest), im.Reference)})
		}
	}
	fromImage := map[string]*work{}
	for _, m := range pl.Maven {
		if m.Image == nil {
			out = append(out, &work{kind: "maven", key: m.Coordinates, label: m.Coordinates, size: m.Size, repo: m.Repository, files: m.Files})
			continue
		}
		// One extraction per image folder, however many artifacts it holds.
		k := mavenKey(m)
		w, ok := fromImage[k]
		if !ok {
			w = &work{kind: "mavenimage", key: k, label: "Maven repository " + m.Image.Path + " of " + m.Image.Reference,
				ref: imageByDigest(m.Image), repo: m.Image.Path}
			fromImage[k] = w
			out = append(out, w)
		}
		w.files = append(w.files, m.Files...)
		w.size += m.Size
	}
	for _, f := range pl.Files {
		k := "file:" + strings.ToLower(f.SHA256)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, &work{kind: "file", key: k, label: f.Name, size: f.Size, url: f.URL, sha256: f.SHA256})
	}
	// Manifests and Maven files first: the bundle's manifest, its first
	// entry, needs them. Then the rest, biggest first, so long downloads
	// start early.
	first := func(w *work) bool { return w.kind == "manifest" || w.kind == "maven" || w.kind == "mavenimage" }
	sort.SliceStable(out, func(i, j int) bool {
		if first(out[i]) != first(out[j]) {
			return first(out[i])
		}
		return out[i].size > out[j].size
	})
	return out
}

// mavenKey names the download a Maven artifact's files come with.
func mavenKey(m plan.Maven) string {
	if m.Image != nil {
		return "mavenimage:" + imageByDigest(m.Image) + "\x00" + m.Image.Path
	}
	return m.Coordinates
}

// imageByDigest is the image a Maven repository was listed in, pinned to
// the manifest read at plan time.
func imageByDigest(mi *plan.MavenImage) string {
	repo, _, _ := strings.Cut(mi.Reference, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return repo + "@" + mi.Digest
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

// run downloads and writes at once.
func (p *Preparer) run(ctx context.Context, pl *plan.Plan, o Options, items []*work, res *Result) (bundle.Index, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(map[string]chan struct{}, len(items))
	for _, w := range items {
		ready[w.key] = make(chan struct{})
	}
	wait := func(key string) error {
		ch, ok := ready[key]
		if !ok {
			return fmt.Errorf("nothing downloads %s", key)
		}
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	tr := newTracker(p, items)
	var streamed []*work
	for _, w := range items {
		if w.from == fromStream {
			streamed = append(streamed, w)
		}
	}
	// The streamed blobs in the bundle's order, and as many ahead as
	// downloads run at once.
	sort.Slice(streamed, func(i, j int) bool { return streamed[i].key < streamed[j].key })
	st := newStreamer(ctx, p.Downloader, streamed, p.concurrency(), func(w *work, n int64, attempt int, err error) {
		state := Downloading
		if err != nil {
			state = Retrying
		}
		tr.update(w, "", n, state, attempt, err)
	})
	st.spill = func(w *work) error {
		before := p.missing(w)
		err := p.Downloader.Blob(ctx, w.ref, w.key, w.size, func(n int64, attempt int, err error) {
			state := Downloading
			if err != nil {
				state = Retrying
			}
			tr.update(w, "", n, state, attempt, err)
		})
		if err == nil {
			st.addFetched(before)
		}
		return err
	}
	defer st.stopAll()
	type written struct {
		idx bundle.Index
		err error
	}
	wdone := make(chan written, 1)
	go func() {
		idx, err := p.write(ctx, pl, o, items, wait, tr, st)
		wdone <- written{idx, err}
	}()
	derr := p.download(ctx, items, res, ready, tr)
	if derr != nil {
		cancel()
	}
	w := <-wdone
	res.Fetched += st.Fetched()
	switch {
	case derr != nil:
		return bundle.Index{}, derr
	case w.err != nil:
		return bundle.Index{}, w.err
	}
	return w.idx, nil
}

func (p *Preparer) concurrency() int {
	if p.Concurrency <= 0 {
		return 8
	}
	return p.Concurrency
}

// tracker turns what downloads report into events whose overall figures
// never go backwards.
type tracker struct {
	p         *Preparer
	mu        sync.Mutex
	done      map[string]int64
	bytesDone int64
	total     int64
	itemsDone int
	items     int
}

func newTracker(p *Preparer, items []*work) *tracker {
	t := &tracker{p: p, done: map[string]int64{}, items: len(items)}
	for _, w := range items {
		t.total += w.size
	}
	return t
}

// itemBytes is the bytes done of an item, over its parts (a Maven
// artifact has several files).
func (t *tracker) itemBytes(w *work) int64 {
	var n int64
	for k, v := range t.done {
		if strings.HasPrefix(k, w.key+"\x00") {
			n += v
		}
	}
	return n
}

// update records sub (a part of w, or "") at n bytes, only ever raised.
func (t *tracker) update(w *work, sub string, n int64, state string, attempt int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if state == Verified || state == Cached {
		// Finished: the item counts exactly its size.
		if cur := t.itemBytes(w); w.size > cur {
			t.bytesDone += w.size - cur
			t.done[w.key+"\x00"+sub] += w.size - cur
		}
	} else if k := w.key + "\x00" + sub; n > t.done[k] {
		t.bytesDone += n - t.done[k]
		t.done[k] = n
	}
	if state == Verified || state == Cached || state == Failed {
		t.itemsDone++
	}
	t.p.emit(Event{Phase: PhaseDownload, Item: w.key, Label: w.label, State: state, Done: t.itemBytes(w), Size: w.size,
		Attempt: attempt, Err: err, BytesDone: t.bytesDone, BytesTotal: t.total, ItemsDone: t.itemsDone, ItemsTotal: t.items})
}

// download fetches into the cache all but the blobs the writer streams or
// reads from an earlier bundle.
func (p *Preparer) download(ctx context.Context, items []*work, res *Result, ready map[string]chan struct{}, tr *tracker) error {
	for _, w := range items {
		tr.update(w, "", 0, Queued, 0, nil)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency())
	var fetched int64
	var fmu sync.Mutex
	for _, w := range items {
		if w.from == fromStream || w.from == fromLocated {
			continue
		}
		g.Go(func() error {
			before := p.missing(w)
			prog := func(sub string) download.Progress {
				return func(n int64, attempt int, err error) {
					state := Downloading
					if err != nil {
						state = Retrying
					}
					tr.update(w, sub, n, state, attempt, err)
				}
			}
			var err error
			switch w.kind {
			case "blob":
				err = p.Downloader.Blob(gctx, w.ref, w.key, w.size, prog(""))
			case "manifest":
				err = p.Downloader.Manifest(gctx, w.ref, w.key, w.size)
				if err == nil {
					tr.update(w, "", w.size, Downloading, 0, nil)
				}
			case "maven":
				err = p.Downloader.MavenFiles(gctx, w.repo, w.files, func(path string, n int64, attempt int, e error) {
					prog(path)(n, attempt, e)
				})
			case "file":
				err = p.Downloader.File(gctx, w.url, w.sha256, w.size, prog(""))
			case "mavenimage":
				err = p.extractMaven(gctx, w, prog(""))
			}
			if err != nil {
				tr.update(w, "", 0, Failed, 0, err)
				return err
			}
			state := Verified
			if before == 0 {
				state = Cached
			}
			fmu.Lock()
			fetched += before
			fmu.Unlock()
			tr.update(w, "", w.size, state, 0, nil)
			close(ready[w.key])
			return nil
		})
	}
	err := g.Wait()
	res.Fetched = fetched
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// EstimateSize is an upper bound of the bundle stream's size: every entry
// with its tar headers, padding and the end marker.
func EstimateSize(pl *plan.Plan) int64 {
	entry := func(n int64) int64 { return 2048 + (n+511)/512*512 }
	total := int64(1024) + entry(int64(4096+len(pl.Images)*512)) // index.json
	planJSON, _ := json.Marshal(pl)
	total += entry(int64(len(planJSON)) * 2)
	seen := map[string]bool{}
	lines := 0
	for _, im := range pl.Images {
		for _, b := range im.Blobs {
			if !seen[b.Digest] {
				seen[b.Digest] = true
				total += entry(b.Size)
				lines++
			}
		}
	}
	for _, m := range pl.Maven {
		for _, f := range m.Files {
			if !seen[f.Path] {
				seen[f.Path] = true
				total += entry(f.Size)
				lines++
			}
		}
	}
	for _, f := range pl.Files {
		total += entry(f.Size)
		lines++
	}
	total += entry(int64(lines+8)*200) + entry(64)
	return total
}

// write writes the bundle from the cache in the format's order, waiting
// for each entry's download.
func (p *Preparer) write(ctx context.Context, pl *plan.Plan, o Options, items []*work, wait func(key string) error, tr *tracker, st *streamer) (_ bundle.Index, err error) {
	// The manifest needs every image manifest and index (to list the
	// absent children of sparse indexes) and every Maven file's sha256.
	for _, im := range pl.Images {
		for _, b := range im.Blobs {
			if b.Kind == image.KindIndex || b.Kind == image.KindManifest {
				if err := wait(b.Digest); err != nil {
					return bundle.Index{}, err
				}
			}
		}
	}
	for _, mv := range pl.Maven {
		if err := wait(mavenKey(mv)); err != nil {
			return bundle.Index{}, err
		}
	}
	cache := p.Downloader.Cache
	mtime := o.ModTime
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	c, err := compose(pl, o, cache)
	if err != nil {
		return bundle.Index{}, err
	}
	layoutJSON, err := c.layout.LayoutIndex()
	if err != nil {
		return bundle.Index{}, err
	}

	w, err := bundle.Create(o.Output, o.Name, o.PartSize, mtime)
	if err != nil {
		return bundle.Index{}, err
	}
	defer func() {
		switch {
		case err == nil:
		case errors.Is(err, syscall.ENOSPC):
			// Nothing on a full medium is worth resuming from.
			w.Discard()
		default:
			// What was written stays for the next run to resume from.
			w.Abort()
		}
	}()
	total := EstimateSize(pl)
	var written int64
	wrote := func(path string, size int64) {
		written += size
		p.emit(Event{Phase: PhaseWrite, Item: path, BytesDone: written, BytesTotal: total})
	}
	add := func(path, src, key, want string) error {
		if key != "" {
			if err := wait(key); err != nil {
				return err
			}
		}
		size := fileSize(src)
		open, done := openFile(src)
		sum, err := w.AddFrom(path, size, open)
		done()
		if err != nil {
			return describeWrite(o.Output, err)
		}
		if want != "" && sum != want {
			// The cache copy went bad after it was verified (a power cut,
			// a failing disk): drop it so the next run fetches it again,
			// and end the bundle's stream before it.
			os.Remove(src)
			w.Cut(path)
			return fmt.Errorf("the cached copy of %s is damaged: it was removed from the cache; run prepare again to fetch it", path)
		}
		wrote(path, size)
		return nil
	}
	addBytes := func(path string, data []byte) error {
		if _, err := w.AddBytes(path, data); err != nil {
			return describeWrite(o.Output, err)
		}
		return nil
	}
	byKey := map[string]*work{}
	for _, it := range items {
		byKey[it.key] = it
	}
	// located are the blobs this bundle holds without a copy in the cache.
	var located []entry
	addBlob := func(b bundle.LayoutEntry) error {
		path, hex := b.Path, strings.TrimPrefix(b.Name, "sha256:")
		it := byKey[b.Name]
		if it == nil || it.kind != "blob" || it.from == fromCopy || it.from == fromDownload {
			return add(path, cache.BlobPath(b.Name), b.Name, hex)
		}
		if spilled, err := st.spilledWait(b.Name); spilled {
			// Downloaded into the cache while the writer waited on the
			// network.
			if err != nil {
				tr.update(it, "", 0, Failed, 0, err)
				return err
			}
			if err := add(path, cache.BlobPath(b.Name), "", hex); err != nil {
				return err
			}
			tr.update(it, "", b.Size, Verified, 0, nil)
			return nil
		}
		var loc *download.Location
		if it.from == fromLocated {
			loc, _ = cache.Locate(b.Name, b.Size)
		}
		var body io.ReadCloser
		sum, err := w.AddFrom(path, b.Size, func(offset int64) (io.Reader, error) {
			if loc != nil {
				if r, err := loc.Open(offset); err == nil {
					body = r
					return r, nil
				}
				loc = nil
			}
			body = st.open(b.Name, offset)
			return body, nil
		})
		if body != nil {
			body.Close()
		}
		if err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return ctx.Err()
			}
			var fe *fault.Error
			if errors.As(err, &fe) {
				return err
			}
			return describeWrite(o.Output, err)
		}
		if sum != hex {
			w.Cut(path)
			tr.update(it, "", 0, Failed, 0, nil)
			if loc != nil {
				cache.Forget(b.Name)
				return fmt.Errorf("the copy of %s in the earlier bundle at %s is damaged: the cache no longer points there; run prepare again to fetch it", path, filepath.Dir(loc.Segments[0].Path))
			}
			return p.Downloader.DigestMismatch(it.ref, b.Name, "sha256:"+sum)
		}
		state := Verified
		if loc != nil || it.from == fromLocated {
			state = Cached
		}
		tr.update(it, "", b.Size, state, 0, nil)
		located = append(located, entry{path, b.Size})
		wrote(path, b.Size)
		return nil
	}
	for _, e := range c.layout.Entries() {
		var err error
		switch e.Kind {
		case bundle.KindManifest:
			err = addBytes(e.Path, c.manifest)
		case bundle.KindBlob:
			err = addBlob(e)
		case bundle.KindLayoutIndex:
			err = addBytes(e.Path, layoutJSON)
		case bundle.KindOCILayout:
			err = addBytes(e.Path, bundle.OCILayout())
		case bundle.KindMaven:
			err = add(e.Path, cache.MavenPath(e.Name), c.maven[e.Name].key, c.maven[e.Name].sha256)
		case bundle.KindFile:
			err = add(e.Path, c.files[e.Name].src, c.files[e.Name].key, c.files[e.Name].sha256)
		case bundle.KindChecksums:
			// Close writes it, from what was added.
		}
		if err != nil {
			return bundle.Index{}, err
		}
	}
	var modules []string
	for _, md := range pl.Selection.Modules {
		modules = append(modules, md.Name)
	}
	idx, err := w.Close(bundle.Index{Target: pl.Selection.Target, Version: pl.Selection.Version, Archs: pl.Selection.Archs, Modules: modules})
	if err != nil {
		return bundle.Index{}, describeWrite(o.Output, err)
	}
	p.recordLocations(w, idx, o.Output, located)
	return idx, nil
}

// composed is what a bundle holds, laid out in the format's order, with
// its manifest and where each Maven and plain file comes from.
type composed struct {
	layout   *bundle.Layout
	manifest []byte
	maven    map[string]origin // by path in the Maven layout
	files    map[string]origin // by file name
}

// origin is where the writer takes a file from: a cache path, the
// download it waits for, and the sha256 it must have.
type origin struct{ src, key, sha256 string }

// compose lays out the bundle of a plan and writes its manifest, from the
// image manifests and indexes and the Maven files already in the cache.
func compose(pl *plan.Plan, o Options, cache *download.Cache) (*composed, error) {
	planJSON, err := json.Marshal(pl)
	if err != nil {
		return nil, err
	}
	m := bundle.Manifest{FormatVersion: bundle.FormatVersion, Kind: bundle.ManifestKind, Plan: planJSON,
		Images: []bundle.Image{}, Maven: []bundle.Entry{}, Files: []bundle.Entry{}}
	if o.Created != nil {
		m.Created = o.Created.UTC().Format(time.RFC3339)
	}
	c := &composed{layout: bundle.NewLayout(), maven: map[string]origin{}, files: map[string]origin{}}
	l := c.layout
	kinds := map[string]bundle.BlobKind{image.KindIndex: bundle.BlobIndex, image.KindManifest: bundle.BlobManifest}
	for _, im := range pl.Images {
		for _, b := range im.Blobs {
			l.AddBlob(b.Digest, b.Size, kinds[b.Kind])
		}
	}

	// The images, as index.json lists them, and which children of kept
	// indexes are absent.
	images := slices.Clone(pl.Images)
	sort.Slice(images, func(i, j int) bool { return images[i].Reference < images[j].Reference })
	for _, im := range images {
		var topSize int64
		for _, b := range im.Blobs {
			if b.Digest == im.Digest {
				topSize = b.Size
			}
		}
		l.AddImage(bundle.LayoutImage{Reference: im.Reference, Digest: im.Digest, MediaType: im.MediaType, Size: topSize})
		entry := bundle.Image{Reference: im.Reference, Digest: im.Digest, MediaType: im.MediaType, Size: im.Size, Platforms: im.Platforms}
		if b, ok := l.Blob(im.Digest); ok && b.Blob == bundle.BlobIndex {
			entry.Missing, err = absentChildren(cache.BlobPath(im.Digest), l)
			if err != nil {
				return nil, err
			}
		}
		m.Images = append(m.Images, entry)
	}

	// Maven and plain files, with their sha256 for the manifest.
	for _, mv := range pl.Maven {
		for _, f := range mv.Files {
			if _, ok := c.maven[f.Path]; !ok {
				c.maven[f.Path] = origin{key: mavenKey(mv)}
				l.AddMaven(f.Path)
			}
		}
	}
	for _, e := range l.Maven() {
		sum, n, err := sha256File(cache.MavenPath(e.Name))
		if err != nil {
			return nil, fmt.Errorf("the cache lost %s: run prepare again: %w", e.Path, err)
		}
		c.maven[e.Name] = origin{key: c.maven[e.Name].key, sha256: sum}
		m.Maven = append(m.Maven, bundle.Entry{Path: e.Path, Size: n, SHA256: sum})
	}
	for _, f := range pl.Files {
		if _, ok := c.files[f.Name]; ok {
			continue
		}
		sum := strings.ToLower(f.SHA256)
		c.files[f.Name] = origin{src: cache.BlobPath("sha256:" + sum), key: "file:" + sum, sha256: sum}
		l.AddFile(f.Name)
		m.Files = append(m.Files, bundle.Entry{Path: bundle.FilePath(f.Name), Size: f.Size, SHA256: sum})
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	if c.manifest, err = json.MarshalIndent(m, "", " "); err != nil {
		return nil, err
	}
	return c, nil
}

// recordLocations tells the cache where the bundle holds the blobs it has
// no copy of. A cache that cannot take them is no reason to fail a bundle
// that is written: the next prepare fetches those blobs again.
func (p *Preparer) recordLocations(w *bundle.Writer, idx bundle.Index, dir string, entries []entry) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		off, ok := w.ContentOffset(e.path)
		if !ok {
			continue
		}
		loc := download.Location{Size: e.size}
		for _, sp := range idx.Spans(off, e.size) {
			loc.Segments = append(loc.Segments, download.Segment{Path: filepath.Join(abs, idx.Parts[sp.Part].Name), Offset: sp.Offset, Size: sp.Size})
		}
		_ = p.Downloader.Cache.Record("sha256:"+e.path[strings.LastIndex(e.path, "/")+1:], loc)
	}
}

// entry is a bundle entry and its size.
type entry struct {
	path string
	size int64
}

// absentChildren lists the children of a kept index that are not carried.
func absentChildren(path string, carried *bundle.Layout) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the cache lost an image index: run prepare again: %w", err)
	}
	defer f.Close()
	idx, err := v1.ParseIndexManifest(f)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range idx.Manifests {
		if _, ok := carried.Blob(d.Digest.String()); !ok {
			out = append(out, d.Digest.String())
		}
	}
	sort.Strings(out)
	return out, nil
}

// fileSize is a cached file's size (0 when it is gone: the write then
// reports it short).
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// openFile opens a cached file from an offset, for Writer.AddFrom; done
// closes it.
func openFile(path string) (open func(int64) (io.Reader, error), done func()) {
	var f *os.File
	open = func(offset int64) (io.Reader, error) {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return nil, err
		}
		return f, nil
	}
	return open, func() {
		if f != nil {
			f.Close()
		}
	}
}

func sha256File(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("%x", h.Sum(nil)), n, nil
}

// describeWrite turns a write failure into a sentence; a full disk says so.
func describeWrite(dir string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return mediumFull{dir}
	}
	return fmt.Errorf("cannot write the bundle to %s: %w", dir, err)
}

// mediumFull is a write that found the medium full.
type mediumFull struct{ dir string }

func (e mediumFull) Error() string {
	return fmt.Sprintf("the medium at %s is full: nothing usable was left there; free space or use a larger medium and run again", e.dir)
}

func (e mediumFull) Unwrap() error { return syscall.ENOSPC }

// extras writes what travels beside the bundle: READ-ME-FIRST.txt, the
// answers file and ferry itself.
func (p *Preparer) extras(pl *plan.Plan, o Options, res *Result) error {
	res.ReadMe = filepath.Join(o.Output, "READ-ME-FIRST.txt")
	if err := os.WriteFile(res.ReadMe, []byte(readMe(pl, res.Index, o.Binary != "")), 0o644); err != nil {
		return describeWrite(o.Output, err)
	}
	if o.Answers != nil {
		res.Answers = filepath.Join(o.Output, o.Name+".answers.yaml")
		if err := selection.Save(res.Answers, *o.Answers); err != nil {
			return err
		}
	}
	if o.Binary != "" {
		res.Binary = filepath.Join(o.Output, "ferry")
		if err := copyExecutable(o.Binary, res.Binary); err != nil {
			return describeWrite(o.Output, err)
		}
	}
	return nil
}

func copyExecutable(src, dst string) error {
	if same, _ := sameFile(src, dst); same {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}
