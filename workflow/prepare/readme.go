package prepare

import (
	"fmt"
	"strings"

	"ferry/artifacts/bundle"
	"ferry/artifacts/size"
	"ferry/workflow/plan"
)

// readMe is the plain-text note for the technician that travels with the
// bundle.
func readMe(pl *plan.Plan, idx bundle.Index, withBinary bool) string {
	var b strings.Builder
	title := pl.Selection.Target
	if pl.Selection.Title != "" {
		title = pl.Selection.Title
	}
	if pl.Selection.Version != "" {
		title += " " + pl.Selection.Version
	}
	fmt.Fprintf(&b, "READ ME FIRST\n=============\n\n")
	fmt.Fprintf(&b, "This medium carries %s for a site without internet access.\n", title)
	fmt.Fprintf(&b, "Architectures: %s\n", strings.Join(pl.Selection.Archs, ", "))
	var mods []string
	for _, m := range pl.Selection.Modules {
		mods = append(mods, m.Name)
	}
	if len(mods) > 0 {
		fmt.Fprintf(&b, "Modules: %s\n", strings.Join(mods, ", "))
	}
	fmt.Fprintf(&b, "Contents: %d images, %d Maven artifacts, %d files; %s in %d part(s).\n\n",
		len(pl.Images), len(pl.Maven), len(pl.Files), size.Format(idx.Size), len(idx.Parts))
	fmt.Fprintf(&b, "THE CODE OF THIS BUNDLE IS:  %s\n", idx.ShortCode)
	fmt.Fprintf(&b, "Ask the engineer who made it to read you their code. If the codes differ,\nthis is not the bundle they meant: stop and call them.\n\n")
	if h := pl.Have; h != nil {
		base := bundle.Base{Bundles: h.Bundles, Registries: h.Registries}
		fmt.Fprintf(&b, "THIS IS AN UPGRADE (DELTA) BUNDLE: it leaves out %s that the site\nalready holds. Load %s first;\nferry import checks this and loads nothing if it is missing.\n\n",
			size.Format(h.OmittedBytes), base.Loads())
	}
	ferry := "ferry"
	if withBinary {
		ferry = "./ferry"
	}
	fmt.Fprintf(&b, "What to do\n----------\n")
	fmt.Fprintf(&b, "1. Open a terminal in the folder of this file.\n")
	fmt.Fprintf(&b, "2. Check that nothing was damaged on the way:\n       %s verify %s\n", ferry, bundle.IndexName(idx.Name))
	fmt.Fprintf(&b, "   If it names a damaged or missing part, copy that part again from the\n   original medium and check again.\n")
	fmt.Fprintf(&b, "3. Follow the guide, which asks you each question in turn:\n       %s\n\n", ferry)
	fmt.Fprintf(&b, "Files here\n----------\n")
	fmt.Fprintf(&b, "  %-28s the list of parts and their checksums\n", bundle.IndexName(idx.Name))
	for i, p := range idx.Parts {
		if i == 3 && len(idx.Parts) > 5 {
			fmt.Fprintf(&b, "  …                            (%d parts in all)\n", len(idx.Parts))
			break
		}
		fmt.Fprintf(&b, "  %-28s part %d of %d, %s\n", p.Name, i+1, len(idx.Parts), size.Format(p.Size))
	}
	if withBinary {
		fmt.Fprintf(&b, "  %-28s the ferry program (Linux, %s)\n", "ferry", "run it as ./ferry")
	}
	if len(pl.Notes) > 0 {
		fmt.Fprintf(&b, "\nNotes from the product\n----------------------\n")
		for _, n := range pl.Notes {
			fmt.Fprintf(&b, "- %s: %s\n", n.Module, n.Text)
		}
	}
	return b.String()
}
