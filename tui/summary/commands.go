package summary

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/push"
	"ferry/artifacts/size"
	"ferry/targets/mirrorconfig"
	"ferry/themes"
	"ferry/tui/farside"
	"ferry/workflow/importer"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
	"ferry/workflow/session"
)

// Prepared is `ferry prepare`'s result: the bundle, its code and digest,
// where the index and answers are, what was fetched, and what comes next.
func Prepared(w io.Writer, th themes.Theme, p *plan.Plan, res *prepare.Result, sig, signedBy string) {
	idx := res.Index
	fmt.Fprintf(w, "%s %s\n", th.OK.Render("Bundle written:"), filepath.Join(res.Dir, idx.Name))
	attached := 0
	for _, im := range p.Images {
		if im.Subject != "" {
			attached++
		}
	}
	fmt.Fprintf(w, "  %d part(s), %s · %d images%s, %d Maven artifacts, %d files\n", len(idx.Parts), size.Format(idx.Size), len(p.Images)-attached, withAttached(attached), len(p.Maven), len(p.Files))
	if h := p.Have; h != nil {
		fmt.Fprintf(w, "  a delta bundle: %s left out (%d blobs the site has), %s of %s carried; load %s first\n",
			size.Format(h.OmittedBytes), len(h.Omitted), size.Format(h.Delta), size.Format(h.Full), (&bundle.Base{Bundles: h.Bundles, Registries: h.Registries}).Loads())
	}
	fmt.Fprintf(w, "\n  Code:   %s   %s\n", th.Accent.Render(idx.ShortCode), th.Subtle.Render("read this to the technician; their screen shows the same code"))
	fmt.Fprintf(w, "  Digest: %s\n\n", idx.ManifestDigest)
	fmt.Fprintf(w, "  index:   %s\n", filepath.Join(res.Dir, bundle.IndexName(idx.Name)))
	if sig != "" {
		fmt.Fprintf(w, "  signed:  %s by %s\n", sig, signedBy)
	}
	if res.Answers != "" {
		fmt.Fprintf(w, "  answers: %s (replay with --answers)\n", res.Answers)
	}
	fmt.Fprintf(w, "  fetched %s, reused %s from the cache and earlier parts, in %s\n", size.Format(res.Fetched), size.Format(res.Reused), res.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "\n%s copy the whole folder to the medium, then run `ferry verify --quick` on the copy.\n", th.Title.Render("Next:"))
}

// Verified is `ferry verify`'s result: what was checked, the code, and
// what the bundle holds.
func Verified(w io.Writer, th themes.Theme, idx bundle.Index, rep *bundle.Report, quick bool) {
	what := "every part and every item"
	if quick {
		what = "every part (sizes and checksums)"
	}
	fmt.Fprintf(w, "%s %s — %s checked.\n", th.OK.Render("OK"), idx.Name, what)
	fmt.Fprintf(w, "  code %s · %d part(s) · %s", th.Accent.Render(idx.ShortCode), rep.Parts, size.Format(idx.Size))
	if !quick {
		fmt.Fprintf(w, " · %d images, %d blobs, %d Maven files, %d files", rep.Images, rep.Blobs, rep.Maven, rep.Files)
		if rep.Omitted > 0 {
			fmt.Fprintf(w, " · a delta: %d blobs left out for its base", rep.Omitted)
		}
	}
	fmt.Fprintln(w)
}

// Checks lists the destination checks, each ticked or crossed.
func Checks(w io.Writer, th themes.Theme, checks []push.Check) {
	for _, c := range checks {
		if c.OK {
			fmt.Fprintf(w, "  %s %s\n", th.OK.Render("✓"), c.Name)
		} else {
			fmt.Fprintf(w, "  %s %s\n", th.Error.Render("✗"), c.Name)
		}
	}
}

// Preflight lists the destination checks of `ferry import --check` and,
// when all passed, says the import can go ahead.
func Preflight(w io.Writer, th themes.Theme, checks []push.Check, ready bool) {
	Checks(w, th, checks)
	if ready {
		fmt.Fprintln(w, th.OK.Render("Ready to import."))
	}
}

// Failures prints each problem as a sentence of its own, as ferry's error
// lines are.
func Failures(w io.Writer, problems []string) {
	for _, p := range problems {
		fmt.Fprintf(w, "ferry: %s\n", Sentence(p))
	}
}

