package closure

import (
	"context"
	"sort"
	"sync"
)

// onceMap computes a value per key once, for callers in any goroutine.
type onceMap struct {
	mu sync.Mutex
	m  map[string]*onceEntry
}

type onceEntry struct {
	done chan struct{}
	v    any
	err  error
}

func (o *onceMap) do(ctx context.Context, key string, f func() (any, error)) (any, error) {
	o.mu.Lock()
	if o.m == nil {
		o.m = map[string]*onceEntry{}
	}
	if e, ok := o.m[key]; ok {
		o.mu.Unlock()
		select {
		case <-e.done:
			return e.v, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e := &onceEntry{done: make(chan struct{})}
	o.m[key] = e
	o.mu.Unlock()
	e.v, e.err = f()
	close(e.done)
	return e.v, e.err
}

func (o *onceMap) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.m)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
