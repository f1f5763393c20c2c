package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/workflow/plan"
)

var timeZero time.Time

// TestOwnFileListIsPlannedPreparedAndVerified carries plain files from a
// loopback server: sized in the plan, checked against their sha256, in the
// bundle under files/.
func TestOwnFileListIsPlannedPreparedAndVerified(t *testing.T) {
	tool := []byte(strings.Repeat("tool ", 2000))
	sum := sha256.Sum256(tool)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/dl/tool-1.0.tgz" {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", timeZero, strings.NewReader(string(tool)))
	}))
	defer srv.Close()
	list := writeFile(t, "files.txt", srv.URL+"/dl/tool-1.0.tgz "+hex.EncodeToString(sum[:])+"\n")
	code, out, stderr := ferry(t, "plan", "--files", list, "--output", "json")
	require.Equal(t, 0, code, stderr)
	var p plan.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	require.Len(t, p.Files, 1)
	assert.EqualValues(t, len(tool), p.Files[0].Size)
	assert.Equal(t, "tool-1.0.tgz", p.Files[0].Name)

	dir := t.TempDir()
	code, _, stderr = ferry(t, "prepare", "--files", list, "--output", dir, "--cache", t.TempDir(), "--no-binary", "--progress", "none")
	require.Equal(t, 0, code, stderr)
	b, err := bundle.Open(dir)
	require.NoError(t, err)
	rep, err := b.Verify(t.Context(), false, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Files)

	// A file whose content does not match its sha256 is refused.
	bad := writeFile(t, "bad.txt", srv.URL+"/dl/tool-1.0.tgz "+strings.Repeat("0", 64)+"\n")
	code, _, stderr = ferry(t, "prepare", "--files", bad, "--output", t.TempDir(), "--cache", t.TempDir(), "--no-binary", "--progress", "none")
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "does not match the sha256")

	// A malformed line is named with its line.
	code, _, stderr = ferry(t, "plan", "--files", writeFile(t, "m.txt", "# x\n"+srv.URL+"/dl/a\n"))
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "m.txt:2:")
}

func TestCatalogLint(t *testing.T) {
	code, out, _ := ferry(t, "catalog", "lint", "../../testdata/catalogs/demo.yaml")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "OK ../../testdata/catalogs/demo.yaml: 1 target(s): demo")
	over := writeFile(t, "sf.yaml", "apiVersion: ferry/v1\nkind: Catalog\ntargets:\n  - name: sonataflow\n    title: Ours\n")
	code, out, _ = ferry(t, "catalog", "lint", over)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "sonataflow (overrides the built-in one)")
	bad := writeFile(t, "bad.yaml", "apiVersion: ferry/v1\nkind: Catalog\ntargets:\n  - name: x\n")
	code, _, stderr := ferry(t, "catalog", "lint", bad)
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, bad+`:4: target "x" needs a title`)
	code, _, stderr = ferry(t, "catalog", "lint")
	assert.Equal(t, 2, code)
	oneSentence(t, stderr, "name the catalog files to check")
}
