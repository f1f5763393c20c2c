// Package progressline renders the engine's progress events for a plain
// command: one live line on a terminal, log lines otherwise, or JSON
// lines. The events pass through a coalescer: byte updates about ten a
// second, every change of state, and the last event always. It only
// writes; the command says which mode, where, and how wide the terminal is.
package progressline

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"

	events "ferry/artifacts/progress"
	"ferry/artifacts/size"
)

// The modes a Renderer writes in.
const (
	// Line is one live line, redrawn in place on a terminal.
	Line = "line"
	// Plain logs changes of state, one line each.
	Plain = "plain"
	// JSON writes every event as one JSON line (docs/progress.md).
	JSON = "json"
	// None shows nothing.
	None = "none"
)

// Renderer shows a command's progress events on w.
type Renderer struct {
	w    io.Writer
	mode string
	// width is the terminal's width, read at every line so that a resized
	// terminal never wraps it.
	width   func() int
	verbose func(format string, args ...any)
	c       *events.Coalescer

	mu          sync.Mutex
	stage       string
	start       time.Time
	lineShown   bool
	downloading bool
	tenths      int // plain mode: the last tenth of a byte-only stage logged
}

// New renders to w in mode (Line, Plain, JSON or None). width is the
// terminal's width in Line mode; verbose logs what only --verbose shows
// (the plan's items in Plain mode). every is the coalescer's interval for
// byte updates (0: its default).
func New(w io.Writer, mode string, width func() int, verbose func(format string, args ...any), every time.Duration) *Renderer {
	r := &Renderer{w: w, mode: mode, width: width, verbose: verbose, start: time.Now()}
	r.c = events.Coalesce(r.render, every)
	return r
}

// Sink is what the engine reports to; nil in None mode.
func (r *Renderer) Sink() events.Sink {
	if r.mode == None {
		return nil
	}
	return r.c.Send
}

// JSONEvent is one line of JSON mode; docs/progress.md documents it.
type JSONEvent struct {
	Stage      string `json:"stage"`
	Item       string `json:"item,omitempty"`
	Label      string `json:"label,omitempty"`
	State      string `json:"state,omitempty"`
	ItemBytes  int64  `json:"itemBytes,omitempty"`
	ItemSize   int64  `json:"itemSize,omitempty"`
	BytesDone  int64  `json:"bytesDone"`
	BytesTotal int64  `json:"bytesTotal"`
	ItemsDone  int    `json:"itemsDone,omitempty"`
	ItemsTotal int    `json:"itemsTotal,omitempty"`
	Attempt    int    `json:"attempt,omitempty"`
	Error      string `json:"error,omitempty"`
}

func (r *Renderer) render(e events.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.State == events.Queued {
		// Every item is queued at the start: thousands of lines that say
		// nothing the totals do not.
		return
	}
	// Downloads and the bundle write overlap; the live line follows the
	// downloads until they are done, then the write.
	if e.Stage == events.StageDownload {
		r.downloading = e.ItemsDone < e.ItemsTotal
	}
	if e.Stage == events.StageWrite && r.downloading && r.mode == Line {
		return
	}
	if e.Stage != r.stage {
		r.stage, r.start, r.tenths = e.Stage, time.Now(), 0
	}
	switch r.mode {
	case JSON:
		je := JSONEvent{Stage: e.Stage, Item: e.Item, Label: e.Label, State: e.State, ItemBytes: e.ItemBytes, ItemSize: e.ItemSize,
			BytesDone: e.BytesDone, BytesTotal: e.BytesTotal, ItemsDone: e.ItemsDone, ItemsTotal: e.ItemsTotal, Attempt: e.Attempt}
		if e.Err != nil {
			je.Error = e.Err.Error()
		}
		b, _ := json.Marshal(je)
		fmt.Fprintln(r.w, string(b))
	case Plain:
		r.plain(e)
	case Line:
		if e.Stage == events.StageServe {
			// Pulls are a log, not a progress: they stay on screen.
			r.clearLine()
			fmt.Fprintln(r.w, e.Name())
			return
		}
		fmt.Fprintf(r.w, "\r\x1b[2K%s", Fit(r.line(e), r.width()))
		r.lineShown = true
	}
}

