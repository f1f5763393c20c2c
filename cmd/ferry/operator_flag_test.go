package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/olm/olmtest"
	"ferry/artifacts/registrytest"
	"ferry/workflow/plan"
)

// TestOperatorFlag: --operator takes a line of an operators file, is
// repeatable, and plans what the same lines in --operators plan; a line
// that cannot be read is one sentence and exit 2.
func TestOperatorFlag(t *testing.T) {
	up := registrytest.StartInProcess(t)
	cat := olmtest.Push(t, up, olmtest.Options{})
	planOf := func(args ...string) plan.Plan {
		t.Helper()
		code, out, stderr := ferry(t, append([]string{"plan", "--arch", "amd64", "--insecure-source", up.Host, "--output", "json"}, args...)...)
		require.Equal(t, 0, code, stderr)
		var p plan.Plan
		require.NoError(t, json.Unmarshal([]byte(out), &p))
		return p
	}
	lines := []string{cat.Ref + " logic-operator stable", cat.Ref + " other"}
	inline := planOf("--operator", lines[0], "--operator", lines[1])
	file := planOf("--operators", writeFile(t, "ops.txt", lines[0]+"\n"+lines[1]+"\n"))
	assert.Equal(t, map[string]string{"logic-operator": "stable", "other": "stable"}, packages(inline))
	assert.Equal(t, file.Operators, inline.Operators)
	assert.Equal(t, refs(file), refs(inline))
	assert.Contains(t, refs(inline), cat.Images["other bundle 3.0.0"])
	assert.Contains(t, refs(inline), cat.Images["logic bundle 1.0.0"], "the head of stable")

	for _, bad := range []string{cat.Ref, cat.Ref + " logic-operator alpha >=1.0.0 <"} {
		code, _, stderr := ferry(t, "plan", "--arch", "amd64", "--operator", bad)
		assert.Equal(t, 2, code, bad)
		oneSentence(t, stderr, `the operator "`+bad+`" cannot be read: `)
	}
}

// packages are the packages a plan's filtered catalogs hold, with their
// channels.
func packages(p plan.Plan) map[string]string {
	out := map[string]string{}
	for _, c := range p.Operators {
		for _, pk := range c.Packages {
			out[pk.Name] = pk.Channel
		}
	}
	return out
}

func refs(p plan.Plan) []string {
	var out []string
	for _, im := range p.Images {
		out = append(out, im.Reference)
	}
	return out
}
