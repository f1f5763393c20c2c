package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogLintFolders(t *testing.T) {
	code, out, stderr := ferry(t, "catalog", "lint", "../../testdata/requirements-grouped", "../../testdata/catalogs")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "OK ../../testdata/requirements-grouped: 1 target(s): requirements-grouped")
	assert.Contains(t, out, "note (not-carried): Operating-system packages are not carried (x86_64/redhat/packages.yml)")
	assert.Contains(t, out, "note (kafka): Docker Hub images, written out in full")
	assert.Contains(t, out, "OK ../../testdata/catalogs: 1 target(s): demo")

	// A broken requirements folder is named with its file and line.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "x86_64"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x86_64", "files.yml"), []byte("files:\n  kafka:\n    options:\n      - url: 'https://x.example.test/k.tgz'\n        sha256: abc\n"), 0o644))
	code, _, stderr = ferry(t, "catalog", "lint", dir)
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, filepath.Join(dir, "x86_64", "files.yml")+":5: file https://x.example.test/k.tgz needs sha256: with 64 hex digits")
}

func TestCatalogShowRequirements(t *testing.T) {
	code, out, stderr := ferry(t, "--catalog", "../../testdata/requirements-grouped", "catalog", "show", "requirements-grouped")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "image  docker.io/library/haproxy:2.2.2-alpine")
	assert.Contains(t, out, "file   https://downloads.example.test/helm-v3.2.0-linux-arm64.tar.gz (arm64 only)")
	assert.Contains(t, out, "not-carried (required)")
	assert.Contains(t, out, "note: Operating-system packages are not carried")
}
