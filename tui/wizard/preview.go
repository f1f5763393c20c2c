package wizard

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	events "ferry/artifacts/progress"
	"ferry/artifacts/size"
	"ferry/tui/components/progress"
	"ferry/tui/components/spinner"
	"ferry/tui/components/textfit"
	"ferry/workflow/plan"
)

// previewStep resolves the selection into a plan and shows it in tabs:
// images, Maven artifacts, files and a summary.
type previewStep struct {
	f    *Flow
	w, h int

	plan     *plan.Plan
	planErr  error
	planning bool
	planKey  string
	// progress is what the planning goroutine shares with the screen,
	// read on a timer so progress never floods the program.
	progress *progress.Latest
	spin     spinner.Model

	tab    int
	bySize bool
	// filter narrows the tables; filtering while it is typed.
	filter    string
	filtering bool
	// cursor is the highlighted row of the table (the summary scrolls by
	// it too); the row's details are shown whole under the table.
	cursor int
	// refusal says why Enter did nothing.
	refusal string
}

// row is one line of a table and what the detail line says about it.
// why, when set, is said on a line of its own (an operator's bundle and
// related images, what a dependency is there for).
type row struct{ line, detail, why string }

type (
	planResolvedMsg struct {
		key  string
		plan *plan.Plan
		err  error
	}
	planTickMsg struct{}
)

func (s *previewStep) SetSize(w, h int) { s.w, s.h = w, h }

func (s *previewStep) ShortHelp() []key.Binding {
	k := s.f.keys
	if s.f.have.open {
		return []key.Binding{withHelp(k.Next, "enter", "add / done"), withHelp(k.Back, "esc", "done"), withHelp(k.Complete, "tab", "complete"), k.TypingHelp, k.TypingQuit}
	}
	if s.filtering {
		return []key.Binding{withHelp(k.Next, "enter", "keep filter"), withHelp(k.Back, "esc", "clear filter"), k.TypingQuit}
	}
	return []key.Binding{k.Next, k.Back, k.Tab, k.Sort, k.Filter, k.Help, k.Quit}
}

func (s *previewStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return [][]key.Binding{{k.Next, k.Back}, {k.Tab, k.Sort, k.Filter, k.Have}, {k.Up, k.Down}, {k.Help, k.Quit}}
}

// start resolves the selection in the background; a timer reads its
// progress a few times a second.
func (s *previewStep) start() tea.Cmd {
	f := s.f
	sel := f.Selection()
	k := fmt.Sprint(sel)
	if k == s.planKey && (s.plan != nil || s.planning) {
		return nil
	}
	s.planKey, s.plan, s.planErr, s.planning = k, nil, nil, true
	st := &progress.Latest{}
	s.progress = st
	s.spin = spinner.Model{Animate: f.opts.Animate}
	ctx := f.jobs.Start(jobPlan)
	eng := f.eng
	work := func() tea.Msg {
		c := events.Coalesce(st.Record, 0)
		p, err := eng.Plan(ctx, sel, c.Send)
		c.Close()
		return planResolvedMsg{key: k, plan: p, err: err}
	}
	return tea.Batch(work, f.every(100*time.Millisecond, planTickMsg{}))
}

// cancel stops a plan still resolving (the engineer went back); coming
// here again plans afresh.
func (s *previewStep) cancel() {
	s.f.jobs.Cancel(jobPlan)
	if s.planning {
		s.planning, s.planKey = false, ""
	}
}

func (s *previewStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case planResolvedMsg:
		if msg.key == s.planKey {
			f.jobs.Finish(jobPlan)
			s.plan, s.planErr, s.planning = msg.plan, msg.err, false
		}
		return nil
	case planTickMsg:
		if s.planning {
			s.spin.Step()
			return f.every(100*time.Millisecond, planTickMsg{})
		}
		return nil
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil
}

