package progress

import (
	"sync"
	"time"
)

// DefaultInterval lets about ten byte updates a second through.
const DefaultInterval = 100 * time.Millisecond

// Coalescer stands between an engine and a face. Every change of state
// passes at once; a byte update passes when the last delivery is at least
// the interval old, and otherwise waits, replaced by any later byte
// update, to be delivered when the interval has passed. A change of state
// about another item delivers what waits first, so every item's latest
// figures reach a screen listing items; one about the same item replaces
// it. So the last event always arrives, at most one interval late, and
// never after a later one. Deliveries are one at a time, in the order
// events were sent.
type Coalescer struct {
	out   Sink
	every time.Duration

	mu      sync.Mutex
	last    time.Time
	pending Event
	waiting bool
	timer   *time.Timer
	stopped bool
}

// Coalesce wraps out; every <= 0 means DefaultInterval.
func Coalesce(out Sink, every time.Duration) *Coalescer {
	if every <= 0 {
		every = DefaultInterval
	}
	return &Coalescer{out: out, every: every}
}

// Sink is the coalescer's input, for an engine.
func (c *Coalescer) Sink() Sink { return c.Send }

// Send delivers e now or holds it as described on Coalescer. After Close
// events are delivered at once.
func (c *Coalescer) Send(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.stopped || !e.ByteUpdate() || now.Sub(c.last) >= c.every {
		if c.waiting && (c.pending.Item != e.Item || c.pending.Stage != e.Stage) {
			c.deliver(c.pending, now)
		}
		c.waiting = false
		c.deliver(e, now)
		return
	}
	c.pending, c.waiting = e, true
	if c.timer == nil {
		c.timer = time.AfterFunc(c.every-now.Sub(c.last), c.fire)
	}
}

func (c *Coalescer) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timer = nil
	if !c.waiting || c.stopped {
		return
	}
	now := time.Now()
	if wait := c.every - now.Sub(c.last); wait > 0 {
		// Something was delivered since the timer was set.
		c.timer = time.AfterFunc(wait, c.fire)
		return
	}
	c.waiting = false
	c.deliver(c.pending, now)
}

func (c *Coalescer) deliver(e Event, now time.Time) {
	c.last = now
	c.out.Send(e)
}

// Close delivers what waits and stops the timer; events sent afterwards
// pass straight through. Call it when the operation returns, before
// rendering its result.
func (c *Coalescer) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if c.waiting {
		c.waiting = false
		c.deliver(c.pending, time.Now())
	}
	c.stopped = true
}
