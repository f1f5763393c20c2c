package bundleregistry

import (
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// ServerOptions bound what clients can hold of a server. Zero fields take
// the defaults.
type ServerOptions struct {
	// ReadHeaderTimeout is how long a new request's headers may take
	// (default 30s).
	ReadHeaderTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its next
	// request (default 2m).
	IdleTimeout time.Duration
	// StallTimeout is how long one write to a client may block: a client
	// that stops reading is dropped then (default 2m). A whole blob may take
	// as long as it needs.
	StallTimeout time.Duration
	// MaxConnections bounds the connections open at once; further clients
	// wait to be accepted (default 1024).
	MaxConnections int
}

// Server is an *http.Server whose Serve and ServeTLS bound the connections
// they accept.
type Server struct {
	*http.Server
	maxConns int
}

// NewServer returns a server for h (a *Registry, usually) with timeouts and a
// connection bound, so idle or stalled clients cannot hold it forever.
func NewServer(h http.Handler, o ServerOptions) *Server {
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 30 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 2 * time.Minute
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = 1024
	}
	return &Server{
		Server: &http.Server{
			Handler:           stallGuard{next: h, timeout: o.StallTimeout},
			ReadHeaderTimeout: o.ReadHeaderTimeout,
			IdleTimeout:       o.IdleTimeout,
		},
		maxConns: o.MaxConnections,
	}
}

// Serve accepts connections on l, at most MaxConnections at once.
func (s *Server) Serve(l net.Listener) error {
	return s.Server.Serve(netutil.LimitListener(l, s.maxConns))
}

// ServeTLS is Serve over TLS with the PEM certificate and key files.
func (s *Server) ServeTLS(l net.Listener, certFile, keyFile string) error {
	return s.Server.ServeTLS(netutil.LimitListener(l, s.maxConns), certFile, keyFile)
}

// stallGuard gives every write to the client a deadline, since an
// http.Server's WriteTimeout would bound a whole response and a blob of
// gigabytes may rightly take minutes.
type stallGuard struct {
	next    http.Handler
	timeout time.Duration
}

func (g stallGuard) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rc := http.NewResponseController(w)
	// The deadline must not outlive the request: the next one on the
	// connection would find it passed.
	defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
	g.next.ServeHTTP(&stallWriter{ResponseWriter: w, rc: rc, timeout: g.timeout}, req)
}

type stallWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (s *stallWriter) Write(b []byte) (int, error) {
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *stallWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