func (s *previewStep) key(msg tea.KeyPressMsg) tea.Cmd {
	f := s.f
	s.refusal = ""
	if f.have.open {
		return f.have.Update(msg)
	}
	if s.filtering {
		switch msg.String() {
		case "esc":
			s.filtering, s.filter = false, ""
		case "enter":
			s.filtering = false
		case "backspace":
			if r := []rune(s.filter); len(r) > 0 {
				s.filter = string(r[:len(r)-1])
			}
		default:
			s.filter += msg.Text
		}
		s.cursor = 0
		return nil
	}
	switch {
	case key.Matches(msg, f.keys.Have):
		return f.have.show()
	case key.Matches(msg, f.keys.Filter):
		s.filtering = true
	case key.Matches(msg, f.keys.Tab):
		if msg.String() == "shift+tab" {
			s.tab = (s.tab + 3) % 4
		} else {
			s.tab = (s.tab + 1) % 4
		}
		s.cursor = 0
	case key.Matches(msg, f.keys.Sort):
		s.bySize = !s.bySize
	case key.Matches(msg, f.keys.Down):
		n := len(s.rows())
		if s.tab == 3 && s.plan != nil {
			n = len(s.summaryLines()) - (s.h - 4) + 1
		}
		s.cursor = min(s.cursor+1, max(0, n-1))
	case key.Matches(msg, f.keys.Up):
		s.cursor = max(0, s.cursor-1)
	case key.Matches(msg, f.keys.Back):
		return f.back()
	case key.Matches(msg, f.keys.Next):
		switch {
		case s.planning:
			s.refusal = "Still resolving: Enter works once the plan is made."
			return nil
		case s.plan == nil:
			s.refusal = "There is no plan to carry: esc goes back to change the selection."
			return nil
		case len(s.plan.Errors) > 0:
			s.refusal = fmt.Sprintf("%d item(s) could not be resolved (listed below): esc goes back to change the selection.", len(s.plan.Errors))
			return nil
		}
		f.goTo(stepDest)
		return f.dest.enter()
	}
	return nil
}

var tabs = []string{"Images", "Maven", "Files", "Summary"}

