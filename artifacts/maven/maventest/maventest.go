// Package maventest serves a folder in Maven repository layout over HTTP on
// loopback for tests, and writes artifacts into such a folder with sizes
// known independently of the code under test.
package maventest

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"ferry/artifacts/maven"
)

// Server is a Maven repository on loopback serving a folder.
type Server struct {
	// URL is the repository's base URL.
	URL string

	root       string
	mu         sync.Mutex
	requests   []string
	user, pass string
}

// NewServer serves root (GET and HEAD, with Content-Length; 404 for
// anything missing) until the test ends.
func NewServer(t testing.TB, root string) *Server {
	t.Helper()
	s := &Server{root: root}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// RequireAuth makes the server demand this Basic login from then on.
func (s *Server) RequireAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, pass
}

// Requests lists "METHOD /path" for every request served so far, in the
// order they arrived.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	user, pass := s.user, s.pass
	s.mu.Unlock()
	if user != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="maven"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "read-only", http.StatusMethodNotAllowed)
		return
	}
	clean := path.Clean("/" + r.URL.Path)
	f, err := os.Open(filepath.Join(s.root, filepath.FromSlash(clean)))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, st.Name(), st.ModTime(), f)
}

// WriteArtifact writes c into root in repository layout: a POM declaring
// packaging, the main file holding mainContent (unless packaging is pom),
// named with c's classifier, and for both the checksum sidecars named
// ("sha1", "md5", "sha256", "sha512"). It returns every file written, by
// repository path, with its size. The packaging's file extension is worked
// out here, not by package maven, so tests check the Resolver against an
// independent answer.
func WriteArtifact(t testing.TB, root string, c maven.Coordinate, packaging string, mainContent []byte, sidecars ...string) (written map[string]int64) {
	t.Helper()
	written = map[string]int64{}
	put := func(rel string, data []byte) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		written[rel] = int64(len(data))
		for _, sc := range sidecars {
			sum := hex.EncodeToString(digest(t, sc, data))
			if err := os.WriteFile(p+"."+sc, []byte(sum), 0o644); err != nil {
				t.Fatal(err)
			}
			written[rel+"."+sc] = int64(len(sum))
		}
	}
	pom := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>%s</groupId>
  <artifactId>%s</artifactId>
  <version>%s</version>
  <packaging>%s</packaging>
</project>
`, escape(c.GroupID), escape(c.ArtifactID), escape(c.Version), escape(packaging))
	base := strings.ReplaceAll(c.GroupID, ".", "/") + "/" + c.ArtifactID + "/" + c.Version + "/" + c.ArtifactID + "-" + c.Version
	put(base+".pom", []byte(pom))
	if ext, ok := extension(packaging); ok {
		name := base
		if c.Classifier != "" {
			name += "-" + c.Classifier
		}
		put(name+"."+ext, mainContent)
	}
	return written
}

// extension is the main file's extension for a packaging, as Maven's
// artifact handlers name it; ok is false for pom, which has none.
func extension(packaging string) (ext string, ok bool) {
	switch packaging {
	case "pom":
		return "", false
	case "jar", "maven-plugin", "bundle", "ejb", "eclipse-plugin", "takari-jar":
		return "jar", true
	}
	return packaging, true
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func digest(t testing.TB, algo string, data []byte) []byte {
	var h hash.Hash
	switch strings.ToLower(algo) {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	default:
		t.Fatalf("unknown checksum %q", algo)
	}
	h.Write(data)
	return h.Sum(nil)
}
