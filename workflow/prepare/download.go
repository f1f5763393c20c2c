package prepare

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"ferry/artifacts/bundle"
	"ferry/artifacts/progress"
	"ferry/workflow/plan"
)

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
		state := progress.Downloading
		if err != nil {
			state = progress.Retrying
		}
		tr.update(w, "", n, state, attempt, err)
	})
	st.spill = func(w *work) error {
		before := p.missing(w)
		err := p.Downloader.Blob(ctx, w.ref, w.key, w.size, tr.sink(w))
		if err == nil {
			st.addFetched(before)
		}
		return err
	}
	defer st.stopAll()
	if earlierParts(o.Output, o.Name) == 0 {
		// Nothing to resume from: the bundle's first blobs are known,
		// and their fetches start while the manifests come.
		st.prefetch()
	}
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

// tracker turns what downloads report into events whose overall figures
// never go backwards.
type tracker struct {
	p    *Preparer
	mu   sync.Mutex
	done map[part]int64 // bytes done of each part of an item
	// itemDone is the bytes done of each item, over its parts (a Maven
	// artifact has several files).
	itemDone  map[string]int64
	bytesDone int64
	total     int64
	itemsDone int
	items     int
}

// part is a part of an item: one of a Maven artifact's files, or "" for
// an item in one piece.
type part struct{ key, sub string }

func newTracker(p *Preparer, items []*work) *tracker {
	t := &tracker{p: p, done: map[part]int64{}, itemDone: map[string]int64{}, items: len(items)}
	for _, w := range items {
		t.total += w.size
	}
	return t
}

// update records sub (a part of w, or "") at n bytes, only ever raised.
// sink is where the downloads of w report: each event's Item, when it
// has one, is the part of w it is about (a Maven file).
func (t *tracker) sink(w *work) progress.Sink {
	return func(e progress.Event) { t.update(w, e.Item, e.ItemBytes, e.State, e.Attempt, e.Err) }
}

func (t *tracker) update(w *work, sub string, n int64, state string, attempt int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := part{w.key, sub}
	add := n - t.done[k]
	if state == progress.Verified || state == progress.Cached {
		// Finished: the item counts exactly its size.
		add = w.size - t.itemDone[w.key]
	}
	if add > 0 {
		t.bytesDone += add
		t.done[k] += add
		t.itemDone[w.key] += add
	}
	if state == progress.Verified || state == progress.Cached || state == progress.Failed {
		t.itemsDone++
	}
	t.p.emit(progress.Event{Stage: progress.StageDownload, Item: w.key, Label: w.label, State: state, ItemBytes: t.itemDone[w.key], ItemSize: w.size,
		Attempt: attempt, Err: err, BytesDone: t.bytesDone, BytesTotal: t.total, ItemsDone: t.itemsDone, ItemsTotal: t.items})
}

// download fetches into the cache all but the blobs the writer streams or
// reads from an earlier bundle.
func (p *Preparer) download(ctx context.Context, items []*work, res *Result, ready map[string]chan struct{}, tr *tracker) error {
	for _, w := range items {
		tr.update(w, "", 0, progress.Queued, 0, nil)
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
			report := tr.sink(w)
			var err error
			switch w.kind {
			case "blob":
				err = p.Downloader.Blob(gctx, w.ref, w.key, w.size, report)
			case "manifest":
				err = p.Downloader.Manifest(gctx, w.ref, w.key, w.size)
				if err == nil {
					tr.update(w, "", w.size, progress.Downloading, 0, nil)
				}
			case "maven":
				err = p.Downloader.MavenFiles(gctx, w.repo, w.files, report)
			case "file":
				err = p.Downloader.File(gctx, w.url, w.sha256, w.size, report)
			case "mavenimage":
				err = p.extractMaven(gctx, w, report)
			}
			if err != nil {
				tr.update(w, "", 0, progress.Failed, 0, err)
				return err
			}
			state := progress.Verified
			if before == 0 {
				state = progress.Cached
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
