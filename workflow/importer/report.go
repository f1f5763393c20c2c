package importer

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/afero"

	"ferry/artifacts/fault"
)

// Markdown renders the report for people.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# ferry import report\n\n")
	fmt.Fprintf(&b, "- Bundle: `%s` (code **%s**, %s)\n", r.Bundle, r.Code, r.Digest)
	if r.Registry != "" {
		fmt.Fprintf(&b, "- Registry: `%s`\n", r.Registry)
	}
	if r.Maven != nil {
		fmt.Fprintf(&b, "- Maven: `%s`\n", r.Maven.Destination)
	}
	fmt.Fprintf(&b, "- Verified after loading: %v\n", r.Verified)
	if len(r.Checked) > 0 {
		fmt.Fprintf(&b, "- Checked at the destination: %s\n", strings.Join(r.Checked, ", "))
	}
	if len(r.Checks) > 0 {
		fmt.Fprintf(&b, "\n## Checks\n\n")
		for _, c := range r.Checks {
			mark := "ok"
			if !c.OK {
				mark = "FAILED: " + c.Problem
			}
			fmt.Fprintf(&b, "- %s: %s\n", c.Name, mark)
		}
	}
	if len(r.Images) > 0 {
		fmt.Fprintf(&b, "\n## Images\n\n| image | loaded as | digest | tagged |\n|---|---|---|---|\n")
		for _, l := range r.Images {
			fmt.Fprintf(&b, "| `%s` | `%s` | `%s` | %v |\n", l.Reference, l.Destination, l.Digest, l.Tagged)
		}
		if r.Blobs != nil {
			fmt.Fprintf(&b, "\nBlobs: %d sent, %d already there, %d mounted from another repository.\n", r.Blobs.BlobsSent, r.Blobs.BlobsSkipped, r.Blobs.BlobsMounted)
		}
	}
	if r.Maven != nil {
		fmt.Fprintf(&b, "\n## Maven\n\n%d files: %d uploaded, %d already there.\n", r.Maven.Files, r.Maven.Uploaded, r.Maven.Skipped)
	}
	if len(r.Problems) > 0 || r.MavenSkipped > 0 {
		fmt.Fprintf(&b, "\n## Still to do\n\n")
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "- %s\n", p)
		}
		if r.MavenSkipped > 0 {
			fmt.Fprintf(&b, "- %s\n", r.mavenNotLoaded())
		}
	}
	return b.String()
}

// Summary says in one line what was checked at the destination and what
// the bundle carries that was not loaded.
func (r *Report) Summary() string { return r.SummaryIn(nil) }

// SummaryIn is Summary with the settings it names worded by words.
func (r *Report) SummaryIn(words fault.Words) string {
	var s string
	switch {
	case slices.Contains(r.Checked, CheckedImages) && slices.Contains(r.Checked, CheckedMaven):
		s = "every image digest and Maven file checked at the destination"
	case slices.Contains(r.Checked, CheckedImages):
		s = "every image digest checked at the registry"
	case slices.Contains(r.Checked, CheckedMaven):
		s = "every Maven file checked against the bundle and at the destination"
	default:
		s = "nothing checked at a destination"
	}
	if r.MavenSkipped > 0 {
		s += "; " + r.mavenNotLoaded().Word(words)
	}
	return s
}

func (r *Report) mavenNotLoaded() fault.Phrase {
	files := "files were"
	if r.MavenSkipped == 1 {
		files = "file was"
	}
	return fault.Say("the bundle's %d Maven %s not loaded (no Maven destination): run the import again with %s or %s to load them", r.MavenSkipped, files, fault.Use(fault.MavenURL), fault.Use(fault.MavenDir))
}

// Write saves the report as PATH.md and PATH.json (an .md or .json
// extension on path is dropped first).
func (r *Report) Write(fs afero.Fs, path string) ([]string, error) {
	base := strings.TrimSuffix(strings.TrimSuffix(path, ".md"), ".json")
	if err := fs.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	out := []string{base + ".md", base + ".json"}
	if err := afero.WriteFile(fs, out[0], []byte(r.Markdown()), 0o644); err != nil {
		return nil, fmt.Errorf("cannot write the report %s: %w", out[0], err)
	}
	if err := afero.WriteFile(fs, out[1], append(js, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("cannot write the report %s: %w", out[1], err)
	}
	r.Path = out[0]
	return out, nil
}