// plain logs changes of state, one line each, and the tenths of a stage
// that only moves bytes.
func (r *Renderer) plain(e events.Event) {
	count := fmt.Sprintf("[%d/%d]", e.ItemsDone, e.ItemsTotal)
	switch {
	case e.Stage == events.StagePlan:
		// As before the event existed: the items resolved, with -v.
		if e.Err != nil {
			r.verbose("%s %s failed", count, e.Item)
		} else {
			r.verbose("%s %s", count, e.Item)
		}
	case e.State == events.Retrying:
		fmt.Fprintf(r.w, "retrying %s (attempt %d): %v\n", e.Name(), e.Attempt, e.Err)
	case e.Stage == events.StageDownload && (e.State == events.Verified || e.State == events.Cached || e.State == events.Failed):
		fmt.Fprintf(r.w, "%s %s %s (%s)\n", count, e.State, e.Name(), size.Format(e.ItemSize))
	case e.Stage == events.StageImages && e.State == events.Sent,
		e.Stage == events.StageMaven && (e.State == events.Uploaded || e.State == events.Skipped):
		fmt.Fprintf(r.w, "%s %s %s (%s of %s)\n", count, e.State, e.Name(), size.Format(e.BytesDone), size.Format(e.BytesTotal))
	case e.Stage == events.StageVerify && e.State == events.Checked:
		fmt.Fprintf(r.w, "%s checked %s (%s of %s)\n", count, e.Name(), size.Format(e.BytesDone), size.Format(e.BytesTotal))
	case e.Stage == events.StageVerify && e.State == events.Verified:
		fmt.Fprintf(r.w, "checked 100%% (%s of %s)\n", size.Format(e.BytesDone), size.Format(e.BytesTotal))
	case e.Stage == events.StageVerify && e.State == events.Reading && e.BytesTotal > 0:
		if t := int(10 * e.BytesDone / e.BytesTotal); t > r.tenths && t < 10 {
			r.tenths = t
			fmt.Fprintf(r.w, "checked %d%% (%s of %s)\n", 10*t, size.Format(e.BytesDone), size.Format(e.BytesTotal))
		}
	case e.Stage == events.StageServe:
		fmt.Fprintln(r.w, e.Name())
	}
}

// verbs name a stage on the live line.
func verb(stage string) string {
	switch stage {
	case events.StagePlan:
		return "resolving"
	case events.StageCheck:
		return "checking"
	case events.StageDownload:
		return "downloading"
	case events.StageWrite:
		return "writing"
	case events.StageVerify:
		return "verifying"
	case events.StageImages:
		return "pushing"
	case events.StageMaven:
		return "loading Maven"
	case events.StageDone:
		return "done"
	}
	return ""
}

// line is the one-line status: stage, bar, bytes, throughput, ETA, items.
// A stage without bytes (the plan) fills the bar with items.
func (r *Renderer) line(e events.Event) string {
	done, total := float64(e.BytesDone), float64(e.BytesTotal)
	if e.BytesTotal == 0 && e.ItemsTotal > 0 {
		done, total = float64(e.ItemsDone), float64(e.ItemsTotal)
	}
	pct := 0.0
	if total > 0 {
		pct = min(1, done/total)
	}
	const width = 24
	filled := int(pct * width)
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	s := fmt.Sprintf("%-13s %s %3.0f%%", verb(e.Stage), bar, pct*100)
	if e.BytesTotal > 0 {
		s += fmt.Sprintf(" %s / %s", size.Format(e.BytesDone), size.Format(e.BytesTotal))
		if el := time.Since(r.start).Seconds(); el > 0.5 && e.BytesDone > 0 {
			bps := float64(e.BytesDone) / el
			s += " · " + size.Format(int64(bps)) + "/s"
			if e.BytesTotal > e.BytesDone {
				s += " · ETA " + time.Duration(float64(e.BytesTotal-e.BytesDone)/bps*float64(time.Second)).Round(time.Second).String()
			}
		}
	}
	if e.ItemsTotal > 0 {
		s += fmt.Sprintf(" · %d/%d items", e.ItemsDone, e.ItemsTotal)
	}
	return s
}

// Fit cuts s to fit a terminal width columns wide, leaving the last
// column free: a line that fills it wraps on some terminals.
func Fit(s string, width int) string {
	return ansi.Truncate(s, max(1, width-1), "…")
}

func (r *Renderer) clearLine() {
	if r.lineShown {
		fmt.Fprint(r.w, "\r\x1b[2K")
		r.lineShown = false
	}
}

// Finish delivers the last event and clears the live line, before the
// command prints its result. Events sent afterwards are rendered at once.
func (r *Renderer) Finish() {
	r.c.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clearLine()
}
