package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/targets/catalog"
)

// TestCatalogNotesNameRealCommands reads the built-in catalog's notes for
// the technician: every `ferry COMMAND` they name is a command, and every
// --flag that follows it in the same sentence is one of its flags.
func TestCatalogNotesNameRealCommands(t *testing.T) {
	cat, err := catalog.Builtin()
	require.NoError(t, err)
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	named := 0
	for _, tg := range cat.Targets() {
		for _, m := range tg.Modules {
			words := strings.Fields(m.Notes)
			for i := 0; i+1 < len(words); i++ {
				if words[i] != "ferry" && words[i] != "(ferry" && words[i] != "`ferry" {
					continue
				}
				name := strings.TrimRight(words[i+1], ".,;:)`")
				cmd, _, err := root.Find([]string{name})
				if !assert.NoError(t, err, "%s/%s names ferry %s", tg.Name, m.Name, name) || cmd == root {
					continue
				}
				named++
				for _, w := range words[i+2:] {
					if w == "ferry" || w == "(ferry" {
						break
					}
					if f, ok := strings.CutPrefix(w, "--"); ok {
						f = strings.TrimRight(f, ".,;:)`")
						assert.True(t, hasFlag(cmd, f), "%s/%s: ferry %s has no --%s", tg.Name, m.Name, name, f)
					}
					if strings.ContainsAny(w, ".;)") {
						break // the end of the command's sentence or aside
					}
				}
			}
		}
	}
	assert.Positive(t, named, "the notes name ferry's commands")
}
