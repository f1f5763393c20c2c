// Package progress draws the progress of long work the same way on both
// sides of the gap: a bar with its percentage, and a line of bytes done
// of the total, with the rate and the time left once they mean something.
// The screens read the engine's events (package artifacts/progress, here
// named events) on a timer, through Latest.
package progress

import (
	"fmt"
	"strings"
	"sync"
	"time"

	events "ferry/artifacts/progress"
	"ferry/artifacts/size"
	"ferry/themes"
)

// Bar draws done of total as a bar of width cells (at least 10) followed
// by the percentage.
func Bar(th themes.Theme, done, total int64, width int) string {
	width = max(10, width)
	pct := 0.0
	if total > 0 {
		pct = min(1, max(0, float64(done)/float64(total)))
	}
	n := int(pct * float64(width))
	return th.Accent.Render(strings.Repeat("█", n)) + th.Subtle.Render(strings.Repeat("░", width-n)) + fmt.Sprintf(" %3.0f%%", pct*100)
}

// Bytes says "done of total", and, once more than half a second has
// passed since started (zero: never), the rate and the time left.
func Bytes(done, total int64, started time.Time) string {
	rate, eta := "", ""
	if !started.IsZero() {
		el := time.Since(started).Seconds()
		if el > 0.5 && done > 0 {
			bps := float64(done) / el
			rate = " · " + size.Format(int64(bps)) + "/s"
			if total > done {
				eta = " · about " + time.Duration(float64(total-done)/bps*float64(time.Second)).Round(time.Second).String() + " left"
			}
		}
	}
	return fmt.Sprintf("%s of %s%s%s", size.Format(done), size.Format(total), rate, eta)
}

// Latest keeps the last event a worker reported, for a screen that reads
// it on a timer. Feed it through a events.Coalescer so that the worker
// never contends with the screen more than a few times a second.
type Latest struct {
	mu sync.Mutex
	e  events.Event
}

// Record keeps e; it is an events.Sink.
func (l *Latest) Record(e events.Event) {
	l.mu.Lock()
	l.e = e
	l.mu.Unlock()
}

// Get is the last event recorded.
func (l *Latest) Get() events.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.e
}
