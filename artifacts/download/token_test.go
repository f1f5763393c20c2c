package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/source"
)

// tokenRegistry serves blobs behind bearer tokens that are each good for
// one blob request, so a long run meets an expired token.
type tokenRegistry struct {
	mu     sync.Mutex
	issued int
	valid  map[string]bool
	blobs  map[string][]byte
	host   string
}

func (r *tokenRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case req.URL.Path == "/token":
		r.issued++
		tok := fmt.Sprintf("tok-%d", r.issued)
		r.valid[tok] = true
		fmt.Fprintf(w, `{"token":%q,"expires_in":300}`, tok)
		return
	case req.URL.Path == "/v2/":
	case strings.Contains(req.URL.Path, "/blobs/"):
	default:
		http.NotFound(w, req)
		return
	}
	tok := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !r.valid[tok] {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="test"`, r.host))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if req.URL.Path == "/v2/" {
		return
	}
	delete(r.valid, tok) // expires once used for a blob
	d := req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]
	data, ok := r.blobs[d]
	if !ok {
		http.NotFound(w, req)
		return
	}
	http.ServeContent(w, req, "", time.Time{}, strings.NewReader(string(data)))
}

func TestExpiredTokenIsRenewedMidRun(t *testing.T) {
	reg := &tokenRegistry{valid: map[string]bool{}, blobs: map[string][]byte{}}
	var digests []string
	for _, s := range []string{"first blob", "second blob", "third blob"} {
		data := []byte(strings.Repeat(s, 1000))
		sum := sha256.Sum256(data)
		d := "sha256:" + hex.EncodeToString(sum[:])
		reg.blobs[d] = data
		digests = append(digests, d)
	}
	srv := httptest.NewServer(reg)
	defer srv.Close()
	reg.host = strings.TrimPrefix(srv.URL, "http://")
	acc, err := source.New(source.Options{InsecureHosts: []string{reg.host}})
	require.NoError(t, err)
	cache, err := OpenCache(t.TempDir())
	require.NoError(t, err)
	d := &Downloader{Cache: cache, Access: acc, Retry: Retry{Attempts: 1, Base: time.Millisecond}}
	for _, dg := range digests {
		require.NoError(t, d.Blob(context.Background(), reg.host+"/demo/app:1", dg, int64(len(reg.blobs[dg])), nil))
		assert.True(t, cache.HasBlob(dg, int64(len(reg.blobs[dg]))))
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	assert.GreaterOrEqual(t, reg.issued, 3, "a token was fetched again each time the last one expired")
}
