package session

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/workflow/plan"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
)

// WriteBundle cuts for the file system it finds at the output, tells the
// caller before writing, and saves the answers beside the bundle.
func TestWriteBundleCutsForTheOutputAndSavesTheAnswers(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Options{Version: "test", CacheDir: filepath.Join(dir, "cache")}, nil)
	require.NoError(t, err)
	s.StatSpace = func(string) (prepare.Space, error) { return prepare.Space{Free: 8 << 30, FAT: true}, nil }
	var heard int64
	w, err := s.WriteBundle(context.Background(), &plan.Plan{}, BundleRequest{
		Options: prepare.Options{Output: filepath.Join(dir, "out"), Name: "empty"},
		Split:   Split{Auto: true},
		Answers: selection.Selection{Target: "empty", Version: "1"},
		Ready:   func(_ prepare.Space, partSize int64) { heard = partSize },
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(SplitFAT32), heard)
	assert.FileExists(t, w.Answers)
	assert.Empty(t, w.Sidecar, "no key, no signature")
}
