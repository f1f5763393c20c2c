package wizard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"ferry/artifacts/bundle"
	"ferry/artifacts/size"
	"ferry/tui/components/picker"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
)

func errorsIsCanceled(err error) bool { return errors.Is(err, context.Canceled) }

func (m *Model) buildArch() {
	var items []picker.Item
	archs := m.target.Archs
	if len(archs) == 0 {
		archs = []string{"amd64", "arm64", "ppc64le", "s390x"}
	}
	for _, a := range archs {
		it := picker.Item{ID: a, Title: a}
		if a == m.opts.MachineArch {
			it.On, it.Detail = true, "this machine"
		}
		if slices.Contains(m.opts.Archs, a) {
			it.On = true
		}
		items = append(items, it)
	}
	if !slices.ContainsFunc(items, func(i picker.Item) bool { return i.On }) && len(items) > 0 {
		items[0].On = true
	}
	m.arch = picker.New(items, true, m.th)
	m.resize()
}

func (m *Model) buildVersions() {
	var items []picker.Item
	for i, v := range m.target.Versions {
		it := picker.Item{ID: v.Version, Title: v.Version}
		if i == 0 {
			it.Note, it.On = "latest", true
		}
		items = append(items, it)
	}
	m.versions = picker.New(items, false, m.th)
	m.resize()
}

func (m *Model) buildModules() {
	var items []picker.Item
	for _, md := range m.target.Modules {
		it := picker.Item{ID: md.Name, Title: md.Name, Detail: md.Title, On: md.Required || md.Default, Locked: md.Required}
		if md.Required {
			it.Note = "required"
		}
		items = append(items, it)
	}
	m.modules = picker.New(items, true, m.th)
	m.applyDependencies()
	m.resize()
}

// applyDependencies ticks and locks what chosen modules depend on, saying
// why; when nothing needs a module any more it is unlocked and goes back to
// how the engineer had it.
func (m *Model) applyDependencies() {
	if m.target == nil || len(m.modules.Items()) == 0 {
		return
	}
	if m.heldBy == nil {
		m.heldBy = map[string]bool{}
	}
	items := m.modules.Items()
	chosen := map[string]bool{}
	for _, it := range items {
		md := m.target.Module(it.ID)
		if it.On && (md.Required || !it.Locked) {
			chosen[it.ID] = true
		}
	}
	needed := map[string]string{}
	for changed := true; changed; {
		changed = false
		for _, md := range m.target.Modules {
			if !chosen[md.Name] && needed[md.Name] == "" {
				continue
			}
			for _, d := range md.DependsOn {
				if _, ok := needed[d]; !ok && !m.target.Module(d).Required {
					needed[d] = "needed by " + md.Name
					changed = true
				}
			}
		}
	}
	for i := range items {
		id := items[i].ID
		md := m.target.Module(id)
		switch {
		case md.Required:
		case needed[id] != "":
			if !items[i].Locked {
				m.heldBy[id] = items[i].On // how the engineer had it
			}
			items[i].On, items[i].Locked, items[i].Note = true, true, needed[id]
		case items[i].Locked:
			items[i].On, items[i].Locked, items[i].Note = m.heldBy[id], false, ""
		}
	}
	m.modules.SetItems(items)
	m.refreshModuleSizes()
}

// selection is the answers so far.
func (m *Model) selection() selection.Selection {
	s := selection.Selection{Version: m.version, Archs: m.arch.Chosen()}
	if m.target != nil {
		s.Target = m.target.Name
	}
	s.Modules = m.modules.Chosen()
	return s
}

// sizeModules plans every module once, in the background, so the modules
// step can show a running total as modules are ticked.
func (m *Model) sizeModules() tea.Cmd {
	sel := m.selection()
	sel.Modules = m.target.ModuleNames()
	k := fmt.Sprint(sel)
	if k == m.sizeKey && (m.sizes != nil || m.sizing) {
		return nil
	}
	m.sizeKey, m.sizes, m.sizeErr, m.sizing = k, nil, nil, true
	eng := m.eng
	return func() tea.Msg {
		p, err := eng.Plan(context.Background(), sel, nil)
		return sizesResolvedMsg{key: k, plan: p, err: err}
	}
}

