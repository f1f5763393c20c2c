package accessible

import (
	"context"
	"fmt"
	"slices"

	"ferry/artifacts/fault"
	"ferry/artifacts/olm"
	"ferry/targets/catalog"
	"ferry/tui/wizard"
	"ferry/workflow/selection"
)

// operatorsQuestion asks, when a chosen module carries OLM operators and
// the engine reads catalogs, which other packages of those catalog images
// to carry and each one's channel (the default preselected): the wizard's
// Operators screen as prompts. The answers go to sel.Operators, which the
// answers file records.
func operatorsQuestion(ctx context.Context, p *prompter, eng any, t **catalog.Target, sel *selection.Selection) question {
	rd, can := eng.(wizard.OperatorCatalogReader)
	listed := func() []catalog.Operator {
		if !can || *t == nil {
			return nil
		}
		s, err := (*t).Select(catalog.Choice{Version: sel.Version, Archs: sel.Archs, Modules: sel.Modules})
		if err != nil {
			return nil
		}
		var out []catalog.Operator
		for _, n := range s.Needs {
			out = append(out, n.Operators...)
		}
		return out
	}
	return question{skip: func() bool { return len(listed()) == 0 }, run: func() error {
		out := p.out
		ops := listed()
		var refs []string
		for _, o := range ops {
			if !slices.Contains(refs, o.Catalog) {
				refs = append(refs, o.Catalog)
			}
		}
		fmt.Fprintln(out, "\nQuestion 4, continued: which operators? Reading the catalog images the modules name…")
		type pkg struct {
			ref  string
			m    *olm.PackageModel
			mine bool
		}
		var pkgs []pkg
		var labels []string
		var defs []int
		for _, ref := range refs {
			cat, err := rd.OperatorCatalog(ctx, ref, sel.Archs)
			if err != nil {
				fmt.Fprintf(out, "%s\nGoing on with the operators the modules list.\n", fault.Word(err, wizard.Words))
				sel.Operators = nil
				return nil
			}
			for _, name := range cat.PackageNames() {
				m := cat.Packages[name]
				mine := slices.ContainsFunc(ops, func(o catalog.Operator) bool { return o.Catalog == ref && o.Package == name })
				label := name + " — default channel " + m.DefaultChannel
				if len(refs) > 1 {
					label += " — from " + ref
				}
				if mine {
					label += " (listed by a module, always carried)"
					defs = append(defs, len(pkgs))
				} else if slices.ContainsFunc(sel.Operators, func(w olm.Wish) bool { return w.Catalog == ref && w.Package == name }) {
					defs = append(defs, len(pkgs))
				}
				pkgs = append(pkgs, pkg{ref: ref, m: m, mine: mine})
				labels = append(labels, label)
			}
		}
		picked, err := p.chooseMany("Operators", labels, defs)
		if err != nil {
			return err
		}
		var wishes []olm.Wish
		for _, i := range picked {
			pk := pkgs[i]
			if pk.mine {
				continue
			}
			chans := pk.m.ChannelNames()
			def := slices.Index(chans, pk.m.DefaultChannel) + 1
			if def == 0 {
				def = 1
			}
			options := slices.Clone(chans)
			for j, c := range chans {
				if c == pk.m.DefaultChannel {
					options[j] += " (default)"
				}
			}
			fmt.Fprintf(out, "Which channel of %s? Its newest version is carried.\n", pk.m.Name)
			ci, err := p.choose("Channel", options, def)
			if err != nil {
				return err
			}
			wishes = append(wishes, olm.Wish{Catalog: pk.ref, Package: pk.m.Name, Channel: chans[ci]})
		}
		sel.Operators = wishes
		return nil
	}}
}
