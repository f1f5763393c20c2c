// Package planview renders a plan for people: one table of every image,
// Maven artifact and file grouped by module with sizes and shared bytes,
// the totals before and after de-duplication, per architecture, and which
// media the bundle fits on. `ferry plan` prints it; the wizard's preview
// shows it.
package planview

import (
	"ferry/artifacts/fault"
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	lgtable "charm.land/lipgloss/v2/table"

	"ferry/artifacts/size"
	"ferry/themes"
	"ferry/workflow/plan"
)

// ownList is how the engineer's own lists are named where a module would be.
const ownList = "(your list)"

type row struct {
	module, item, detail string
	size, shared         string
	total                bool
}

// Render draws the plan with theme th; width > 0 fits the table to it.
// Problems are worded with words (nil: the neutral wording).
func Render(p *plan.Plan, th themes.Theme, width int, words fault.Words) string {
	var b strings.Builder
	b.WriteString(header(p, th))
	b.WriteString("\n\n")
	rows := rows(p)
	if len(rows) > 0 {
		b.WriteString(table(rows, th, width))
		b.WriteString("\n")
	}
	b.WriteString(totals(p, th))
	if len(p.Notes) > 0 {
		b.WriteString("\n" + th.Title.Render("Notes:") + "\n")
		for _, n := range p.Notes {
			fmt.Fprintf(&b, "  %s %s\n", th.Accent.Render(moduleLabel(n.Module)+":"), n.Text)
		}
	}
	if len(p.Errors) > 0 {
		b.WriteString("\n")
		b.WriteString(problems(p, th, words))
	}
	return b.String()
}

func header(p *plan.Plan, th themes.Theme) string {
	s := p.Selection
	title := s.Target
	if s.Version != "" {
		title += " " + s.Version
	}
	line := th.Title.Render(title)
	if s.Title != "" {
		line += th.Subtle.Render(" — " + s.Title)
	}
	var mods []string
	for _, m := range s.Modules {
		n := m.Name
		if m.Reason != "" {
			n += " (" + m.Reason + ")"
		}
		mods = append(mods, n)
	}
	line += "\n" + th.Subtle.Render("architectures: ") + strings.Join(s.Archs, ", ")
	if len(mods) > 0 {
		line += "\n" + th.Subtle.Render("modules: ") + strings.Join(mods, ", ")
	}
	return line
}

func moduleLabel(m string) string {
	if m == "" {
		return ownList
	}
	return m
}

// rows lists every item under the first module that needs it, in module
// order, with a subtotal per module.
func rows(p *plan.Plan) []row {
	order := []string{}
	for _, m := range p.Totals.Modules {
		order = append(order, m.Module)
	}
	var out []row
	for _, mod := range order {
		start := len(out)
		for _, im := range p.Images {
			if first(im.Modules) == mod {
				shared := ""
				if im.Shared > 0 {
					shared = size.Format(im.Shared)
				}
				detail := strings.Join(im.Platforms, ", ")
				if im.Subject != "" {
					// An attached artifact: what it is about matters more
					// than a platform it does not have.
					detail = im.Why
				}
				out = append(out, row{item: im.Reference, detail: detail, size: size.Format(im.Size), shared: shared})
			}
		}
		for _, mv := range p.Maven {
			if first(mv.Modules) == mod {
				detail := plural(len(mv.Files), "file")
				if mv.Why != "" && mv.Why != "listed" {
					detail += " · " + mv.Why
				}
				out = append(out, row{item: mv.Coordinates, detail: detail, size: size.Format(mv.Size)})
			}
		}
		for _, f := range p.Files {
			if first(f.Modules) == mod {
				out = append(out, row{item: f.Name, detail: "file", size: size.Format(f.Size)})
			}
		}
		if len(out) == start {
			continue
		}
		out[start].module = moduleLabel(mod)
		for _, mt := range p.Totals.Modules {
			if mt.Module == mod {
				out = append(out, row{item: "subtotal", size: size.Format(mt.Listed), shared: uniqueNote(mt.Listed, mt.Unique), total: true})
			}
		}
	}
	return out
}

