package planview

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/image"
	"ferry/artifacts/maven"
	"ferry/themes"
	"ferry/workflow/plan"
)

var update = flag.Bool("update", false, "rewrite golden files")

func samplePlan() *plan.Plan {
	p := &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Selection: plan.Selected{Target: "demo", Title: "Demo product", Version: "2.0", Archs: []string{"amd64", "arm64"},
			Modules: []plan.Module{{Name: "core", Reason: "required"}, {Name: "ui"}}},
		Images: []plan.Image{
			{Reference: "registry.example.test/demo/core:2.0", Modules: []string{"core"}, Platforms: []string{"linux/amd64", "linux/arm64"},
				Size: 300 * 1024 * 1024, Shared: 120 * 1024 * 1024,
				Blobs: []image.Blob{{Digest: "sha256:a", Size: 300 * 1024 * 1024, Kind: "layer", Platforms: []string{"linux/amd64"}}}},
			{Reference: "registry.example.test/demo/ui:2.0", Modules: []string{"ui"}, Platforms: []string{"linux/amd64"},
				Size: 150 * 1024 * 1024, Shared: 120 * 1024 * 1024},
		},
		Maven: []plan.Maven{{Coordinates: "org.example:lib:1.0", Modules: []string{""}, Files: []maven.File{{Path: "x.jar", Size: 2048}, {Path: "x.pom", Size: 512}}, Size: 2560}},
		Totals: plan.Totals{
			Listed: 450*1024*1024 + 2560, Unique: 330*1024*1024 + 2560,
			Images:  plan.Sum{Count: 2, Listed: 450 * 1024 * 1024, Unique: 330 * 1024 * 1024},
			Maven:   plan.Sum{Count: 1, Listed: 2560, Unique: 2560},
			Modules: []plan.ModuleTotal{{Module: "core", Listed: 300 * 1024 * 1024, Unique: 300 * 1024 * 1024}, {Module: "ui", Listed: 150 * 1024 * 1024, Unique: 150 * 1024 * 1024}, {Module: "", Listed: 2560, Unique: 2560}},
			Archs:   []plan.ArchTotal{{Arch: "amd64", Size: 200 * 1024 * 1024}, {Arch: "arm64", Size: 130 * 1024 * 1024}},
		},
		Notes:  []plan.Note{{Module: "core", Text: "read 2 component images from registry.example.test/demo/release:2.0 (release-manifests/image-references)"}},
		Errors: []plan.Problem{{Kind: "image", Item: "registry.example.test/demo/gone:2.0", Message: "registry.example.test/demo/gone:2.0 does not exist on registry.example.test: check the repository name and the tag"}},
	}
	p.Media = plan.FitMedia(p.Totals.Unique)
	return p
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./tui/planview -update to create %s", path)
	assert.Equal(t, string(want), got)
}

func TestRenderMonoGolden(t *testing.T) {
	golden(t, "plan-mono.golden", Render(samplePlan(), themes.MonoTheme(), 0, nil))
}

func TestRenderSaysWhatMatters(t *testing.T) {
	out := ansi.Strip(Render(samplePlan(), themes.DefaultTheme(true), 0, nil))
	for _, want := range []string{
		"demo 2.0 — Demo product",
		"modules: core (required), ui",
		"registry.example.test/demo/core:2.0",
		"(your list)",
		"org.example:lib:1.0",
		"2 files",
		"as listed:                450.0 MiB",
		"after de-duplication:     330.0 MiB",
		"(120.0 MiB shared)",
		"per architecture:         amd64 200.0 MiB · arm64 130.0 MiB",
		"fits on every common medium",
		"1 item could not be resolved:",
		"core: read 2 component images from registry.example.test/demo/release:2.0",
		"✗ registry.example.test/demo/gone:2.0 does not exist",
	} {
		assert.Contains(t, out, want)
	}
}

func TestRenderFitsWidth(t *testing.T) {
	out := ansi.Strip(Render(samplePlan(), themes.MonoTheme(), 80, nil))
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "╭") || strings.HasPrefix(line, "│") || strings.HasPrefix(line, "╰") {
			assert.LessOrEqual(t, ansi.StringWidth(line), 80, line)
		}
	}
}

func BenchmarkRender200Images(b *testing.B) {
	p := samplePlan()
	for i := 0; i < 200; i++ {
		p.Images = append(p.Images, p.Images[0])
	}
	th := themes.DefaultTheme(true)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Render(p, th, 120, nil)
	}
}
