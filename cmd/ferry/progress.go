package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"

	"ferry/artifacts/size"
	"ferry/workflow/prepare"
)

// progressRenderer shows prepare's events: one live line on a terminal,
// log lines otherwise, or JSON lines. Byte updates are coalesced to about
// ten a second; state changes are never dropped.
type progressRenderer struct {
	a     *app
	mode  string
	mu    sync.Mutex
	last  time.Time
	start time.Time
	// for throughput: bytes at the start of the download phase
	lineShown   bool
	phase       string
	downloading bool
}

func newProgressRenderer(a *app, mode string) *progressRenderer {
	if mode == "auto" {
		mode = "plain"
		if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(f.Fd()) {
			mode = "line"
		}
	}
	return &progressRenderer{a: a, mode: mode, start: time.Now()}
}

type jsonEvent struct {
	Phase      string `json:"phase"`
	Item       string `json:"item,omitempty"`
	Label      string `json:"label,omitempty"`
	State      string `json:"state,omitempty"`
	Done       int64  `json:"done,omitempty"`
	Size       int64  `json:"size,omitempty"`
	Attempt    int    `json:"attempt,omitempty"`
	Error      string `json:"error,omitempty"`
	BytesDone  int64  `json:"bytesDone"`
	BytesTotal int64  `json:"bytesTotal"`
	ItemsDone  int    `json:"itemsDone,omitempty"`
	ItemsTotal int    `json:"itemsTotal,omitempty"`
}

func (r *progressRenderer) event(e prepare.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Downloads and the bundle write overlap; the live line follows the
	// downloads until they are done, then the write.
	if e.Phase == prepare.PhaseDownload {
		r.downloading = e.ItemsDone < e.ItemsTotal
	}
	if e.Phase == prepare.PhaseWrite && r.downloading {
		return
	}
	if e.Phase != r.phase {
		r.phase = e.Phase
		r.start = time.Now()
	}
	stateChange := e.State != prepare.Downloading
	if !stateChange && time.Since(r.last) < 100*time.Millisecond {
		return
	}
	if e.State == prepare.Queued {
		return
	}
	r.last = time.Now()
	switch r.mode {
	case "none":
	case "json":
		je := jsonEvent{Phase: e.Phase, Item: e.Item, Label: e.Label, State: e.State, Done: e.Done, Size: e.Size, Attempt: e.Attempt,
			BytesDone: e.BytesDone, BytesTotal: e.BytesTotal, ItemsDone: e.ItemsDone, ItemsTotal: e.ItemsTotal}
		if e.Err != nil {
			je.Error = e.Err.Error()
		}
		b, _ := json.Marshal(je)
		fmt.Fprintln(r.a.stderr, string(b))
	case "plain":
		switch e.State {
		case prepare.Verified, prepare.Cached, prepare.Failed:
			fmt.Fprintf(r.a.stderr, "[%d/%d] %s %s (%s)\n", e.ItemsDone, e.ItemsTotal, e.State, e.Label, size.Format(e.Size))
		case prepare.Retrying:
			fmt.Fprintf(r.a.stderr, "retrying %s (attempt %d): %v\n", e.Label, e.Attempt, e.Err)
		}

	case "line":
		fmt.Fprintf(r.a.stderr, "\r\x1b[2K%s", r.line(e))
		r.lineShown = true
	}
}

// line is the one-line status: phase, bar, bytes, throughput, ETA.
func (r *progressRenderer) line(e prepare.Event) string {
	pct := 0.0
	if e.BytesTotal > 0 {
		pct = float64(e.BytesDone) / float64(e.BytesTotal)
	}
	const width = 24
	filled := int(pct * width)
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	el := time.Since(r.start).Seconds()
	rate, eta := "", ""
	if el > 0.5 && e.BytesDone > 0 {
		bps := float64(e.BytesDone) / el
		rate = " · " + size.Format(int64(bps)) + "/s"
		if e.BytesTotal > e.BytesDone {
			eta = " · ETA " + time.Duration(float64(e.BytesTotal-e.BytesDone)/bps*float64(time.Second)).Round(time.Second).String()
		}
	}
	verb := map[string]string{prepare.PhaseDownload: "downloading", prepare.PhaseWrite: "writing", prepare.PhaseCheck: "checking", prepare.PhaseDone: "done"}[e.Phase]
	items := ""
	if e.ItemsTotal > 0 {
		items = fmt.Sprintf(" · %d/%d items", e.ItemsDone, e.ItemsTotal)
	}
	return fmt.Sprintf("%-11s %s %3.0f%% %s / %s%s%s%s", verb, bar, pct*100, size.Format(e.BytesDone), size.Format(e.BytesTotal), rate, eta, items)
}

func (r *progressRenderer) finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lineShown {
		fmt.Fprint(r.a.stderr, "\r\x1b[2K")
	}
}
