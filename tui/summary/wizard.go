package summary

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"ferry/artifacts/bundle"
	"ferry/artifacts/size"
	"ferry/tui/app"
	"ferry/tui/components/textfit"
	"ferry/tui/farside"
)

// Wizard prints, once the full screen is gone, a few plain lines that stay
// in the scrollback: what was made or loaded, where, the code, what is
// left to do and the command that goes on.
func Wizard(w io.Writer, r app.Result) {
	switch {
	case r.Side == app.Import && r.Import != nil:
		importSide(w, r)
	case r.Prepare != nil:
		prepareSide(w, r)
	}
}

func prepareSide(w io.Writer, r app.Result) {
	p := r.Prepare
	if res := p.Result; res != nil {
		fmt.Fprintf(w, "✓ Bundle written: %s (%d part(s), %s)\n", filepath.Join(res.Dir, bundle.IndexName(res.Index.Name)), len(res.Index.Parts), size.Format(res.Index.Size))
		fmt.Fprintf(w, "  code: %s (read it to the technician; their screen shows the same)\n", res.Index.ShortCode)
		sign := ""
		if p.SignedBy != "" {
			fmt.Fprintf(w, "  signed by %s (give the site the key's .pub yourself, never on the stick)\n", p.SignedBy)
			sign = " --sign-key " + textfit.Quote(p.SignKey)
		} else {
			fmt.Fprintln(w, "  not signed")
		}
		if res.Answers != "" {
			fmt.Fprintf(w, "  answers: %s\n", res.Answers)
			fmt.Fprintf(w, "  again, without questions: ferry prepare --answers %s --output %s%s\n", textfit.Quote(res.Answers), textfit.Quote(res.Dir), sign)
		}
		if !r.Demo {
			fmt.Fprintln(w, "  next: copy the whole folder to the medium, run `ferry verify --quick` on the copy, and hand it over with READ-ME-FIRST.txt")
		}
		return
	}
	switch {
	case p.Downloading && r.Outcome == app.Failed:
		fmt.Fprintf(w, "✗ The download failed; nothing half-written is left as if it were whole.\n")
	case p.Downloading:
		fmt.Fprintf(w, "The download was stopped; what was downloaded is kept in the cache.\n")
	case r.Outcome == app.Failed:
		fmt.Fprintf(w, "✗ ferry stopped on the step %q; nothing was downloaded.\n", p.Step)
	default:
		fmt.Fprintf(w, "ferry was left on the step %q; nothing was downloaded.\n", p.Step)
	}
	if p.Command != "" {
		what := "  the same, without questions"
		if p.Downloading {
			what = "  resume with"
		}
		fmt.Fprintf(w, "%s: %s\n", what, p.Command)
	}
}

func importSide(w io.Writer, r app.Result) {
	o := r.Import
	if r.Demo && r.Prepare != nil && r.Prepare.Result != nil {
		fmt.Fprintf(w, "Bundle prepared: code %s\n", r.Prepare.Result.Index.ShortCode)
	}
	name := ""
	if o.Bundle != nil {
		name = fmt.Sprintf("%s (code %s)", o.Bundle.Index.Name, o.Bundle.Index.ShortCode)
	}
	rep := o.Report
	switch {
	case o.Serving != "":
		fmt.Fprintf(w, "Served %s from %s: %d image manifests pulled; serving has stopped.\n", name, o.Serving, o.Pulls)
		return
	case o.NodeCommand != "":
		nodeSide(w, r, name)
		return
	case rep != nil && r.Outcome == app.Failed:
		fmt.Fprintf(w, "✗ The import of %s stopped part way, on the step %q.\n", name, o.Step)
	case rep != nil:
		fmt.Fprintf(w, "✓ %s loaded and checked.\n", name)
	case r.Outcome == app.Failed:
		fmt.Fprintf(w, "✗ ferry stopped on the step %q; nothing was loaded.\n", o.Step)
	default:
		fmt.Fprintf(w, "ferry was left on the step %q; nothing was loaded.\n", o.Step)
	}
	if rep != nil {
		if rep.Registry != "" {
			fmt.Fprintf(w, "  images: %d into %s\n", len(rep.Images), rep.Registry)
		}
		if rep.Maven != nil {
			fmt.Fprintf(w, "  Maven: %d files into %s\n", rep.Maven.Files, rep.Maven.Destination)
		}
		if rep.Path != "" {
			fmt.Fprintf(w, "  report: %s\n", rep.Path)
		}
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  still to do: %s\n", Sentence(p))
		}
	}
	if o.Bundle == nil {
		return
	}
	switch {
	case rep == nil || r.Outcome == app.Failed:
		fmt.Fprintf(w, "  to go on: %s (what is already there is skipped)\n", farside.ImportCommand(o.Bundle.Dir, o.Destination))
	case len(o.Configured) == 0:
		fmt.Fprintf(w, "  still to do: write the mirror configuration: %s\n", farside.ConfigureCommand(o.Bundle.Dir, o.Destination))
	default:
		var platforms []string
		for _, c := range o.Configured {
			platforms = append(platforms, c.Platform)
		}
		fmt.Fprintf(w, "  mirror configuration: %s (%s)\n", o.ConfigDir, strings.Join(platforms, ", "))
		if o.StepsDone < o.StepsTotal {
			where := "each platform's STEPS.md under " + o.ConfigDir
			if len(platforms) == 1 {
				where = filepath.Join(o.ConfigDir, platforms[0], "STEPS.md")
			}
			fmt.Fprintf(w, "  still to do: %d of %d steps to apply it are not ticked; they are in %s\n", o.StepsTotal-o.StepsDone, o.StepsTotal, where)
		}
	}
}

// nodeSide is the registry-less path where each node holds the images:
// what this node holds, and the command for it and for every other node.
func nodeSide(w io.Writer, r app.Result, name string) {
	o := r.Import
	n := o.Node
	switch {
	case n != nil:
		fmt.Fprintf(w, "✓ %s loaded into this node's image store: %d images (%d copied, %d there already), each checked by its digest.\n", name, len(n.Images), n.Copied, n.Skipped)
		if n.PinFile != "" {
			fmt.Fprintf(w, "  pinned by: %s\n", n.PinFile)
		}
		fmt.Fprintln(w, "  still to do on this node: add the store to additionalimagestores in /etc/containers/storage.conf, then restart CRI-O")
	case r.Outcome == app.Failed:
		fmt.Fprintln(w, "✗ This node's image store was not loaded.")
		fmt.Fprintf(w, "  to go on, as root (what is loaded already is skipped): %s\n", o.NodeCommand)
	default:
		fmt.Fprintln(w, "This node's image store was not loaded.")
		fmt.Fprintf(w, "  to load it, as root: sudo %s\n", o.NodeCommand)
	}
	fmt.Fprintf(w, "  on each other node, as root: %s\n", o.NodeCommand)
}
