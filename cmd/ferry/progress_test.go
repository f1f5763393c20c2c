package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	events "ferry/artifacts/progress"
	"ferry/artifacts/registrytest"
	"ferry/tui/progressline"
)

// progressBundle prepares a small bundle of one image in parts of 128K.
func progressBundle(t *testing.T) string {
	t.Helper()
	up := registrytest.StartInProcess(t)
	up.Push(t, registrytest.ImageSpec{Repo: "apache/demo-console", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 300_000}, {Name: "app", Size: 100_000}}})
	out := t.TempDir()
	code, _, stderr := ferry(t, "prepare", "--images", writeFile(t, "i.txt", up.Host+"/apache/demo-console:1.0\n"), "--arch", "amd64",
		"--insecure-source", up.Host, "--cache", t.TempDir(), "--output", out, "--split", "128K", "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	return out
}

// jsonLines parses every line of stderr but warnings as a progress event,
// checking the fields docs/progress.md says are always there.
func jsonLines(t *testing.T, stderr string) []progressline.JSONEvent {
	t.Helper()
	var evs []progressline.JSONEvent
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(line, "ferry: warning: ") {
			continue
		}
		var raw map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &raw), line)
		for _, k := range []string{"stage", "bytesDone", "bytesTotal"} {
			assert.Contains(t, raw, k, line)
		}
		var e progressline.JSONEvent
		require.NoError(t, json.Unmarshal([]byte(line), &e))
		evs = append(evs, e)
	}
	require.NotEmpty(t, evs)
	return evs
}

func TestVerifyProgressJSON(t *testing.T) {
	out := progressBundle(t)

	code, stdout, stderr := ferry(t, "verify", out, "--progress", "json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "OK", "the result stays on stdout")
	evs := jsonLines(t, stderr)
	var last int64
	for _, e := range evs {
		assert.Equal(t, "verify", e.Stage)
		assert.GreaterOrEqual(t, e.BytesDone, last, "never backwards")
		last = e.BytesDone
	}
	end := evs[len(evs)-1]
	assert.Equal(t, events.Verified, end.State, "the last event is always delivered")
	assert.Equal(t, end.BytesTotal, end.BytesDone)

	code, _, stderr = ferry(t, "verify", out, "--quick", "--progress", "json")
	require.Equal(t, 0, code, stderr)
	evs = jsonLines(t, stderr)
	parts := 0
	for _, e := range evs {
		if e.State == events.Checked {
			parts++
			assert.Contains(t, e.Item, ".part")
			assert.Equal(t, parts, e.ItemsDone)
		}
	}
	assert.Equal(t, evs[0].ItemsTotal, parts, "every part checked is reported")
	assert.Greater(t, parts, 2)
}

func TestImportProgressJSONAndPlain(t *testing.T) {
	out := progressBundle(t)
	site := registrytest.StartInProcess(t)

	code, _, stderr := ferry(t, "import", out, "--registry", site.Host+"/mirror", "--insecure", "--progress", "json")
	require.Equal(t, 0, code, stderr)
	evs := jsonLines(t, stderr)
	sent := 0
	for _, e := range evs {
		assert.Equal(t, "images", e.Stage)
		if e.State == events.Sent {
			sent++
			assert.True(t, strings.HasPrefix(e.Item, "sha256:"), e.Item)
		}
	}
	end := evs[len(evs)-1]
	assert.Equal(t, end.ItemsTotal, sent, "a change of state is never dropped")
	assert.Equal(t, end.ItemsTotal, end.ItemsDone)
	assert.Equal(t, end.BytesTotal, end.BytesDone)

	// Again: everything is there, and every blob still says so.
	code, _, stderr = ferry(t, "import", out, "--registry", site.Host+"/mirror", "--insecure", "--progress", "plain")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	require.Greater(t, len(lines), 2)
	assert.True(t, strings.HasPrefix(lines[0], "ferry: warning: "))
	for i, l := range lines[1:] {
		assert.Regexp(t, `^\[`+strconv.Itoa(i+1)+`/\d+\] sent sha256:[0-9a-f]{64} \(.+ of .+\)$`, l)
	}

	code, _, stderr = ferry(t, "import", out, "--registry", site.Host+"/mirror", "--insecure", "--progress", "none")
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "sent")
}

func TestVerifyProgressPlain(t *testing.T) {
	out := progressBundle(t)
	code, _, stderr := ferry(t, "verify", out, "--quick", "--progress", "plain")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	require.Greater(t, len(lines), 2)
	assert.Regexp(t, `^\[1/\d+\] checked .+\.part001 \(`, lines[0])

	code, _, stderr = ferry(t, "verify", out, "--progress", "plain")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "checked 100% (")
}

func TestProgressModeIsChecked(t *testing.T) {
	for _, args := range [][]string{{"verify", "somewhere"}, {"import", "somewhere"}, {"serve", "somewhere"}, {"prepare", "--output", "somewhere"}} {
		cmd := args[0]
		code, _, stderr := ferry(t, append(args, "--progress", "loud")...)
		assert.Equal(t, 2, code, cmd)
		assert.Contains(t, stderr, "--progress must be auto, plain, json or none", cmd)
	}
}
