package wizard

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ferry/artifacts/inventory"
	"ferry/artifacts/size"
	"ferry/tui/components/field"
	"ferry/tui/components/textfit"
	"ferry/workflow/plan"
)

// haveEngine is what the panel asks of the engine: reading what files say
// the site holds, and completing their paths.
type haveEngine interface {
	// Have reads what the site holds from inventories, earlier bundles
	// (or their indexes) and import reports.
	Have(ctx context.Context, paths []string) (*inventory.Have, error)
	// HaveFiles completes a path prefix to folders and JSON files.
	HaveFiles(prefix string) []string
}

// havePanel is the preview's "what the site already has" field: files
// (ferry --have, or typed here) against which the plan is measured, so
// the bundle is a delta carrying only what the site lacks. It is
// optional: with no file the bundle is a full one.
type havePanel struct {
	f     *Flow
	open  bool
	input textinput.Model
	// paths are the files taken, each checked; said is what each says.
	paths []string
	said  map[string]string
	// checked is the path last read and what it said, or why not.
	checked    string
	checkedMsg string
	checkedErr error
}

type (
	haveCheckedMsg struct {
		path string
		have *inventory.Have
		err  error
	}
	haveListedMsg struct {
		prefix string
		paths  []string
	}
)

func newHavePanel(f *Flow) *havePanel {
	ti := field.New("› ", "site-inventory.json, an earlier bundle, or an import report")
	p := &havePanel{f: f, input: ti, said: map[string]string{}}
	for _, h := range f.opts.Have {
		p.paths = append(p.paths, h)
	}
	return p
}

// Paths are the files the plan is measured against.
func (p *havePanel) Paths() []string { return slices.Clone(p.paths) }

func (p *havePanel) setWidth(w int) { p.input.SetWidth(max(20, w-4)) }

// show opens the panel with the path field focused.
func (p *havePanel) show() tea.Cmd {
	p.open = true
	return p.input.Focus()
}

func (p *havePanel) path() string { return strings.TrimSpace(p.input.Value()) }

func (p *havePanel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case haveCheckedMsg:
		if msg.path == p.path() {
			p.checked, p.checkedErr, p.checkedMsg = msg.path, msg.err, ""
			if msg.err == nil {
				p.checkedMsg = describeHave(msg.have)
			}
		}
		return nil
	case haveListedMsg:
		if msg.prefix != p.path() || len(msg.paths) == 0 {
			return nil
		}
		v := commonPrefix(msg.paths)
		if len(msg.paths) == 1 && !strings.HasSuffix(v, ".json") {
			v += string(filepath.Separator)
		}
		p.input.SetValue(v)
		p.input.CursorEnd()
		return p.check()
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return nil
}

