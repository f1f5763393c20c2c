package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/image"
	"ferry/artifacts/olm"
	events "ferry/artifacts/progress"
	"ferry/targets/catalog"
	"ferry/tui/wizard"
	"ferry/workflow/plan"
	"ferry/workflow/selection"
)

const opsCatalog = "registry.example.test/redhat/operator-index:v4.17"

// opsEngine is fakeEngine with a product whose module carries an
// operator, and an operator catalog it reads from memory.
type opsEngine struct {
	*fakeEngine
	reads  []string // the catalogs read, with the architectures
	failed error    // what reading a catalog returns, when set
}

func newOpsEngine(t *testing.T) *opsEngine {
	t.Helper()
	p := filepath.Join(t.TempDir(), "catalog.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`apiVersion: ferry/v1
kind: Catalog
targets:
  - name: flow
    title: Flow on OpenShift
    archs: [amd64]
    versions: [{version: "1.0"}]
    modules:
      - name: olm
        title: The operator, through OLM
        required: true
        operators:
          - catalog: `+opsCatalog+`
            package: logic-operator
            channel: alpha
`), 0o644))
	cat, err := catalog.Load(p)
	require.NoError(t, err)
	return &opsEngine{fakeEngine: &fakeEngine{cat: cat, free: 64 << 30}}
}

// OperatorCatalog is a catalog of four packages, one with two channels.
func (e *opsEngine) OperatorCatalog(ctx context.Context, ref string, archs []string) (*olm.Catalog, error) {
	e.reads = append(e.reads, ref+" "+strings.Join(archs, ","))
	if e.failed != nil {
		return nil, e.failed
	}
	var lines []string
	add := func(pkg, def string, channels map[string][]string) {
		lines = append(lines, fmt.Sprintf(`{"schema":"olm.package","name":%q,"defaultChannel":%q}`, pkg, def))
		for ch, versions := range channels {
			var entries []string
			prev := ""
			for _, v := range versions {
				e := fmt.Sprintf(`{"name":"%s.v%s"`, pkg, v)
				if prev != "" {
					e += fmt.Sprintf(`,"replaces":"%s.v%s"`, pkg, prev)
				}
				entries = append(entries, e+"}")
				prev = v
			}
			lines = append(lines, fmt.Sprintf(`{"schema":"olm.channel","package":%q,"name":%q,"entries":[%s]}`, pkg, ch, strings.Join(entries, ",")))
			for _, v := range versions {
				lines = append(lines, fmt.Sprintf(`{"schema":"olm.bundle","package":%q,"name":"%s.v%s","image":"registry.example.test/ops/%s-bundle@sha256:%064d","properties":[{"type":"olm.package","value":{"packageName":%q,"version":%q}}]}`,
					pkg, pkg, v, pkg, 0, pkg, v))
			}
		}
	}
	add("logic-operator", "alpha", map[string][]string{"alpha": {"1.1.0", "1.2.0"}})
	add("serverless-operator", "stable", map[string][]string{"stable": {"1.34.0", "1.35.0"}, "stable-1.33": {"1.33.2"}})
	add("data-index", "stable", map[string][]string{"stable": {"2.1.0"}})
	add("prom", "beta", map[string][]string{"beta": {"0.9.0"}})
	blobs, err := olm.ParseFile("catalog.json", []byte(strings.Join(lines, "\n")))
	if err != nil {
		return nil, err
	}
	return olm.Assemble(blobs)
}

// Plan adds, for every operator of the selection and its modules, its
// bundle image with the reason the real planner gives.
func (e *opsEngine) Plan(ctx context.Context, sel selection.Selection, progress events.Sink) (*plan.Plan, error) {
	p, err := e.fakeEngine.Plan(ctx, sel, nil)
	if err != nil {
		return nil, err
	}
	t, _ := e.cat.Target(sel.Target)
	s, err := t.Select(catalog.Choice{Version: sel.Version, Archs: sel.Archs, Modules: sel.Modules})
	if err != nil {
		return nil, err
	}
	type op struct{ module, pkg, channel string }
	var ops []op
	for _, n := range s.Needs {
		for _, o := range n.Operators {
			ops = append(ops, op{n.Module, o.Package, o.Channel})
		}
	}
	for _, w := range sel.Operators {
		ops = append(ops, op{"", w.Package, w.Channel})
	}
	for _, o := range ops {
		ref := "registry.example.test/ops/" + o.pkg + "-bundle@sha256:" + strings.Repeat("0", 64)
		p.Images = append(p.Images, plan.Image{Reference: ref, Modules: []string{o.module}, Digest: "sha256:" + strings.Repeat("0", 64), Platforms: []string{"linux/amd64"},
			Size: 1 << 20, Why: fmt.Sprintf("bundle of %s (channel %s), listed", o.pkg, o.channel),
			Blobs: []image.Blob{{Digest: "sha256:b-" + o.pkg, Size: 1 << 20, Kind: image.KindLayer, Platforms: []string{"linux/amd64"}}}})
		if o.module == "" && !containsModule(p, "") {
			p.Selection.Modules = append(p.Selection.Modules, plan.Module{Name: ""})
		}
	}
	p.Totals = plan.Totals{}
	planTotals(p)
	return p, nil
}

func containsModule(p *plan.Plan, name string) bool {
	for _, m := range p.Selection.Modules {
		if m.Name == name {
			return true
		}
	}
	return false
}

var _ wizard.OperatorCatalogReader = (*opsEngine)(nil)

func newOpsPrepare(t *testing.T, w, h int) (*driver, *opsEngine) {
	t.Helper()
	eng := newOpsEngine(t)
	d := newDriver(t, Options{Side: Prepare, PrepareEngine: eng, ImportEngine: &fake{},
		Prepare: wizard.Options{MachineArch: "amd64", DefaultOutput: "/srv/bundles/flow", Product: "flow"},
		Import:  farsideOptions()}, w, h)
	return d, eng
}

// TestOperatorsPicker: a module with an operator opens the package list
// from the catalog image; typing filters it; a package ticked asks its
// channel with the default preselected; the preview shows its bundle
// with why; the answers file records it.
func TestOperatorsPicker(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		d, eng := newOpsPrepare(t, sz[0], sz[1])
		g := func(name string) { d.golden(fmt.Sprintf("prepare/%s-%dx%d", name, sz[0], sz[1])) }
		d.press("enter", "enter", "enter", "enter") // side, product, architecture, version
		require.Equal(t, "Modules", d.step())
		assert.Contains(t, d.screen(), "Which modules?")
		d.press("enter")
		assert.Equal(t, []string{opsCatalog + " amd64"}, eng.reads, "read once, for the chosen architecture")
		assert.Contains(t, d.screen(), "Which operators?")
		assert.Contains(t, d.screen(), "logic-operator")
		assert.Contains(t, d.screen(), "(module olm)", "the module's own is ticked and locked")
		g("5b-operators")

		// Typing filters; the filter keeps q as text.
		d.press("/")
		d.typeText("svls")
		assert.True(t, d.m.Prepare().Typing())
		assert.NotContains(t, d.screen(), "data-index")
		assert.Contains(t, d.screen(), "serverless-operator")
		d.press("enter", "space")
		d.press("enter")
		assert.Contains(t, d.screen(), "Which channel of serverless-operator?")
		assert.Contains(t, d.screen(), "▸ stable ", "the default channel is preselected")
		g("5c-operator-channel")
		d.press("down", "enter")
		assert.Equal(t, "Preview", d.step())
		sel := d.m.Prepare().Selection()
		assert.Equal(t, []olm.Wish{{Catalog: opsCatalog, Package: "serverless-operator", Channel: "stable-1.33"}}, sel.Operators,
			"only what was ticked here: the module's own come from the module")
		assert.Contains(t, d.screen(), "why: bundle of logic-operator (channel alpha), listed")
		d.press("down")
		assert.Contains(t, d.screen(), "why: bundle of serverless-operator (channel stable-1.33), listed")
		g("6b-preview-operators")

		// Back from the preview: the package list, as left; no second read.
		d.press("esc")
		assert.Contains(t, d.screen(), "Which operators?")
		d.press("esc")
		assert.Contains(t, d.screen(), "Which modules?")
		d.press("enter")
		assert.Len(t, eng.reads, 1)
		d.press("enter")
		assert.Contains(t, d.screen(), "▸ stable-1.33", "the channel chosen before")
		d.press("enter", "enter")
		require.Equal(t, "Destination", d.step())
		d.press("enter")
		require.Equal(t, "Confirm", d.step())
		line := "--operator '" + opsCatalog + " serverless-operator stable-1.33'"
		assert.Contains(t, d.m.Prepare().Command(), line, "the command carries what was ticked, quoted")
		assert.Equal(t, 1, strings.Count(d.m.Prepare().Command(), "--operator "), "not the module's own")
		assert.Contains(t, strings.Join(strings.Fields(d.screen()), " "), "serverless-operator stable-1.33'")
		g("7b-confirm-operators")
		d.press("enter")
		require.Equal(t, "Done", d.step())
		require.NotNil(t, eng.prepared)
		assert.Equal(t, []olm.Wish{{Catalog: opsCatalog, Package: "serverless-operator", Channel: "stable-1.33"}}, eng.prepared.Answers.Operators, "the answers file records the choice")
	}
}

func TestOperatorsPickerCatalogUnreadable(t *testing.T) {
	d, eng := newOpsPrepare(t, 100, 30)
	eng.failed = errors.New("the catalog image registry.example.test/redhat/operator-index:v4.17 has no operators.operatorframework.io.index.configs.v1 label: it is not a file-based catalog")
	d.press("enter", "enter", "enter", "enter")
	require.Equal(t, "Modules", d.step())
	d.press("enter")
	assert.Contains(t, d.screen(), "operators.operatorframework.io.index.configs.v1 label: it is not a")
	assert.Contains(t, d.screen(), "enter: go on with the operators the modules list")
	d.press("enter")
	assert.Equal(t, "Preview", d.step())
	assert.Empty(t, d.m.Prepare().Selection().Operators)
}

// TestOperatorsPickerSkippedWithoutOperators: a product whose modules
// carry no operator goes from the modules to the preview as before.
func TestOperatorsPickerSkippedWithoutOperators(t *testing.T) {
	d, _ := newPrepare(t, 100, 30)
	d.press("enter", "enter", "enter", "enter", "enter")
	assert.Equal(t, "Preview", d.step())
}
