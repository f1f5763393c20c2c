package push

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"ferry/artifacts/bundle"
	"ferry/artifacts/progress"
)

// checkBase finds, with HEADs only, a repository at the registry holding
// each blob a delta bundle leaves out: one of those that need it, or else
// any repository the bundle loads into (to mount it from). One missing
// blob refuses the whole bundle before anything is sent.
func (p *Pusher) checkBase(ctx context.Context, m *bundle.Manifest, uses map[string]*blobUse, order []string) error {
	all := map[string]bool{}
	for _, u := range uses {
		for _, r := range u.repos {
			all[r] = true
		}
	}
	others := make([]string, 0, len(all))
	for r := range all {
		others = append(others, r)
	}
	sort.Strings(others)
	var omitted []*blobUse
	for _, d := range order {
		if u := uses[d]; m.Omits(d) {
			u.omitted = true
			omitted = append(omitted, u)
		}
	}
	var mu sync.Mutex
	var missing []string
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency())
	for _, u := range omitted {
		g.Go(func() error {
			from, err := p.holder(gctx, u, others)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			u.from = from
			if from == "" {
				missing = append(missing, u.digest)
			}
			done++
			p.Progress.Send(progress.Event{Stage: progress.StageImages, Item: u.digest, State: progress.Checked, ItemsDone: done, ItemsTotal: len(omitted)})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return &BaseMissingError{Registry: p.Registry, Missing: missing, Omitted: len(omitted), Base: *m.Base}
}

// holder is a repository holding u's blob: one that needs it first, then
// any of others; "" when none does.
func (p *Pusher) holder(ctx context.Context, u *blobUse, others []string) (string, error) {
	tried := map[string]bool{}
	for _, list := range [][]string{u.repos, others} {
		for _, repo := range list {
			if tried[repo] {
				continue
			}
			tried[repo] = true
			ok, err := p.Has(ctx, repo, u.digest, false)
			if err != nil {
				return "", err
			}
			if ok {
				return repo, nil
			}
		}
	}
	return "", nil
}

// BaseMissingError refuses a delta bundle whose base is not at the
// registry: it names the base bundle to load first.
type BaseMissingError struct {
	Registry string
	// Missing are the left-out blobs the registry lacks, sorted; Omitted
	// how many the bundle leaves out in all.
	Missing []string
	Omitted int
	Base    bundle.Base
}

func (e *BaseMissingError) Error() string {
	return fmt.Sprintf("%s lacks %d of the %d blobs this delta bundle leaves out (%s first), so nothing was loaded: load %s into it first, then this bundle",
		e.Registry, len(e.Missing), e.Omitted, short(e.Missing[0]), e.Base.Loads())
}

// Unwrap returns ErrBaseMissing.
func (e *BaseMissingError) Unwrap() error { return ErrBaseMissing }