func (s *previewStep) View() string {
	th, w, h := s.f.th, s.w, s.h
	var b strings.Builder
	b.WriteString(th.Title.Render("Preview: everything the bundle will carry") + "\n")
	if s.planning {
		e := s.progress.Get()
		done, total := e.ItemsDone, e.ItemsTotal
		fmt.Fprintf(&b, "\n%s resolving %d of %d items (digests, platforms, sizes)…", th.Accent.Render(s.spin.View()), done, total)
		return b.String()
	}
	if s.plan == nil {
		msg := "the plan could not be made"
		if s.planErr != nil {
			msg = worded(s.planErr)
		}
		return b.String() + "\n" + th.Error.Render(ansi.Wordwrap(msg, w-2, "")) + "\n\n" + th.Subtle.Render("esc goes back to change the selection.")
	}
	if f := s.f; f.have.open {
		f.have.setWidth(w)
		return b.String() + "\n" + f.have.View(w)
	}
	var tb []string
	for i, t := range tabs {
		if i == s.tab {
			tb = append(tb, th.Accent.Render("["+t+"]"))
		} else {
			tb = append(tb, th.Subtle.Render(" "+t+" "))
		}
	}
	b.WriteString(strings.Join(tb, " "))
	switch {
	case s.filtering:
		b.WriteString("   " + th.Accent.Render("/") + s.filter + th.Accent.Render("▏"))
	case s.filter != "":
		b.WriteString("   " + th.Subtle.Render("filter: "+s.filter+" (/ changes, esc in the filter clears)"))
	case s.bySize && s.tab == 0:
		b.WriteString("   " + th.Subtle.Render("largest first"))
	}
	b.WriteString("\n")
	if s.refusal != "" {
		b.WriteString(th.Warn.Render(ansi.Truncate(s.refusal, w-1, "…")))
	} else {
		b.WriteString(ansi.Truncate(sizesLine(s.f, s.plan), w-1, "…"))
	}
	b.WriteString("\n")
	if s.tab == 3 {
		lines := s.summaryLines()
		for _, e := range s.plan.Errors {
			lines = append(lines, th.Error.Render("✗ "+ansi.Truncate(e.Text(Words), w-3, "…")))
		}
		room := h - 4
		start := min(s.cursor, max(0, len(lines)-room))
		b.WriteString(strings.Join(lines[start:min(len(lines), start+room)], "\n"))
		return b.String()
	}
	header, rows := s.table()
	b.WriteString(th.Header.Render("  "+header) + "\n")
	// Room for the rows, the position and the detail of the highlighted row
	// (two lines, and one for why when a row says it) under them.
	room := max(1, h-4-1-3)
	if slices.ContainsFunc(rows, func(r row) bool { return r.why != "" }) {
		room = max(1, room-1)
	}
	cur := min(s.cursor, max(0, len(rows)-1))
	start := max(0, min(cur-room/2, len(rows)-room))
	end := min(len(rows), start+room)
	for i := start; i < end; i++ {
		if i == cur {
			b.WriteString(th.Accent.Render("▸ " + rows[i].line))
		} else {
			b.WriteString("  " + rows[i].line)
		}
		b.WriteString("\n")
	}
	if len(rows) == 0 {
		b.WriteString(th.Subtle.Render(map[int]string{0: "no images", 1: "no Maven artifacts", 2: "no plain files"}[s.tab]) + "\n")
	}
	for _, e := range s.plan.Errors {
		b.WriteString(th.Error.Render("✗ "+ansi.Truncate(e.Text(Words), w-3, "…")) + "\n")
	}
	if len(rows) > 0 {
		pos := fmt.Sprintf("%d of %d", cur+1, len(rows))
		if end-start < len(rows) {
			pos = fmt.Sprintf("%d–%d of %d · row %d", start+1, end, len(rows), cur+1)
		}
		b.WriteString(th.Subtle.Render(pos) + "\n")
		d, _ := textfit.Lines(textfit.Words(rows[cur].detail, w-1), 2)
		b.WriteString(th.Subtle.Render(d))
		if rows[cur].why != "" {
			b.WriteString("\n" + th.Subtle.Render(ansi.Truncate("why: "+rows[cur].why, w-1, "…")))
		}
	}
	return b.String()
}

// sizeCell is a size for a table's column: "unknown" when it could not be
// read.
func sizeCell(n int64) string {
	if n <= 0 {
		return "unknown"
	}
	return size.Format(n)
}

// sizeText is a size in a sentence.
func sizeText(n int64) string {
	if n <= 0 {
		return "size unknown"
	}
	return size.Format(n)
}

// rows is the current table's rows, filtered and sorted.
func (s *previewStep) rows() []row {
	if s.plan == nil || s.tab == 3 {
		return nil
	}
	_, r := s.table()
	return r
}