// PlanErrors prints each item of p that could not be resolved, worded by
// words, as Failures does.
func PlanErrors(w io.Writer, p *plan.Plan, words fault.Words) {
	for _, e := range p.Errors {
		fmt.Fprintf(w, "ferry: %s\n", Sentence(e.Text(words)))
	}
}

// Imported is `ferry import`'s result: what went where, and the checks at
// the destination in the words of the command.
func Imported(w io.Writer, th themes.Theme, idx bundle.Index, rep *importer.Report, words fault.Words) {
	fmt.Fprintf(w, "%s %s (code %s)\n", th.OK.Render("Imported"), idx.Name, idx.ShortCode)
	if rep.Blobs != nil {
		tagged, attached := 0, 0
		for _, l := range rep.Images {
			if l.Subject != "" {
				attached++
			} else if l.Tagged {
				tagged++
			}
		}
		fmt.Fprintf(w, "  images: %d into %s (%d tagged)%s; blobs %d sent, %d already there, %d mounted; %s sent\n",
			len(rep.Images)-attached, rep.Registry, tagged, withAttached(attached), rep.Blobs.BlobsSent, rep.Blobs.BlobsSkipped, rep.Blobs.BlobsMounted, size.Format(rep.Blobs.BytesSent))
	}
	if rep.Maven != nil {
		fmt.Fprintf(w, "  Maven: %d files into %s (%d uploaded, %d already there)\n", rep.Maven.Files, rep.Maven.Destination, rep.Maven.Uploaded, rep.Maven.Skipped)
	}
	fmt.Fprintln(w, "  "+rep.SummaryIn(words))
}

// ImportNext says what comes after an import without problems.
func ImportNext(w io.Writer, th themes.Theme, bundlePath string, d session.Destination) {
	fmt.Fprintf(w, "%s write the mirror configuration with `%s`.\n", th.Title.Render("Next:"), farside.ConfigureCommand(bundlePath, d))
}

// Configured is `ferry configure`'s result: per platform, the files
// written under dir and the numbered steps to apply them. Warnings go to
// warn.
func Configured(w, warn io.Writer, th themes.Theme, results []*mirrorconfig.Result, dir string) {
	for _, r := range results {
		p := r.Platform
		fmt.Fprintf(w, "%s\n", th.Title.Render(p))
		for _, f := range r.Files {
			fmt.Fprintf(w, "  wrote %s\n", filepath.Join(dir, filepath.FromSlash(f.Path)))
		}
		for _, s := range r.Warnings {
			fmt.Fprintf(warn, "ferry: warning: %s.\n", s)
		}
		for i, s := range r.Steps {
			fmt.Fprintf(w, "  %d. %s\n", i+1, s)
		}
		fmt.Fprintf(w, "  (the steps are also in %s)\n\n", filepath.Join(dir, p, "STEPS.md"))
	}
}

// ServeVerifying says that `ferry serve --verify` reads the whole bundle
// before it serves it.
func ServeVerifying(w io.Writer, idx bundle.Index) {
	fmt.Fprintf(w, "Checking every part and item of %s (%s) before serving it…\n", idx.Name, size.Format(idx.Size))
}

// Serving says where `ferry serve` serves the bundle, with the bases of a
// delta, and lists its repositories under addr.
func Serving(w io.Writer, idx bundle.Index, bases []*bundle.Bundle, scheme, addr string, repositories []string) {
	fmt.Fprintf(w, "Serving %s (code %s) as a read-only registry on %s://%s\n", idx.Name, idx.ShortCode, scheme, addr)
	for _, b := range bases {
		fmt.Fprintf(w, "  with its base %s (code %s)\n", b.Index.Name, b.Index.ShortCode)
	}
	for _, r := range repositories {
		fmt.Fprintf(w, "  %s/%s\n", addr, r)
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}

// ServeStopped says how many pulls `ferry serve` answered before it was
// stopped.
func ServeStopped(w io.Writer, pulls int64) {
	fmt.Fprintf(w, "stopped after %d pulls\n", pulls)
}

// withAttached says how many signatures, attestations, SBOMs and referrers
// came with the images, counted apart from them ("" when none did).
func withAttached(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" with %d signature(s), attestation(s) and referrer(s)", n)
}
