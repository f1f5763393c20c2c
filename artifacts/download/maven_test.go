package download

import (
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven"
	"ferry/artifacts/progress"
)

// TestMavenFilesReportEachFileAsItsItem: an artifact's files arrive in the
// cache checked against their sidecar, and each file's progress is an
// event about that file.
func TestMavenFilesReportEachFileAsItsItem(t *testing.T) {
	jar := []byte("a jar's bytes")
	sum := sha1.Sum(jar)
	files := map[string][]byte{
		"/m2/org/x/a/1.0/a-1.0.jar":      jar,
		"/m2/org/x/a/1.0/a-1.0.jar.sha1": []byte(hex.EncodeToString(sum[:]) + "  a-1.0.jar\n"),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
	}))
	t.Cleanup(srv.Close)
	cache, err := OpenCache(t.TempDir())
	require.NoError(t, err)
	d := &Downloader{Cache: cache, HTTP: srv.Client()}

	var mu sync.Mutex
	last := map[string]progress.Event{}
	err = d.MavenFiles(t.Context(), srv.URL+"/m2", []maven.File{
		{Path: "org/x/a/1.0/a-1.0.jar", Size: int64(len(jar))},
		{Path: "org/x/a/1.0/a-1.0.jar.sha1", Size: int64(len(files["/m2/org/x/a/1.0/a-1.0.jar.sha1"]))},
	}, func(e progress.Event) {
		mu.Lock()
		defer mu.Unlock()
		last[e.Item] = e
	})
	require.NoError(t, err)
	require.Contains(t, last, "org/x/a/1.0/a-1.0.jar")
	require.Contains(t, last, "org/x/a/1.0/a-1.0.jar.sha1")
	assert.Equal(t, int64(len(jar)), last["org/x/a/1.0/a-1.0.jar"].ItemBytes)
	assert.Equal(t, progress.Downloading, last["org/x/a/1.0/a-1.0.jar"].State)
}
