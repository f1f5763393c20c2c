package source

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"ferry/artifacts/fault"
)

// Sentinel errors that callers tell apart; Explain wraps them.
var (
	ErrUnauthorized = errors.New("credentials refused")
	ErrNotFound     = errors.New("not found")
	ErrUntrusted    = errors.New("certificate not trusted")
	ErrUnreachable  = errors.New("registry unreachable")

	errRateLimited = errors.New("rate-limited")
)

// Explain turns a failure to fetch ref from host into one sentence that
// says what went wrong and what to do, wrapping a sentinel error where one
// applies. It never includes credentials.
func Explain(ref, host string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch {
		case terr.StatusCode == http.StatusUnauthorized || hasCode(terr, transport.UnauthorizedErrorCode):
			return fault.New(ErrUnauthorized, "%s refused the credentials for %s: check %s", fault.Host(host), fault.Ref(ref), fault.Use(fault.RegistryLogin))
		case terr.StatusCode == http.StatusForbidden || hasCode(terr, transport.DeniedErrorCode):
			return fault.New(ErrUnauthorized, "%s does not allow these credentials to pull %s: ask for pull access or use other credentials", fault.Host(host), fault.Ref(ref))
		case terr.StatusCode == http.StatusNotFound || hasCode(terr, transport.ManifestUnknownErrorCode) || hasCode(terr, transport.NameUnknownErrorCode):
			return fault.New(ErrNotFound, "%s does not exist on %s: check the repository name and the tag", fault.Ref(ref), fault.Host(host))
		case terr.StatusCode == http.StatusTooManyRequests:
			return fault.New(errRateLimited, "%s is rate-limiting requests for %s: wait a while, log in, or fetch through a mirror (%s)", fault.Host(host), fault.Ref(ref), fault.Use(fault.SourceMirror))
		case terr.StatusCode >= 500:
			return fmt.Errorf("%s failed with HTTP %d while serving %s: try again later", host, terr.StatusCode, ref)
		}
		return fmt.Errorf("%s answered HTTP %d for %s: %s", host, terr.StatusCode, ref, firstLine(terr.Error()))
	}
	var uae x509.UnknownAuthorityError
	var cve *tls.CertificateVerificationError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	switch {
	case errors.As(err, &uae) || errors.As(err, &cve) || errors.As(err, &cie):
		return fault.New(ErrUntrusted, "the certificate of %s is not trusted (fetching %s): give its CA with %s", fault.Host(host), fault.Ref(ref), fault.Use(fault.CAFile))
	case errors.As(err, &hne):
		return fault.New(ErrUntrusted, "the certificate of %s is not valid for that name (fetching %s): use the name the certificate was issued for", fault.Host(host), fault.Ref(ref))
	}
	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return fault.New(ErrUnreachable, "%s does not speak HTTPS (fetching %s): if it is a plain-HTTP registry, %s", fault.Host(host), fault.Ref(ref), fault.Use(fault.InsecureHost, host))
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return fault.New(ErrUnreachable, "cannot find %s (DNS lookup failed) to fetch %s: check the name, the network or %s", fault.Host(host), fault.Ref(ref), fault.Use(fault.SourceMirror))
	case errors.Is(err, syscall.ECONNREFUSED):
		return fault.New(ErrUnreachable, "cannot reach %s (connection refused) to fetch %s: check the address and that the registry is running", fault.Host(host), fault.Ref(ref))
	case errors.As(err, &opErr):
		return fault.New(ErrUnreachable, "cannot reach %s (%v) to fetch %s: check the address, the network or the proxy", fault.Host(host), opErr.Err, fault.Ref(ref))
	}
	if pe := (*PlainHTTPError)(nil); errors.As(err, &pe) && pe.Host != host {
		// The registry answered and sent ferry elsewhere, over plain HTTP.
		return fault.New(ErrUnreachable, "%s redirected ferry to %s over plain HTTP (fetching %s), which ferry speaks only to hosts named for it: %s if that host has no TLS", fault.Host(host), fault.Host(pe.Host), fault.Ref(ref), fault.Use(fault.InsecureHost, pe.Host))
	}
	if errors.Is(err, ErrPlainHTTP) {
		return fault.New(ErrUnreachable, "%s does not answer over HTTPS (fetching %s) and ferry speaks plain HTTP only to hosts named for it: %s if that registry has no TLS", fault.Host(host), fault.Ref(ref), fault.Use(fault.InsecureHost, host))
	}
	return fmt.Errorf("%s: %s", ref, firstLine(err.Error()))
}

func hasCode(e *transport.Error, code transport.ErrorCode) bool {
	for _, d := range e.Errors {
		if d.Code == code {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
