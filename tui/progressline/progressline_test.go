package progressline

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"

	events "ferry/artifacts/progress"
)

// lineRenderer renders in line mode to a buffer, width columns wide.
func lineRenderer(width int) (*Renderer, *bytes.Buffer) {
	var buf bytes.Buffer
	r := New(&buf, Line, func() int { return width }, func(string, ...any) {}, time.Hour)
	return r, &buf
}

func TestLiveLineNeverWiderThanTheTerminal(t *testing.T) {
	e := events.Event{Stage: events.StageDownload, State: events.Verified, Item: "sha256:x", Label: strings.Repeat("a very long label ", 10),
		BytesDone: 3 << 30, BytesTotal: 40 << 30, ItemsDone: 1234, ItemsTotal: 5678, Err: errors.New("x")}
	for _, width := range []int{1, 20, 40, 80, 200} {
		r, buf := lineRenderer(width)
		r.stage, r.start = events.StageDownload, time.Now().Add(-time.Minute)
		r.Sink()(e)
		r.Finish()
		for _, l := range strings.Split(buf.String(), "\r\x1b[2K") {
			assert.LessOrEqual(t, ansi.StringWidth(l), max(1, width-1), "width %d: %q", width, l)
		}
		if width == 200 {
			assert.Contains(t, buf.String(), "downloading")
			assert.Contains(t, buf.String(), "/s · ETA ")
			assert.Contains(t, buf.String(), "1234/5678 items")
		}
		if width == 40 {
			assert.Contains(t, buf.String(), "…", "cut, and says so")
		}
	}
}

func TestLiveLineShowsThePlanByItems(t *testing.T) {
	r, buf := lineRenderer(120)
	r.Sink()(events.Event{Stage: events.StagePlan, State: events.Resolved, Item: "x", ItemsDone: 5, ItemsTotal: 10})
	r.Finish()
	assert.Contains(t, buf.String(), "resolving")
	assert.Contains(t, buf.String(), " 50%")
	assert.True(t, strings.HasSuffix(buf.String(), "\r\x1b[2K"), "cleared at the end")
}
