package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"ferry/artifacts/bundle"
	"ferry/artifacts/bundleregistry"
	"ferry/artifacts/progress"
)

// ServeOptions say where and how a bundle is served.
type ServeOptions struct {
	// Listen is the address to serve on, host:port.
	Listen string
	// CertFile and KeyFile, both or neither, serve HTTPS.
	CertFile, KeyFile string
	// Progress, when set, gets the verify's events (with Verify) and a
	// progress.StageServe event for every manifest served: Pulled, Item
	// the repository and reference, Label who pulled what, ItemsDone the
	// pulls so far.
	Progress progress.Sink
	// OnError, when set, is told of every item found damaged while it is
	// served, and of every failed read of the parts.
	OnError func(error)
	// Verify checks every part and item before serving, and refuses a
	// damaged bundle.
	Verify bool
	// With are the bases of a delta bundle, served with it: the blobs it
	// leaves out come from them, and their images are served too.
	With []*bundle.Bundle
	// Server tunes the HTTP server (timeouts, connection bound); zero
	// values take bundleregistry's defaults.
	Server bundleregistry.ServerOptions
}

// ListenError says the address to serve on cannot be had (in use, not
// this machine's, or a port that needs privileges).
type ListenError struct {
	Addr string
	Err  error
}

func (e *ListenError) Error() string { return fmt.Sprintf("cannot listen on %s: %v", e.Addr, e.Err) }

// Unwrap gives the network error.
func (e *ListenError) Unwrap() error { return e.Err }

// Server is a bundle served as a read-only registry.
type Server struct {
	reg  *bundleregistry.Registry
	srv  *bundleregistry.Server
	l    net.Listener
	errc chan error
	tls  bool
}

// Serve starts serving a bundle's images as a read-only registry, straight
// from its parts, until Stop or Wait's context ends it.
func (s *Session) Serve(ctx context.Context, b *bundle.Bundle, o ServeOptions) (*Server, error) {
	reg, err := bundleregistry.NewWith(ctx, b, o.With)
	if err != nil {
		return nil, err
	}
	if b.Index.FormatVersion == bundle.DeltaFormatVersion {
		m, err := b.ReadManifest(ctx)
		if err == nil {
			err = checkBases(m, reg, len(o.With))
		}
		if err != nil {
			reg.Close()
			return nil, err
		}
	}
	// After New, which refuses an oversized index before verify would read it.
	if o.Verify {
		if _, err := b.Verify(ctx, false, o.Progress); err != nil {
			reg.Close()
			return nil, fmt.Errorf("the bundle is not served: %w", err)
		}
	}
	reg.OnError = o.OnError
	reg.Progress = o.Progress
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		reg.Close()
		return nil, &ListenError{Addr: o.Listen, Err: err}
	}
	v := &Server{
		reg: reg, l: l, errc: make(chan error, 1), tls: o.CertFile != "",
		srv: bundleregistry.NewServer(reg, o.Server),
	}
	go func() {
		if v.tls {
			v.errc <- v.srv.ServeTLS(l, o.CertFile, o.KeyFile)
		} else {
			v.errc <- v.srv.Serve(l)
		}
	}()
	return v, nil
}

// Scheme is http or https.
func (v *Server) Scheme() string {
	if v.tls {
		return "https"
	}
	return "http"
}

// Addr is the address the registry listens on.
func (v *Server) Addr() string { return v.l.Addr().String() }

// PublicAddr is Addr with this machine's name in place of an address that
// means every interface, for clients to be told.
func (v *Server) PublicAddr() string {
	addr := v.Addr()
	if h, p, err := net.SplitHostPort(addr); err == nil && (h == "0.0.0.0" || h == "::") {
		if name, err := os.Hostname(); err == nil {
			addr = net.JoinHostPort(name, p)
		}
	}
	return addr
}

// Repositories lists the repositories served.
func (v *Server) Repositories() []string { return v.reg.Repositories() }

// Pulls counts the manifests served so far.
func (v *Server) Pulls() int64 { return v.reg.Pulls() }

// Stop closes the registry at once.
func (v *Server) Stop() {
	_ = v.srv.Close()
	v.reg.Close()
}

// Wait serves until ctx ends, then lets requests under way finish for up
// to five seconds; it returns nil then, or why the registry stopped.
func (v *Server) Wait(ctx context.Context) error {
	defer v.reg.Close()
	select {
	case err := <-v.errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("the registry stopped: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = v.srv.Shutdown(sctx)
		return nil
	}
}
