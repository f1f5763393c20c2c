package catalog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequirementsBecomeATarget(t *testing.T) {
	c, err := Load("../../testdata/requirements")
	require.NoError(t, err)
	tg, err := c.Target("requirements")
	require.NoError(t, err)
	assert.Equal(t, []string{"amd64", "arm64"}, tg.Archs)
	assert.Equal(t, []string{"images", "helm", "node-exporter"}, tg.ModuleNames())

	s, err := tg.Select(Choice{Archs: []string{"arm64"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"k8s.gcr.io/kube-apiserver:v1.22.4", "k8s.gcr.io/pause:3.5"}, s.Needs[0].Images)
	require.Len(t, s.Needs[1].Files, 1, "only the arm64 helm")
	assert.Equal(t, "helm-v3.2.0-linux-arm64.tar.gz", s.Needs[1].Files[0].Name)
	assert.Empty(t, s.Needs[2].Files, "node_exporter is listed for x86_64 only")

	// A bad reference names the file.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "x86_64"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x86_64", "images.yml"), []byte("images:\n  'UPPER/case:1': {sha1: x}\n"), 0o644))
	_, err = Load(dir)
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "images.yml")
}
