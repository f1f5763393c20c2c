package plainfile

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSize(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "4096")
		if r.Method == http.MethodGet {
			_, _ = w.Write(make([]byte, 4096))
		}
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.Header().Set("Transfer-Encoding", "chunked")
			w.WriteHeader(http.StatusOK)
			return
		}
		assert.Equal(t, "bytes=0-0", r.Header.Get("Range"))
		w.Header().Set("Content-Range", "bytes 0-0/12345")
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write([]byte("x"))
	})
	mux.HandleFunc("/private", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := &Sizer{}

	n, err := s.Size(context.Background(), srv.URL+"/file")
	require.NoError(t, err)
	assert.EqualValues(t, 4096, n)
	n, err = s.Size(context.Background(), srv.URL+"/chunked")
	require.NoError(t, err)
	assert.EqualValues(t, 12345, n)

	_, err = s.Size(context.Background(), srv.URL+"/missing")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "does not exist (HTTP 404): check the URL in the catalog")
	_, err = s.Size(context.Background(), "http://user:pw@"+srv.Listener.Addr().String()+"/private")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused access (HTTP 403)")
	assert.NotContains(t, err.Error(), "pw")
}
