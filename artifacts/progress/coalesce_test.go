package progress

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) sink(e Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }

func (r *recorder) got() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

func TestCoalescerLimitsByteUpdates(t *testing.T) {
	var r recorder
	c := Coalesce(r.sink, 50*time.Millisecond)
	start := time.Now()
	var n int64
	for time.Since(start) < 300*time.Millisecond {
		n++
		c.Send(Event{Stage: StageDownload, State: Downloading, BytesDone: n, BytesTotal: 1 << 40})
	}
	c.Close()
	got := r.got()
	// One every 50ms over 300ms, the first at once and the last on Close.
	assert.LessOrEqual(t, len(got), 9, "byte updates are limited")
	assert.GreaterOrEqual(t, len(got), 3)
	assert.Equal(t, n, got[len(got)-1].BytesDone, "the last event is delivered")
	for i := 1; i < len(got); i++ {
		assert.Greater(t, got[i].BytesDone, got[i-1].BytesDone, "in order, never backwards")
	}
}

func TestCoalescerKeepsEveryStateChange(t *testing.T) {
	var r recorder
	c := Coalesce(r.sink, time.Hour)
	boom := errors.New("boom")
	for i := range 100 {
		c.Send(Event{Item: "a", State: Downloading, BytesDone: int64(i)})
		c.Send(Event{Item: "a", State: Verified, ItemsDone: i + 1})
		c.Send(Event{Item: "b", State: Downloading, Err: boom, Attempt: i})
	}
	c.Close()
	var states, retries int
	for _, e := range r.got() {
		if e.State == Verified {
			states++
		}
		if e.Err != nil {
			retries++
		}
	}
	assert.Equal(t, 100, states)
	assert.Equal(t, 100, retries, "an update carrying an error is a change")
}

func TestCoalescerDeliversTheLastEventWithoutClose(t *testing.T) {
	var r recorder
	c := Coalesce(r.sink, 20*time.Millisecond)
	defer c.Close()
	c.Send(Event{State: Reading, BytesDone: 1})
	c.Send(Event{State: Reading, BytesDone: 2})
	c.Send(Event{State: Reading, BytesDone: 3})
	require.Eventually(t, func() bool {
		got := r.got()
		return len(got) > 0 && got[len(got)-1].BytesDone == 3
	}, time.Second, 5*time.Millisecond, "a held update arrives when the interval has passed")
	assert.Len(t, r.got(), 2, "the first at once, the last after the interval; the middle one is dropped")
}

func TestCoalescerHeldUpdateAndAChange(t *testing.T) {
	var r recorder
	c := Coalesce(r.sink, 20*time.Millisecond)
	c.Send(Event{Item: "a", State: Sending, BytesDone: 1})
	c.Send(Event{Item: "a", State: Sending, BytesDone: 2})
	c.Send(Event{Item: "a", State: Sent, BytesDone: 3})
	time.Sleep(60 * time.Millisecond)
	got := r.got()
	require.Len(t, got, 2)
	assert.Equal(t, Sent, got[1].State, "the change replaces its item's held update; nothing older arrives after it")

	c.Send(Event{Item: "b", State: Sending, BytesDone: 4})
	c.Send(Event{Item: "b", State: Sending, BytesDone: 5})
	c.Send(Event{Item: "c", State: Retrying, BytesDone: 5})
	time.Sleep(60 * time.Millisecond)
	c.Close()
	got = r.got()[2:]
	require.Len(t, got, 3)
	assert.Equal(t, []int64{4, 5, 5}, []int64{got[0].BytesDone, got[1].BytesDone, got[2].BytesDone}, "another item's held update goes first")
	assert.Equal(t, Retrying, got[2].State)
}

func TestNilSink(t *testing.T) {
	var s Sink
	s.Send(Event{}) // no panic
	c := Coalesce(nil, 0)
	c.Send(Event{State: Verified})
	c.Close()
}