func uniqueNote(listed, unique int64) string {
	if listed == unique {
		return ""
	}
	return size.Format(unique) + " unique"
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func table(rows []row, th themes.Theme, width int) string {
	t := lgtable.New().
		Border(lipgloss.RoundedBorder()).
		BorderStyle(th.Border).
		Headers("Module", "Item", "Platforms / files", "Size", "Shared")
	for _, r := range rows {
		t.Row(r.module, r.item, r.detail, r.size, r.shared)
	}
	t.StyleFunc(func(ri, col int) lipgloss.Style {
		if ri == lgtable.HeaderRow {
			return th.Header
		}
		st := th.Cell
		if ri >= 0 && ri < len(rows) && rows[ri].total {
			st = th.Total
		}
		if col == 0 {
			st = st.Inherit(th.Accent)
		}
		if col >= 3 {
			st = st.Align(lipgloss.Right)
		}
		return st
	})
	if width > 0 {
		t.Width(width)
	}
	return t.Render()
}

func totals(p *plan.Plan, th themes.Theme) string {
	t := p.Totals
	var b strings.Builder
	counts := []string{plural(t.Images.Count, "image")}
	if t.Maven.Count > 0 {
		counts = append(counts, plural(t.Maven.Count, "Maven artifact"))
	}
	if t.Files.Count > 0 {
		counts = append(counts, plural(t.Files.Count, "file"))
	}
	fmt.Fprintf(&b, "%s %s\n", th.Title.Render("Total:"), strings.Join(counts, ", "))
	fmt.Fprintf(&b, "  as listed:                %s\n", size.Format(t.Listed))
	fmt.Fprintf(&b, "  after de-duplication:     %s", th.Accent.Render(size.Format(t.Unique)))
	if saved := t.Listed - t.Unique; saved > 0 {
		fmt.Fprintf(&b, th.Subtle.Render("  (%s shared)"), size.Format(saved))
	}
	b.WriteString("\n")
	if h := p.Have; h != nil {
		fmt.Fprintf(&b, "  delta (the site has %s): %s  %s\n", size.Format(h.OmittedBytes), th.Accent.Render(size.Format(h.Delta)),
			th.Subtle.Render(fmt.Sprintf("(full %s; %d blobs left out)", size.Format(h.Full), len(h.Omitted))))
	}
	if len(t.Archs) > 1 || (len(t.Archs) == 1 && t.Images.Count > 0) {
		var parts []string
		for _, a := range t.Archs {
			parts = append(parts, a.Arch+" "+size.Format(a.Size))
		}
		fmt.Fprintf(&b, "  per architecture:         %s\n", strings.Join(parts, " · "))
	}
	fmt.Fprintf(&b, "  %s\n", media(p, th))
	return b.String()
}

func media(p *plan.Plan, th themes.Theme) string {
	var fits, not []string
	for _, m := range p.Media {
		if m.Fits {
			fits = append(fits, m.Name)
		} else {
			not = append(not, m.Name)
		}
	}
	switch {
	case len(not) == 0:
		return th.OK.Render("fits on every common medium, from a DVD up")
	case len(fits) == 0:
		return th.Warn.Render(fmt.Sprintf("fits on none of the common media (largest: %s): split it over several, or use a disk", p.Media[len(p.Media)-1].Name))
	}
	return th.OK.Render("fits on: "+strings.Join(fits, ", ")) + th.Subtle.Render("; too big for: "+strings.Join(not, ", "))
}

func problems(p *plan.Plan, th themes.Theme, words fault.Words) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", th.Error.Render(fmt.Sprintf("%s could not be resolved:", plural(len(p.Errors), "item"))))
	for _, e := range p.Errors {
		fmt.Fprintf(&b, "  %s %s\n", th.Error.Render("✗"), e.Text(words))
	}
	return b.String()
}
