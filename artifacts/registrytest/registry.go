package registrytest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
)

// Registry is a registry running on loopback for one test.
type Registry struct {
	// Host is "127.0.0.1:PORT", as image references name the registry.
	Host string
	// URL is the base URL: http://Host, or https://Host with TLS.
	URL string
	// CAFile is the PEM file of the certificate authority that signed the
	// registry's certificate; empty without TLS.
	CAFile string
	// CAPool holds the same authority; nil without TLS.
	CAPool *x509.CertPool
	// PID is the registry process's id (StartDistribution only; 0 in
	// process).
	PID int

	user, pass string
	transport  http.RoundTripper
}

// StartInProcess serves go-containerregistry's registry over plain HTTP on
// loopback, without logging, until the test ends.
func StartInProcess(t testing.TB) *Registry {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), URL: srv.URL, transport: newTransport(nil)}
}

// Transport is an HTTP transport that trusts the registry's certificate
// authority (when it has one) besides the system's.
func (r *Registry) Transport() http.RoundTripper {
	if r.transport == nil { // a Registry not made by a Start function
		return newTransport(r.CAPool)
	}
	return r.transport
}

func newTransport(pool *x509.CertPool) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if pool != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return t
}

// Auth is the login the registry requires (WithBasicAuth), or anonymous.
func (r *Registry) Auth() authn.Authenticator {
	if r.user == "" {
		return authn.Anonymous
	}
	return &authn.Basic{Username: r.user, Password: r.pass}
}
