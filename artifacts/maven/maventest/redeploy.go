package maventest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Redeploy is a Maven repository in memory that refuses to overwrite a
// file with different content, as Nexus (ALLOW_ONCE) and Reposilite do.
type Redeploy struct {
	URL   string
	mu    sync.Mutex
	files map[string][]byte
}

// NewRejectingRedeploy serves until the test ends; a PUT over a different
// existing file gets 409 Conflict.
func NewRejectingRedeploy(t testing.TB) *Redeploy {
	t.Helper()
	r := &Redeploy{files: map[string][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// Hold puts a file in the repository.
func (r *Redeploy) Hold(path string, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[strings.TrimPrefix(path, "/")] = data
}

func (r *Redeploy) serve(w http.ResponseWriter, req *http.Request) {
	p := strings.TrimPrefix(req.URL.Path, "/")
	r.mu.Lock()
	defer r.mu.Unlock()
	switch req.Method {
	case http.MethodGet, http.MethodHead:
		data, ok := r.files[p]
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		if req.Method == http.MethodGet {
			_, _ = w.Write(data)
		}
	case http.MethodPut:
		data, _ := io.ReadAll(req.Body)
		if old, ok := r.files[p]; ok && string(old) != string(data) {
			http.Error(w, "Redeployment is not allowed", http.StatusConflict)
			return
		}
		r.files[p] = data
		w.WriteHeader(http.StatusCreated)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}