func (p *havePanel) key(msg tea.KeyPressMsg) tea.Cmd {
	f := p.f
	switch {
	case msg.String() == "tab":
		eng, prefix := f.eng, p.path()
		return func() tea.Msg { return haveListedMsg{prefix: prefix, paths: eng.HaveFiles(prefix)} }
	case key.Matches(msg, f.keys.Back):
		return p.close()
	case key.Matches(msg, f.keys.Next):
		switch {
		case p.path() == "":
			return p.close()
		case p.checked == p.path() && p.checkedErr == nil && p.checkedMsg != "":
			if !slices.Contains(p.paths, p.path()) {
				p.paths = append(p.paths, p.path())
			}
			p.said[p.path()] = p.checkedMsg
			p.input.SetValue("")
			p.checked, p.checkedMsg = "", ""
		}
		return nil
	case msg.String() == "backspace" && p.path() == "" && len(p.paths) > 0:
		p.paths = p.paths[:len(p.paths)-1]
		return nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return tea.Batch(cmd, p.check())
}

// close leaves the panel; the preview measures the plan again against
// the files now taken.
func (p *havePanel) close() tea.Cmd {
	p.open = false
	p.input.Blur()
	return p.f.preview.start()
}

// check reads the file typed, so the technician sees at once what it says.
func (p *havePanel) check() tea.Cmd {
	path := p.path()
	p.checked, p.checkedMsg, p.checkedErr = "", "", nil
	if path == "" {
		return nil
	}
	eng, ctx := p.f.eng, p.f.jobs.Context()
	return func() tea.Msg {
		h, err := eng.Have(ctx, []string{path})
		return haveCheckedMsg{path: path, have: h, err: err}
	}
}

// describeHave says what a file says the site holds.
func describeHave(h *inventory.Have) string {
	var from []string
	for _, b := range h.Bundles {
		from = append(from, fmt.Sprintf("bundle %s (code %s)", b.Name, b.ShortCode))
	}
	from = append(from, h.Registries...)
	s := blobs(len(h.Blobs))
	if len(from) > 0 {
		s += " · " + strings.Join(from, ", ")
	}
	return s
}

func (p *havePanel) View(w int) string {
	th := p.f.th
	var b strings.Builder
	b.WriteString(th.Header.Render("What the site already has (optional)") + "\n")
	b.WriteString(th.Subtle.Render(textfit.Words("An inventory (ferry inventory), an earlier bundle or its .ferry.json, or an import report: the bundle then leaves out every blob the site holds.", w-1)) + "\n\n")
	b.WriteString(p.input.View() + "\n")
	switch {
	case p.path() == "":
		b.WriteString(th.Subtle.Render("tab completes · enter with an empty field goes back to the preview"))
	case p.checkedErr != nil:
		b.WriteString(th.Error.Render(textfit.Words("✗ "+worded(p.checkedErr), w-1)))
	case p.checked == p.path():
		b.WriteString(th.OK.Render(textfit.Words("✓ "+p.checkedMsg+": enter adds it", w-1)))
	default:
		b.WriteString(th.Subtle.Render("Reading…"))
	}
	b.WriteString("\n\n")
	if len(p.paths) == 0 {
		b.WriteString(th.Subtle.Render("No file yet: the bundle is a full one."))
		return b.String()
	}
	b.WriteString(th.Header.Render("Measured against") + "\n")
	for _, path := range p.paths {
		line := textfit.Middle(path, w-3)
		if said := p.said[path]; said != "" {
			line = textfit.Middle(path, max(10, w-5-len([]rune(said)))) + "  " + th.Subtle.Render(said)
		}
		b.WriteString("  " + line + "\n")
	}
	b.WriteString(th.Subtle.Render("backspace in an empty field drops the last file"))
	return b.String()
}

// sizesLine is the full and the delta size side by side, as the plan
// table shows them, or what h does when no file was given.
func sizesLine(f *Flow, p *plan.Plan) string {
	th := f.th
	if p.Have == nil {
		if len(f.have.paths) > 0 {
			return th.Subtle.Render(fmt.Sprintf("full %s · the site has none of it: the bundle is a full one · h: what the site has", size.Format(p.Totals.Unique)))
		}
		return th.Subtle.Render(fmt.Sprintf("full %s · h: what the site already has (optional)", size.Format(p.Totals.Unique)))
	}
	h := p.Have
	return fmt.Sprintf("full %s · delta %s %s", size.Format(h.Full), th.Accent.Render(size.Format(h.Delta)),
		th.Subtle.Render(fmt.Sprintf("(the site has %s, %s) · h: change", size.Format(h.OmittedBytes), blobs(len(h.Omitted)))))
}

// carriedText is what the bundle carries in a sentence: the delta beside
// the full size when the site holds some of it.
func carriedText(p *plan.Plan) string {
	if h := p.Have; h != nil {
		return fmt.Sprintf("delta %s of full %s", size.Format(h.Delta), size.Format(h.Full))
	}
	return sizeText(p.Totals.Unique)
}

func blobs(n int) string {
	if n == 1 {
		return "1 blob"
	}
	return fmt.Sprintf("%d blobs", n)
}