// table is the current tab's header and rows: names shortened in the
// middle so tags and versions stay, sizes always in view.
func (s *previewStep) table() (string, []row) {
	w, p := s.w, s.plan
	match := func(v string) bool {
		return s.filter == "" || strings.Contains(strings.ToLower(v), strings.ToLower(s.filter))
	}
	var out []row
	switch s.tab {
	case 0:
		ims := slices.Clone(p.Images)
		sort.SliceStable(ims, func(i, j int) bool {
			if s.bySize {
				return ims[i].Size > ims[j].Size
			}
			return ims[i].Reference < ims[j].Reference
		})
		nw := w - 26
		for _, im := range ims {
			if !match(im.Reference) {
				continue
			}
			d := fmt.Sprintf("%s · %s · %s, %s shared · %s", im.Reference, shortDigest(im.Digest), sizeText(im.Size), size.Format(im.Shared), strings.Join(im.Platforms, ", "))
			if im.Subject != "" {
				d = fmt.Sprintf("%s · %s · %s", im.Reference, shortDigest(im.Digest), sizeText(im.Size))
			}
			out = append(out, row{fmt.Sprintf("%-*s %10s %10s", nw, textfit.Middle(im.Reference, nw), sizeCell(im.Size), size.Format(im.Shared)), d, im.Why})
		}
		return fmt.Sprintf("%-*s %10s %10s", nw, "image", "size", "shared"), out
	case 1:
		nw := w - 15
		for _, mv := range p.Maven {
			if !match(mv.Coordinates) {
				continue
			}
			d := fmt.Sprintf("%s · %d file(s) · %s", mv.Coordinates, len(mv.Files), sizeText(mv.Size))
			out = append(out, row{fmt.Sprintf("%-*s %10s", nw, textfit.Middle(mv.Coordinates, nw), sizeCell(mv.Size)), d, ""})
		}
		return fmt.Sprintf("%-*s %10s", nw, "Maven artifact", "size"), out
	case 2:
		nw := w - 15
		for _, fl := range p.Files {
			if !match(fl.Name) {
				continue
			}
			d := fmt.Sprintf("%s · %s · %s", fl.Name, sizeText(fl.Size), fl.URL)
			out = append(out, row{fmt.Sprintf("%-*s %10s", nw, textfit.Middle(fl.Name, nw), sizeCell(fl.Size)), d, ""})
		}
		return fmt.Sprintf("%-*s %10s", nw, "file", "size"), out
	}
	return "", nil
}

// shortDigest is the first hex digits of a digest, enough to tell images
// apart.
func shortDigest(d string) string {
	if i := strings.Index(d, ":"); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

func (s *previewStep) summaryLines() []string {
	th, w := s.f.th, s.w
	t := s.plan.Totals
	lines := []string{
		fmt.Sprintf("%d images, %d Maven artifacts, %d files", t.Images.Count, t.Maven.Count, t.Files.Count),
		fmt.Sprintf("as listed:             %s", size.Format(t.Listed)),
		fmt.Sprintf("after de-duplication:  %s", th.Accent.Render(size.Format(t.Unique))),
	}
	if h := s.plan.Have; h != nil {
		lines = append(lines, fmt.Sprintf("delta for this site:   %s", th.Accent.Render(size.Format(h.Delta))),
			th.Subtle.Render(fmt.Sprintf("  (the site has %s: %s left out)", size.Format(h.OmittedBytes), blobs(len(h.Omitted)))))
	}
	if fit := s.plan.SmallestFit(); fit != "" {
		lines = append(lines, th.OK.Render("fits on: "+fit+" and larger"))
	} else {
		lines = append(lines, th.Warn.Render("fits on none of the common media: use a disk, or split over several"))
	}
	lines = append(lines, "", th.Header.Render("by module"))
	var maxV int64 = 1
	for _, mt := range t.Modules {
		maxV = max(maxV, mt.Unique)
	}
	for _, a := range t.Archs {
		maxV = max(maxV, a.Size)
	}
	bar := func(label string, v int64) string {
		width := max(1, w-36)
		n := int(float64(width) * float64(v) / float64(maxV))
		return fmt.Sprintf("%-20s %s %s", ansi.Truncate(label, 20, "…"), th.Accent.Render(strings.Repeat("█", n))+strings.Repeat(" ", width-n), size.Format(v))
	}
	for _, mt := range t.Modules {
		name := mt.Module
		if name == "" {
			name = "(your list)"
		}
		lines = append(lines, bar(name, mt.Unique))
	}
	lines = append(lines, "", th.Header.Render("by architecture"))
	for _, a := range t.Archs {
		lines = append(lines, bar(a.Arch, a.Size))
	}
	return lines
}
