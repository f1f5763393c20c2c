package accessible

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/olm"
	"ferry/targets/catalog"
	"ferry/workflow/selection"
)

const index = "registry.example.test/redhat/operator-index:v4.17"

type reader struct {
	err   error
	reads []string
}

func (r *reader) OperatorCatalog(ctx context.Context, ref string, archs []string) (*olm.Catalog, error) {
	r.reads = append(r.reads, ref+" "+strings.Join(archs, ","))
	if r.err != nil {
		return nil, r.err
	}
	blobs, err := olm.ParseFile("c.json", []byte(`{"schema":"olm.package","name":"logic-operator","defaultChannel":"alpha"}
{"schema":"olm.channel","package":"logic-operator","name":"alpha","entries":[{"name":"l.1"}]}
{"schema":"olm.package","name":"serverless-operator","defaultChannel":"stable"}
{"schema":"olm.channel","package":"serverless-operator","name":"stable","entries":[{"name":"s.2"}]}
{"schema":"olm.channel","package":"serverless-operator","name":"stable-1.33","entries":[{"name":"s.1"}]}
{"schema":"olm.package","name":"prom","defaultChannel":"beta"}
{"schema":"olm.channel","package":"prom","name":"beta","entries":[{"name":"p.1"}]}`))
	if err != nil {
		return nil, err
	}
	return olm.Assemble(blobs)
}

func flowTarget(t *testing.T) *catalog.Target {
	p := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`apiVersion: ferry/v1
kind: Catalog
targets:
  - name: flow
    title: Flow
    modules:
      - name: olm
        title: OLM
        operators:
          - {catalog: `+index+`, package: logic-operator, channel: alpha}
      - name: docs
        title: Docs
`), 0o644))
	cat, err := catalog.Load(p)
	require.NoError(t, err)
	tg, err := cat.Target("flow")
	require.NoError(t, err)
	return tg
}

func ask(t *testing.T, rd any, modules []string, input string) (selection.Selection, string, error) {
	t.Helper()
	var out strings.Builder
	p := &prompter{in: bufio.NewReader(strings.NewReader(input)), out: &out}
	tg := flowTarget(t)
	sel := selection.Selection{Target: "flow", Archs: []string{"amd64"}, Modules: modules}
	q := operatorsQuestion(context.Background(), p, rd, &tg, &sel)
	if q.skip() {
		return sel, "skipped", nil
	}
	err := q.run()
	return sel, out.String(), err
}

func TestOperatorsPrompt(t *testing.T) {
	rd := &reader{}
	// The packages are listed by name: logic-operator (the module's), prom,
	// serverless-operator. Tick serverless-operator, then its channel 2.
	sel, out, err := ask(t, rd, []string{"olm"}, "1,3\n2\n")
	require.NoError(t, err)
	assert.Equal(t, []string{index + " amd64"}, rd.reads)
	assert.Contains(t, out, "1. logic-operator — default channel alpha (listed by a module, always carried)")
	assert.Contains(t, out, "Operators, numbers separated by commas [1]:")
	assert.Contains(t, out, "Which channel of serverless-operator?")
	assert.Contains(t, out, "1. stable (default)")
	assert.Contains(t, out, "Channel [1]:", "the default channel is the default answer")
	assert.Equal(t, []olm.Wish{{Catalog: index, Package: "serverless-operator", Channel: "stable-1.33"}}, sel.Operators)

	// An empty answer keeps the default channel.
	sel, _, err = ask(t, rd, []string{"olm"}, "2\n\n")
	require.NoError(t, err)
	assert.Equal(t, []olm.Wish{{Catalog: index, Package: "prom", Channel: "beta"}}, sel.Operators)

	// back returns to the question before.
	_, _, err = ask(t, rd, []string{"olm"}, "back\n")
	assert.ErrorIs(t, err, errBack)
}

func TestOperatorsPromptSkippedOrUnreadable(t *testing.T) {
	_, out, _ := ask(t, &reader{}, []string{"docs"}, "")
	assert.Equal(t, "skipped", out, "no module chosen carries operators")
	_, out, _ = ask(t, struct{}{}, []string{"olm"}, "")
	assert.Equal(t, "skipped", out, "an engine that reads no catalogs")

	sel, out, err := ask(t, &reader{err: errors.New("the catalog image " + index + " has no operators.operatorframework.io.index.configs.v1 label")}, []string{"olm"}, "")
	require.NoError(t, err)
	assert.Contains(t, out, "has no operators.operatorframework.io.index.configs.v1 label\nGoing on with the operators the modules list.")
	assert.Empty(t, sel.Operators)
}
