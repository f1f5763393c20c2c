// Package catalogview renders the catalog for people: the list of
// targets, one target with its modules and what each carries, and what a
// lint found. `ferry catalog` prints it.
package catalogview

import (
	"fmt"
	"io"
	"strings"

	"charm.land/lipgloss/v2"
	lgtable "charm.land/lipgloss/v2/table"
	"github.com/charmbracelet/x/ansi"

	"ferry/targets/catalog"
	"ferry/themes"
)

// List is the table of targets, and how to go on.
func List(w io.Writer, th themes.Theme, targets []*catalog.Target) {
	t := lgtable.New().Border(lipgloss.RoundedBorder()).BorderStyle(th.Border).
		Headers("Target", "Title", "Latest", "Architectures", "Modules", "From")
	for _, tg := range targets {
		latest := tg.Latest()
		if latest == "" {
			latest = "-"
		}
		archs := strings.Join(tg.Archs, ", ")
		if archs == "" {
			archs = "any"
		}
		t.Row(tg.Name, tg.Title, latest, archs, fmt.Sprint(len(tg.Modules)), tg.Source)
	}
	t.StyleFunc(func(row, col int) lipgloss.Style {
		if row == lgtable.HeaderRow {
			return th.Header
		}
		if col == 0 {
			return th.Cell.Inherit(th.Accent)
		}
		return th.Cell
	})
	fmt.Fprintln(w, t.Render())
	fmt.Fprintln(w, th.Subtle.Render("Show one with `ferry catalog show TARGET`; plan one with `ferry plan --target TARGET`."))
}

// Linted is what a lint of path found good: its targets, those that
// override a built-in one (builtin), and a requirements folder's notes on
// what it lists but ferry does not carry.
func Linted(w io.Writer, th themes.Theme, path string, ts []*catalog.Target, builtin *catalog.Catalog) {
	var names []string
	for _, t := range ts {
		n := t.Name
		if _, err := builtin.Target(t.Name); err == nil {
			n += " (overrides the built-in one)"
		}
		names = append(names, n)
	}
	fmt.Fprintf(w, "%s %s: %d target(s): %s\n", th.OK.Render("OK"), path, len(ts), strings.Join(names, ", "))
	for _, m := range ts[0].Modules {
		if m.Notes != "" && catalog.IsRequirements(path) {
			fmt.Fprintf(w, "   %s %s\n", th.Subtle.Render("note ("+m.Name+"):"), m.Notes)
		}
	}
}

// Target shows a target: where it comes from, its architectures and
// versions, and every module of version (default: the latest) with what it
// carries.
func Target(w io.Writer, th themes.Theme, t *catalog.Target, version string) error {
	fmt.Fprintln(w, th.Title.Render(t.Name)+th.Subtle.Render(" — "+t.Title))
	if t.Description != "" {
		fmt.Fprintln(w, ansi.Wordwrap(strings.TrimSpace(t.Description), 78, ""))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s %s\n", th.Subtle.Render("from:         "), t.Source)
	archs := strings.Join(t.Archs, ", ")
	if archs == "" {
		archs = "any"
	}
	fmt.Fprintf(w, "%s %s\n", th.Subtle.Render("architectures:"), archs)
	if len(t.Versions) > 0 {
		vs := t.VersionNames()
		vs[0] += " (latest)"
		fmt.Fprintf(w, "%s %s\n", th.Subtle.Render("versions:     "), strings.Join(vs, ", "))
	}
	if len(t.Modules) == 0 {
		fmt.Fprintln(w, th.Subtle.Render("\nThis target has no modules of its own: bring lists with --images FILE and --maven FILE."))
		return nil
	}
	// Expand every module for the version, to show real references.
	all := catalog.Choice{Version: version, Archs: t.Archs, Modules: t.ModuleNames()}
	if len(all.Archs) == 0 {
		all.Archs = []string{"amd64"}
	}
	sel, err := t.Select(all)
	if err != nil {
		return err
	}
	heading := "Modules"
	if sel.Version != "" {
		heading += " of " + sel.Version
	}
	fmt.Fprintf(w, "\n%s\n", th.Title.Render(heading))
	for i, m := range t.Modules {
		mark := "optional"
		switch {
		case m.Required:
			mark = "required"
		case m.Default:
			mark = "on by default"
		}
		fmt.Fprintf(w, "\n  %s %s %s\n", th.Accent.Render(m.Name), th.Subtle.Render("("+mark+")"), m.Title)
		if m.Description != "" {
			desc := ansi.Wordwrap(strings.TrimSpace(m.Description), 74, "")
			fmt.Fprintf(w, "    %s\n", th.Subtle.Render(strings.ReplaceAll(desc, "\n", "\n    ")))
		}
		if len(m.DependsOn) > 0 {
			fmt.Fprintf(w, "    needs: %s\n", strings.Join(m.DependsOn, ", "))
		}
		if m.Notes != "" {
			for _, l := range strings.Split(ansi.Wordwrap("note: "+strings.TrimSpace(m.Notes), 74, ""), "\n") {
				fmt.Fprintf(w, "    %s\n", th.Subtle.Render(l))
			}
		}
		n := sel.Needs[i]
		for _, im := range n.Images {
			fmt.Fprintf(w, "    image  %s\n", im)
		}
		for _, r := range n.Releases {
			fmt.Fprintf(w, "    release  %s %s\n", r, th.Subtle.Render("(components read at plan time)"))
		}
		for _, rc := range n.ReleaseComponents {
			fmt.Fprintf(w, "    release  %s %s\n", rc.Release, th.Subtle.Render("(only "+strings.Join(rc.Components, ", ")+", read at plan time)"))
		}
		for _, b := range n.Bundles {
			which := "all sections"
			switch {
			case len(b.Include) > 0:
				which = strings.Join(b.Include, ", ")
			case len(b.Exclude) > 0:
				which = "all but " + strings.Join(b.Exclude, ", ")
			}
			fmt.Fprintf(w, "    bundles  %s %s\n", b.URL, th.Subtle.Render(fmt.Sprintf("(Kubernetes %s: %s, read at plan time)", b.KubeVersion, which)))
		}
		for _, mv := range n.Maven {
			fmt.Fprintf(w, "    maven  %s\n", mv)
		}
		for _, mi := range n.MavenFromImages {
			fmt.Fprintf(w, "    maven  %s in %s %s\n", mi.Path, mi.Image, th.Subtle.Render("(the Maven repository, read at plan time; the image is not carried)"))
		}
		for _, f := range n.Files {
			only := ""
			if len(f.Archs) > 0 && len(f.Archs) < len(t.Archs) {
				only = " " + th.Subtle.Render("("+strings.Join(f.Archs, ", ")+" only)")
			}
			fmt.Fprintf(w, "    file   %s%s\n", f.URL, only)
		}
	}
	return nil
}