// refreshModuleSizes writes each module's size into its row.
func (m *Model) refreshModuleSizes() {
	if m.sizes == nil {
		return
	}
	items := m.modules.Items()
	for i := range items {
		for _, mt := range m.sizes.Totals.Modules {
			if mt.Module == items[i].ID {
				items[i].Detail = fmt.Sprintf("%-28s %10s", ansi.Truncate(m.target.Module(items[i].ID).Title, 28, "…"), size.Format(mt.Unique))
			}
		}
	}
	m.modules.SetItems(items)
}

// chosenSize is the de-duplicated size of the ticked modules, from the
// plan of every module.
func (m *Model) chosenSize() (int64, bool) {
	if m.sizes == nil {
		return 0, false
	}
	on := map[string]bool{}
	for _, id := range m.modules.Chosen() {
		on[id] = true
	}
	uses := func(mods []string) bool { return slices.ContainsFunc(mods, func(s string) bool { return on[s] }) }
	seen := map[string]int64{}
	for _, im := range m.sizes.Images {
		if uses(im.Modules) {
			for _, b := range im.Blobs {
				seen["b"+b.Digest] = b.Size
			}
		}
	}
	for _, mv := range m.sizes.Maven {
		if uses(mv.Modules) {
			for _, f := range mv.Files {
				seen["m"+f.Path] = f.Size
			}
		}
	}
	for _, f := range m.sizes.Files {
		if uses(f.Modules) {
			seen["f"+f.SHA256] = f.Size
		}
	}
	var n int64
	for _, s := range seen {
		n += s
	}
	return n, true
}

// startPlan resolves the selection in the background; a timer reads its
// progress a few times a second.
func (m *Model) startPlan() tea.Cmd {
	sel := m.selection()
	k := fmt.Sprint(sel)
	if k == m.planKey && (m.plan != nil || m.planning) {
		return nil
	}
	m.planKey, m.plan, m.planErr, m.planning = k, nil, nil, true
	st := &planProgress{}
	m.planState = st
	eng := m.eng
	work := func() tea.Msg {
		p, err := eng.Plan(context.Background(), sel, func(e plan.Event) {
			st.mu.Lock()
			st.done, st.total = e.Done, e.Total
			st.mu.Unlock()
		})
		return planResolvedMsg{key: k, plan: p, err: err}
	}
	return tea.Batch(work, tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return planTickMsg{} }))
}

func (m *Model) destPath() string { return strings.TrimSpace(m.dest.Value()) }

func (m *Model) checkSpace() tea.Cmd {
	p := m.destPath()
	if p == "" {
		m.space = nil
		return nil
	}
	eng := m.eng
	return func() tea.Msg {
		sp, err := eng.Space(p)
		return spaceCheckedMsg{path: p, space: sp, err: err}
	}
}

func (m *Model) findMedia() tea.Cmd {
	eng := m.eng
	return func() tea.Msg { return mediaFoundMsg(eng.Media()) }
}

func (m *Model) completeFolder() {
	c := m.eng.Folders(m.destPath())
	switch len(c) {
	case 0:
	case 1:
		m.dest.SetValue(c[0] + string(filepath.Separator))
	default:
		m.dest.SetValue(commonPrefix(c))
	}
	m.dest.CursorEnd()
}

