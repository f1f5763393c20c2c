package source

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"ferry/artifacts/fault"
)

// Options say how to reach source registries. The zero value uses the
// docker config for credentials, the system's certificate authorities, TLS
// everywhere and no mirrors.
type Options struct {
	// PullSecret is a docker config JSON file whose credentials are tried
	// before the docker config's.
	PullSecret string
	// CAFiles are PEM files of extra certificate authorities to trust.
	CAFiles []string
	// InsecureHosts may be spoken to over plain HTTP (host or host:port).
	InsecureHosts []string
	// Mirrors are fetched through instead of the registries they stand for.
	Mirrors []Mirror
	// UserAgent is sent with every request.
	UserAgent string
	// Transport replaces the base HTTP transport (tests); CAFiles still apply
	// when it is an *http.Transport.
	Transport http.RoundTripper
	// Keychain replaces the docker config as the source of credentials.
	Keychain authn.Keychain
}

// Mirror maps a registry or repository prefix ("docker.io", "quay.io/org")
// to the place it is fetched from ("127.0.0.1:5000", "mirror.corp/hub").
type Mirror struct {
	From string
	To   string
}

// ErrBadMirror marks a source mirror that is not FROM=TO.
var ErrBadMirror = errors.New("bad source mirror")

// ParseMirror reads FROM=TO as given for a source mirror.
func ParseMirror(s string) (Mirror, error) {
	from, to, ok := strings.Cut(s, "=")
	from, to = strings.TrimSuffix(strings.TrimSpace(from), "/"), strings.TrimSuffix(strings.TrimSpace(to), "/")
	if !ok || from == "" || to == "" {
		return Mirror{}, fault.New(ErrBadMirror, "%s %q must be FROM=TO, for example docker.io=mirror.corp:5000/hub", fault.Use(fault.SourceMirror), s)
	}
	if _, err := name.NewRepository(normalisePrefix(from) + "/x"); err != nil {
		return Mirror{}, fault.New(ErrBadMirror, "%s %q: %q is not a registry or repository prefix", fault.Use(fault.SourceMirror), s, from)
	}
	if _, err := name.NewRepository(to + "/x"); err != nil {
		return Mirror{}, fault.New(ErrBadMirror, "%s %q: %q is not a registry or repository prefix", fault.Use(fault.SourceMirror), s, to)
	}
	return Mirror{From: from, To: to}, nil
}

// normalisePrefix writes a prefix's registry as go-containerregistry names
// it, so "docker.io/apache" matches "index.docker.io/apache/x".
func normalisePrefix(p string) string {
	host, rest, _ := strings.Cut(p, "/")
	if r, err := name.NewRegistry(host); err == nil {
		host = r.Name()
	}
	if rest == "" {
		return host
	}
	return host + "/" + rest
}

// Access is a ready-to-use way of reaching source registries.
type Access struct {
	opts      Options
	keychain  authn.Keychain
	transport http.RoundTripper
	base      http.RoundTripper
}

// New checks the options and builds an Access. Errors are sentences.
func New(o Options) (*Access, error) {
	a := &Access{opts: o}
	var chains []authn.Keychain
	if o.PullSecret != "" {
		ps, err := LoadPullSecret(o.PullSecret)
		if err != nil {
			return nil, err
		}
		chains = append(chains, ps)
	}
	if o.Keychain != nil {
		chains = append(chains, o.Keychain)
	} else {
		chains = append(chains, authn.DefaultKeychain)
	}
	a.keychain = authn.NewMultiKeychain(chains...)

	base := o.Transport
	if base == nil {
		base = remote.DefaultTransport.(*http.Transport).Clone()
	}
	if len(o.CAFiles) > 0 {
		t, ok := base.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("a CA file cannot be used with a custom transport")
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		for _, f := range o.CAFiles {
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("cannot read the CA file %s: %w", f, err)
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("the CA file %s holds no PEM certificate: give the CA certificate in PEM form", f)
			}
		}
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		t.TLSClientConfig.RootCAs = pool
		base = t
	}
	a.base = base
	a.transport = &tlsOnly{base: base, insecure: o.InsecureHosts}
	return a, nil
}

// ErrPlainHTTP marks a plain-HTTP request to a host not named insecure.
var ErrPlainHTTP = errors.New("plain HTTP refused")

// tlsOnly refuses plain-HTTP requests to hosts that were not named
// insecure. go-containerregistry falls back to HTTP by itself for loopback
// and private addresses; ferry keeps TLS on unless the user turns it off.
type tlsOnly struct {
	base     http.RoundTripper
	insecure []string
}

func (t *tlsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !slices.Contains(t.insecure, req.URL.Host) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &PlainHTTPError{Host: req.URL.Host}
	}
	return t.base.RoundTrip(req)
}

