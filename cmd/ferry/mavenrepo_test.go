package main

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/workflow/plan"
)

// TestMavenRepoMayBeALocalFolder resolves and carries Maven artifacts from
// a Maven layout on disk, given as a folder or as a file:// URL.
func TestMavenRepoMayBeALocalFolder(t *testing.T) {
	repo := t.TempDir()
	jar := []byte("jar bytes of lib 1.0")
	sum := sha1.Sum(jar)
	for p, content := range map[string][]byte{
		"org/example/lib/1.0/lib-1.0.pom":      []byte("<project><modelVersion>4.0.0</modelVersion><groupId>org.example</groupId><artifactId>lib</artifactId><version>1.0</version></project>"),
		"org/example/lib/1.0/lib-1.0.jar":      jar,
		"org/example/lib/1.0/lib-1.0.jar.sha1": []byte(hex.EncodeToString(sum[:])),
	} {
		full := filepath.Join(repo, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, content, 0o644))
	}
	list := writeFile(t, "maven.txt", "org.example:lib:1.0\n")
	fileURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(repo)}).String()

	for _, given := range []string{repo, fileURL} {
		code, out, stderr := ferry(t, "plan", "--maven", list, "--maven-repo", given, "--output", "json")
		require.Equal(t, 0, code, stderr)
		var p plan.Plan
		require.NoError(t, json.Unmarshal([]byte(out), &p))
		require.Len(t, p.Maven, 1, given)
		assert.Equal(t, fileURL, p.Maven[0].Repository)
	}

	dir := t.TempDir()
	code, _, stderr := ferry(t, "prepare", "--maven", list, "--maven-repo", repo, "--output", dir, "--cache", t.TempDir(), "--no-binary", "--progress", "none")
	require.Equal(t, 0, code, stderr)
	b, err := bundle.Open(dir)
	require.NoError(t, err)
	rep, err := b.Verify(t.Context(), false, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Maven, "the POM, the jar and its checksum")
}