func commonPrefix(s []string) string {
	p := s[0]
	for _, x := range s[1:] {
		for !strings.HasPrefix(x, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

func (m *Model) pickMedium(down bool) {
	if len(m.media) == 0 {
		return
	}
	i := slices.IndexFunc(m.media, func(md Medium) bool { return md.Path == m.destPath() })
	switch {
	case i < 0:
		i = 0
	case down:
		i = min(i+1, len(m.media)-1)
	default:
		i = max(i-1, 0)
	}
	m.dest.SetValue(m.media[i].Path)
	m.dest.CursorEnd()
}

// partSize is the split chosen from the destination's file system.
func (m *Model) partSize() int64 {
	if m.space != nil && m.space.FAT {
		return 4*size.GiB - 1
	}
	return 0
}

func (m *Model) need() int64 {
	if m.plan == nil {
		return 0
	}
	return prepare.EstimateSize(m.plan)
}

func (m *Model) fits() bool {
	return m.space != nil && (m.space.Unknown || m.space.Free >= m.need())
}

// runState is what the download goroutine shares with the screen.
type runState struct {
	mu      sync.Mutex
	last    prepare.Event
	items   map[string]*itemState
	order   []string
	started time.Time
	phase   string
}

type itemState struct {
	label   string
	state   string
	done    int64
	size    int64
	attempt int
}

func (m *Model) startDownload() tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	rs := &runState{items: map[string]*itemState{}, started: time.Now()}
	m.run, m.result, m.runErr = rs, nil, nil
	sel := m.selection()
	opts := prepare.Options{Output: m.destPath(), PartSize: m.partSize(), Answers: &sel, Binary: m.opts.Binary}
	eng, p := m.eng, m.plan
	work := func() tea.Msg {
		res, err := eng.Prepare(ctx, p, opts, func(e prepare.Event) {
			rs.mu.Lock()
			defer rs.mu.Unlock()
			// Downloads and the write overlap (blobs stream into the
			// bundle): the screen says "writing" once the downloads
			// are done, and never goes back.
			switch {
			case e.Phase == prepare.PhaseDownload && rs.phase != prepare.PhaseWrite && rs.phase != prepare.PhaseDone:
				rs.phase = e.Phase
			case e.Phase == prepare.PhaseWrite && (rs.last.ItemsTotal == 0 || rs.last.ItemsDone >= rs.last.ItemsTotal):
				rs.phase = e.Phase
			case e.Phase == prepare.PhaseDone || e.Phase == prepare.PhaseCheck:
				rs.phase = e.Phase
			}
			if e.Phase == prepare.PhaseDownload {
				rs.last = e
				it, ok := rs.items[e.Item]
				if !ok {
					it = &itemState{}
					rs.items[e.Item] = it
					rs.order = append(rs.order, e.Item)
				}
				it.label, it.state, it.done, it.size, it.attempt = e.Label, e.State, e.Done, e.Size, e.Attempt
			}
		})
		return bundleWrittenMsg{res: res, err: err}
	}
	return tea.Batch(work, tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return downloadTickMsg{} }))
}

// stepView draws the current step in w×h.
func (m *Model) stepView(w, h int) string {
	th := m.th
	title := func(s string) string { return th.Title.Render(s) + "\n" }
	switch m.step {
	case stepSide:
		return title("Which side of the gap are you on?") +
			th.Subtle.Render("Prepare on the connected machine; import on the site, from the stick.") + "\n\n" + m.side.View()
	case stepProduct:
		return title("Which product do you want to carry?") + th.Subtle.Render("Each is a target of the catalog (`ferry catalog list`).") + "\n\n" + m.product.View() + m.productDetail(w)
	case stepArch:
		return title("Which architectures do the site's machines have?") + th.Subtle.Render("Tick every one the site runs; each adds its own images.") + "\n\n" + m.arch.View()
	case stepVersion:
		return title("Which version?") + th.Subtle.Render("Newest first.") + "\n\n" + m.versions.View()
	case stepModules:
		return title("Which modules?") + m.moduleTotal() + "\n\n" + m.modules.View()
	case stepPreview:
		return m.previewView(w, h)
	case stepDest:
		return m.destView(w)
	case stepConfirm:
		return m.confirmView(w)
	case stepDownload:
		return m.downloadView(w, h)
	case stepDone:
		return m.doneView(w)
	}
	return ""
}

func (m *Model) productDetail(w int) string {
	it, ok := m.product.Current()
	if !ok {
		return ""
	}
	t, err := m.eng.Catalog().Target(it.ID)
	if err != nil || t.Description == "" {
		return ""
	}
	return "\n\n" + m.th.Subtle.Render(ansi.Wordwrap(strings.TrimSpace(t.Description), w-2, ""))
}

func (m *Model) moduleTotal() string {
	switch {
	case m.sizing:
		return m.th.Subtle.Render("Sizing every module… (you can choose meanwhile)")
	case m.sizeErr != nil && m.sizes == nil:
		return m.th.Warn.Render("Sizes are not known: " + firstSentence(m.sizeErr.Error()))
	}
	n, ok := m.chosenSize()
	if !ok {
		return ""
	}
	return "Total of the ticked modules: " + m.th.Accent.Render(size.Format(n)) + m.th.Subtle.Render(" after de-duplication")
}