// PlainHTTPError is a plain-HTTP request refused, and the host it was
// for: the registry, or where the registry redirected (a blob store).
type PlainHTTPError struct{ Host string }

func (e *PlainHTTPError) Error() string {
	return fmt.Sprintf("%v: %s was not named as a plain-HTTP registry", ErrPlainHTTP, e.Host)
}

// Unwrap makes it ErrPlainHTTP.
func (e *PlainHTTPError) Unwrap() error { return ErrPlainHTTP }

// Reference parses an original image reference and returns the reference
// to fetch it by: through a mirror when one matches, over plain HTTP when
// its host was named insecure.
func (a *Access) Reference(original string) (name.Reference, error) {
	ref, err := name.ParseReference(original)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid image reference: %w", original, err)
	}
	fetch := ref
	repo := ref.Context().Name()
	best := -1
	for i, m := range a.opts.Mirrors {
		from := normalisePrefix(m.From)
		if (repo == from || strings.HasPrefix(repo, from+"/")) && (best < 0 || len(from) > len(normalisePrefix(a.opts.Mirrors[best].From))) {
			best = i
		}
	}
	s := ref.String()
	if best >= 0 {
		m := a.opts.Mirrors[best]
		rest := strings.TrimPrefix(repo, normalisePrefix(m.From))
		s = m.To + rest + identifierSuffix(ref)
	}
	var nopts []name.Option
	host := hostOf(s)
	if slices.Contains(a.opts.InsecureHosts, host) {
		nopts = append(nopts, name.Insecure)
	}
	if best >= 0 || len(nopts) > 0 {
		fetch, err = name.ParseReference(s, nopts...)
		if err != nil {
			return nil, fmt.Errorf("%q through mirror: %w", original, err)
		}
	}
	return fetch, nil
}

func identifierSuffix(ref name.Reference) string {
	if d, ok := ref.(name.Digest); ok {
		return "@" + d.DigestStr()
	}
	return ":" + ref.Identifier()
}

func hostOf(ref string) string {
	h, _, _ := strings.Cut(ref, "/")
	return h
}

// RemoteOptions returns go-containerregistry options for this access.
func (a *Access) RemoteOptions(extra ...remote.Option) []remote.Option {
	opts := []remote.Option{
		remote.WithAuthFromKeychain(a.keychain),
		remote.WithTransport(a.transport),
		remote.WithRetryBackoff(remote.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 4}),
		remote.WithRetryStatusCodes(http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout),
	}
	if a.opts.UserAgent != "" {
		opts = append(opts, remote.WithUserAgent(a.opts.UserAgent))
	}
	return append(opts, extra...)
}

// HTTPClient returns an HTTP client that trusts the same certificate
// authorities, for Maven repositories and file servers. Their URLs are
// written out by the user, scheme included, so an http:// URL is plain HTTP
// by choice; a redirect from HTTPS down to plain HTTP is refused.
func (a *Access) HTTPClient() *http.Client {
	return &http.Client{
		Transport: a.base,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("too many redirects")
			}
			if req.URL.Scheme == "http" && via[0].URL.Scheme == "https" {
				return fmt.Errorf("%w: %s redirected to plain HTTP", ErrPlainHTTP, via[0].URL.Host)
			}
			return nil
		},
	}
}

// RepoTransport returns an HTTP transport that authenticates to repo
// (bearer tokens are fetched, and renewed when they expire mid-run) for
// pulling, with TLS rules applied. It does not retry: callers that stream
// large blobs retry and resume themselves.
func (a *Access) RepoTransport(ctx context.Context, repo name.Repository) (http.RoundTripper, error) {
	auth, err := authn.Resolve(ctx, a.keychain, repo)
	if err != nil {
		return nil, err
	}
	rt, err := transport.NewWithContext(ctx, repo.Registry, auth, a.transport, []string{repo.Scope(transport.PullScope)})
	if err != nil {
		return nil, Explain(repo.String(), repo.RegistryStr(), err)
	}
	return rt, nil
}

// Scheme is how a registry host is spoken to: plain HTTP only when it was
// named insecure.
func (a *Access) Scheme(host string) string {
	if slices.Contains(a.opts.InsecureHosts, host) {
		return "http"
	}
	return "https"
}

// DestTransport is RepoTransport with the scopes asked for (push and pull
// when loading into a registry).
func (a *Access) DestTransport(ctx context.Context, repo name.Repository, scopes []string) (http.RoundTripper, error) {
	auth, err := authn.Resolve(ctx, a.keychain, repo)
	if err != nil {
		return nil, err
	}
	rt, err := transport.NewWithContext(ctx, repo.Registry, auth, a.transport, scopes)
	if err != nil {
		return nil, Explain(repo.String(), repo.RegistryStr(), err)
	}
	return rt, nil
}
