package maven

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// davStore is a repository that keeps a PUT only when its whole body
// arrived, as WebDAV servers and Nexus do.
type davStore struct {
	mu      sync.Mutex
	files   map[string][]byte
	puts    int
	deletes []string
}

func (d *davStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := r.URL.Path
	switch r.Method {
	case http.MethodHead, http.MethodGet:
		b, ok := d.files[p]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(b)
		}
	case http.MethodPut:
		d.puts++
		d.mu.Unlock()
		b, err := io.ReadAll(r.Body)
		d.mu.Lock()
		if err != nil || int64(len(b)) != r.ContentLength {
			return
		}
		d.files[p] = b
		w.WriteHeader(http.StatusCreated)
	case http.MethodDelete:
		d.deletes = append(d.deletes, p)
		delete(d.files, p)
		w.WriteHeader(http.StatusNoContent)
	}
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// damagedSource is content of which one byte was flipped after its sha256
// was recorded.
func damagedSource(good []byte) Source {
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 0xff
	return Source{Content: bytes.NewReader(bad), Size: int64(len(bad)), SHA256: hexSHA256(good)}
}

func content() []byte {
	b := make([]byte, 300_000)
	for i := range b {
		b[i] = byte(i * 13)
	}
	return b
}

func TestPutNeverCompletesADamagedFile(t *testing.T) {
	store := &davStore{files: map[string][]byte{}}
	srv := httptest.NewServer(store)
	defer srv.Close()
	u := &Uploader{URL: srv.URL + "/releases", Client: srv.Client()}
	ctx := context.Background()
	good := content()

	_, _, err := u.Put(ctx, "org/x/x-1.jar", damagedSource(good))
	var de *DamagedError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, ErrDamaged)
	assert.Equal(t, "org/x/x-1.jar", de.Path)
	assert.Empty(t, store.files, "the repository never received the whole file")
	assert.Equal(t, []string{"/releases/org/x/x-1.jar"}, store.deletes, "what it might have kept is deleted")

	out, sums, err := u.Put(ctx, "org/x/x-1.jar", BytesSource(good))
	require.NoError(t, err)
	assert.Equal(t, Uploaded, out)
	sha1hex, md5hex := Sums(good)
	assert.Equal(t, Checksums{SHA1: sha1hex, MD5: md5hex, SHA256: hexSHA256(good)}, sums)

	// Already there: skipped, compared by content (no .sha1 there).
	puts := store.puts
	out, _, err = u.Put(ctx, "org/x/x-1.jar", BytesSource(good))
	require.NoError(t, err)
	assert.Equal(t, Skipped, out)
	ok, err := u.Identical(ctx, "org/x/x-1.jar", int64(len(good)), sha1hex)
	require.NoError(t, err)
	assert.True(t, ok)

	// A damaged copy of a file the repository holds is found before it is
	// sent, and the repository's file is left alone.
	_, _, err = u.Put(ctx, "org/x/x-1.jar", damagedSource(good))
	require.ErrorIs(t, err, ErrDamaged)
	assert.Equal(t, puts, store.puts, "nothing sent")
	assert.Equal(t, good, store.files["/releases/org/x/x-1.jar"])
	assert.Len(t, store.deletes, 1)
}

func TestCopyToDirRenamesOnlyACheckedFile(t *testing.T) {
	dir := t.TempDir()
	good := content()
	_, _, err := CopyToDir(t.Context(), dir, "org/x/x-1.jar", damagedSource(good))
	require.ErrorIs(t, err, ErrDamaged)
	entries, _ := os.ReadDir(filepath.Join(dir, "org/x"))
	assert.Empty(t, entries, "no damaged file and no temporary file")

	out, sums, err := CopyToDir(t.Context(), dir, "org/x/x-1.jar", BytesSource(good))
	require.NoError(t, err)
	assert.Equal(t, Uploaded, out)
	assert.Equal(t, hexSHA256(good), sums.SHA256)
	out, again, err := CopyToDir(t.Context(), dir, "org/x/x-1.jar", BytesSource(good))
	require.NoError(t, err)
	assert.Equal(t, Skipped, out)
	assert.Equal(t, sums, again, "the checksums of what is there")

	// An empty file is checked too.
	_, _, err = CopyToDir(t.Context(), dir, "org/x/empty", Source{Content: bytes.NewReader(nil), SHA256: hexSHA256([]byte("x"))})
	require.ErrorIs(t, err, ErrDamaged)
	assert.NoFileExists(t, filepath.Join(dir, "org/x/empty"))

	// Stopped mid-copy: nothing under the name, nothing beside it.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err = CopyToDir(ctx, dir, "org/x/y-1.jar", BytesSource(good))
	require.ErrorIs(t, err, context.Canceled)
	assert.NoFileExists(t, filepath.Join(dir, "org/x/y-1.jar"))
	assert.NoFileExists(t, filepath.Join(dir, "org/x/y-1.jar"+TempSuffix))
}