func firstSentence(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

var tabs = []string{"Images", "Maven", "Files", "Summary"}

func (m *Model) previewView(w, h int) string {
	th := m.th
	var b strings.Builder
	b.WriteString(th.Title.Render("Preview: everything the bundle will carry") + "\n")
	if m.planning {
		st := m.planState
		st.mu.Lock()
		done, total := st.done, st.total
		st.mu.Unlock()
		frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
		f := "…"
		if m.opts.Animate {
			f = frames[m.spin%len(frames)]
		}
		fmt.Fprintf(&b, "\n%s resolving %d of %d items (digests, platforms, sizes)…", th.Accent.Render(f), done, total)
		return b.String()
	}
	if m.plan == nil {
		msg := "the plan could not be made"
		if m.planErr != nil {
			msg = m.planErr.Error()
		}
		return b.String() + "\n" + th.Error.Render(ansi.Wordwrap(msg, w-2, "")) + "\n\n" + th.Subtle.Render("esc goes back to change the selection.")
	}
	var tb []string
	for i, t := range tabs {
		if i == m.tab {
			tb = append(tb, th.Accent.Render("["+t+"]"))
		} else {
			tb = append(tb, th.Subtle.Render(" "+t+" "))
		}
	}
	b.WriteString(strings.Join(tb, " "))
	switch {
	case m.pfiltering:
		b.WriteString("   " + th.Accent.Render("/") + m.pfilter + th.Accent.Render("▏"))
	case m.pfilter != "":
		b.WriteString("   " + th.Subtle.Render("filter: "+m.pfilter+" (/ changes, esc in the filter clears)"))
	}
	b.WriteString("\n\n")
	var lines []string
	p := m.plan
	match := func(s string) bool {
		return m.pfilter == "" || strings.Contains(strings.ToLower(s), strings.ToLower(m.pfilter))
	}
	switch m.tab {
	case 0:
		ims := slices.Clone(p.Images)
		sort.SliceStable(ims, func(i, j int) bool {
			if m.bySize {
				return ims[i].Size > ims[j].Size
			}
			return ims[i].Reference < ims[j].Reference
		})
		lines = append(lines, th.Header.Render(fmt.Sprintf("%-*s %10s %10s", w-26, "image", "size", "shared")))
		for _, im := range ims {
			if !match(im.Reference) {
				continue
			}
			lines = append(lines, fmt.Sprintf("%-*s %10s %10s", w-26, ansi.Truncate(im.Reference, w-26, "…"), size.Format(im.Size), size.Format(im.Shared)))
		}
	case 1:
		lines = append(lines, th.Header.Render(fmt.Sprintf("%-*s %10s", w-14, "Maven artifact", "size")))
		for _, mv := range p.Maven {
			if !match(mv.Coordinates) {
				continue
			}
			lines = append(lines, fmt.Sprintf("%-*s %10s", w-14, ansi.Truncate(mv.Coordinates, w-14, "…"), size.Format(mv.Size)))
		}
		if len(p.Maven) == 0 {
			lines = append(lines, th.Subtle.Render("no Maven artifacts"))
		}
	case 2:
		for _, f := range p.Files {
			if !match(f.Name) {
				continue
			}
			lines = append(lines, fmt.Sprintf("%-*s %10s", w-14, ansi.Truncate(f.Name, w-14, "…"), size.Format(f.Size)))
		}
		if len(p.Files) == 0 {
			lines = append(lines, th.Subtle.Render("no plain files"))
		}
	case 3:
		lines = m.summaryLines(w)
	}
	for _, e := range p.Errors {
		lines = append(lines, th.Error.Render("✗ "+ansi.Truncate(e.Message, w-3, "…")))
	}
	room := h - 4
	start := min(m.scroll, max(0, len(lines)-room))
	end := min(len(lines), start+room)
	b.WriteString(strings.Join(lines[start:end], "\n"))
	return b.String()
}

func (m *Model) summaryLines(w int) []string {
	th := m.th
	t := m.plan.Totals
	lines := []string{
		fmt.Sprintf("%d images, %d Maven artifacts, %d files", t.Images.Count, t.Maven.Count, t.Files.Count),
		fmt.Sprintf("as listed:             %s", size.Format(t.Listed)),
		fmt.Sprintf("after de-duplication:  %s", th.Accent.Render(size.Format(t.Unique))),
	}
	if fit := m.plan.SmallestFit(); fit != "" {
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

func (m *Model) destView(w int) string {
	th := m.th
	var b strings.Builder
	b.WriteString(th.Title.Render("Where should the bundle go?") + "\n")
	b.WriteString(th.Subtle.Render("A folder, or the mounted stick. tab completes folders; ↑/↓ picks a medium below.") + "\n\n")
	b.WriteString(m.dest.View() + "\n\n")
	if len(m.media) > 0 {
		b.WriteString(th.Header.Render("Removable media") + "\n")
		for _, md := range m.media {
			fs := ""
			if md.FAT {
				fs = " · FAT"
			}
			fmt.Fprintf(&b, "  %s  %s free%s\n", md.Path, size.Format(md.Free), fs)
		}
		b.WriteString("\n")
	} else {
		b.WriteString(th.Subtle.Render("No removable media mounted under /media, /run/media or /mnt.") + "\n\n")
	}
	need := m.need()
	switch {
	case m.destPath() == "":
		b.WriteString(th.Subtle.Render("Type a path to check its free space."))
	case m.spaceErr != nil:
		b.WriteString(th.Error.Render(m.spaceErr.Error()))
	case m.space == nil:
		b.WriteString(th.Subtle.Render("Checking free space…"))
	default:
		split := "one part"
		if ps := m.partSize(); ps > 0 {
			split = "parts of " + size.Format(ps) + " (FAT32 holds no file of 4 GiB or more)"
		}
		if m.space.Unknown {
			fmt.Fprintf(&b, "needs %s · free space unknown · %s\n", size.Format(need), split)
			b.WriteString(th.Warn.Render("! this file system does not say how much space is free: enter goes on without that check"))
			break
		}
		fmt.Fprintf(&b, "needs %s · %s free · %s\n", size.Format(need), size.Format(m.space.Free), split)
		if m.fits() {
			b.WriteString(th.OK.Render("✓ enough free space: enter goes on"))
		} else {
			b.WriteString(th.Error.Render(fmt.Sprintf("✗ not enough space: %s more is needed; choose another place or free some space", size.Format(need-m.space.Free))))
		}
	}
	return b.String()
}

// Command is the equivalent non-interactive command for the answers.
func (m *Model) Command() string {
	s := m.selection()
	parts := []string{"ferry prepare", "--target " + s.Target}
	if s.Version != "" {
		parts = append(parts, "--version "+s.Version)
	}
	for _, a := range s.Archs {
		parts = append(parts, "--arch "+a)
	}
	parts = append(parts, "--modules "+strings.Join(s.Modules, ","), "--output "+shellQuote(m.destPath()))
	if ps := m.partSize(); ps > 0 {
		parts = append(parts, "--split fat32")
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\"$`\\!*?") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (m *Model) confirmView(w int) string {
	th := m.th
	s := m.selection()
	card := []string{
		th.Title.Render(m.target.Title),
		fmt.Sprintf("version        %s", orDash(s.Version)),
		fmt.Sprintf("architectures  %s", strings.Join(s.Archs, ", ")),
		fmt.Sprintf("modules        %s", strings.ReplaceAll(ansi.Wordwrap(strings.Join(s.Modules, ", "), w-24, ""), "\n", "\n               ")),
		fmt.Sprintf("size           %s (%d images, %d Maven artifacts, %d files)", size.Format(m.plan.Totals.Unique), m.plan.Totals.Images.Count, m.plan.Totals.Maven.Count, m.plan.Totals.Files.Count),
		fmt.Sprintf("destination    %s", m.destPath()),
	}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(th.Border.GetForeground()).Padding(0, 1).Width(w - 2).Render(strings.Join(card, "\n"))
	return th.Title.Render("Ready to download and write the bundle") + "\n\n" + box + "\n\n" +
		th.Subtle.Render("The same, without questions:") + "\n" + ansi.Wordwrap(m.Command(), w-2, " ") + "\n\n" +
		"enter starts the download · esc goes back"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (m *Model) downloadView(w, h int) string {
	th := m.th
	rs := m.run
	rs.mu.Lock()
	last := rs.last
	phase := rs.phase
	var rows []string
	for _, id := range rs.order {
		it := rs.items[id]
		st := it.state
		switch st {
		case prepare.Downloading:
			if it.size > 0 {
				st = fmt.Sprintf("downloading %3.0f%%", 100*float64(it.done)/float64(it.size))
			}
		case prepare.Retrying:
			st = fmt.Sprintf("retrying (%d)", it.attempt)
		}
		style := th.Subtle
		switch it.state {
		case prepare.Verified, prepare.Cached:
			style = th.OK
		case prepare.Failed:
			style = th.Error
		case prepare.Retrying:
			style = th.Warn
		}
		rows = append(rows, fmt.Sprintf("%s %s", style.Render(fmt.Sprintf("%-18s", st)), ansi.Truncate(it.label, w-21, "…")))
	}
	started := rs.started
	rs.mu.Unlock()
	var b strings.Builder
	b.WriteString(th.Title.Render("Downloading and writing the bundle") + "\n\n")
	pct := 0.0
	if last.BytesTotal > 0 {
		pct = float64(last.BytesDone) / float64(last.BytesTotal)
	}
	bw := max(10, w-30)
	n := int(pct * float64(bw))
	fmt.Fprintf(&b, "%s%s %3.0f%%\n", th.Accent.Render(strings.Repeat("█", n)), th.Subtle.Render(strings.Repeat("░", bw-n)), pct*100)
	el := time.Since(started).Seconds()
	rate, eta := "", ""
	if el > 0.5 && last.BytesDone > 0 {
		bps := float64(last.BytesDone) / el
		rate = " · " + size.Format(int64(bps)) + "/s"
		if last.BytesTotal > last.BytesDone {
			eta = " · about " + time.Duration(float64(last.BytesTotal-last.BytesDone)/bps*float64(time.Second)).Round(time.Second).String() + " left"
		}
	}
	fmt.Fprintf(&b, "%s of %s%s%s · %d of %d items\n", size.Format(last.BytesDone), size.Format(last.BytesTotal), rate, eta, last.ItemsDone, last.ItemsTotal)
	if phase == prepare.PhaseWrite || phase == prepare.PhaseDone {
		b.WriteString(th.Subtle.Render("writing the bundle's parts…") + "\n")
	}
	if m.runErr != nil {
		b.WriteString("\n" + th.Error.Render(ansi.Wordwrap(m.runErr.Error(), w-2, "")) + "\n" + th.Subtle.Render("Running ferry again resumes where this stopped. esc goes back to the confirmation.") + "\n")
	}
	b.WriteString("\n")
	room := max(1, h-8)
	start := min(m.scroll, max(0, len(rows)-room))
	end := min(len(rows), start+room)
	b.WriteString(strings.Join(rows[start:end], "\n"))
	return b.String()
}

// bigCode draws the short code in large, spaced letters in a box.
func (m *Model) bigCode(code string) string {
	spaced := strings.Join(strings.Split(code, ""), " ")
	return lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(m.th.Accent.GetForeground()).Padding(1, 4).Bold(true).Render(m.th.Accent.Render(spaced))
}

func (m *Model) doneView(w int) string {
	th := m.th
	r := m.result
	idx := r.Index
	var b strings.Builder
	b.WriteString(th.OK.Render("✓ The bundle is written and verified.") + "\n\n")
	fmt.Fprintf(&b, "%s  %d part(s), %s\n\n", filepath.Join(r.Dir, bundle.IndexName(idx.Name)), len(idx.Parts), size.Format(idx.Size))
	b.WriteString("Read this code to the technician; their screen shows the same:\n")
	b.WriteString(m.bigCode(idx.ShortCode) + "\n\n")
	if r.Answers != "" {
		fmt.Fprintf(&b, "answers saved: %s\n", r.Answers)
		fmt.Fprintf(&b, "%s\n", th.Subtle.Render("replay: ferry prepare --answers "+r.Answers+" --output DIR"))
	}
	b.WriteString("\nNext: copy the whole folder to the medium, run `ferry verify --quick` on the copy,\nand hand it over with READ-ME-FIRST.txt. enter quits.")
	return b.String()
}
