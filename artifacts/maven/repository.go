package maven

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"ferry/artifacts/fault"
)

// repository is one base URL to read from, with its login kept apart from
// the URL that is shown.
type repository struct {
	base  *url.URL // without credentials
	login *url.Userinfo
	shown string // the base URL as the user wrote it, without credentials or a trailing slash
}

func parseRepository(raw string) (repository, error) {
	raw = strings.TrimRight(raw, "/")
	shown := RedactURL(raw)
	u, err := url.Parse(raw)
	local := err == nil && u.Scheme == "file" && u.Host == "" && u.Path != ""
	if !local && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return repository{}, fmt.Errorf("%q is not a Maven repository URL: write http(s)://host/path, e.g. https://repo.maven.apache.org/maven2, or give a local folder", shown)
	}
	login := u.User
	u.User = nil
	return repository{base: u, login: login, shown: shown}, nil
}

// request builds a request for a repository-relative path, with the
// repository's login as Basic auth.
func (rp repository) request(ctx context.Context, method, path string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, rp.base.JoinPath(path).String(), nil)
	if err != nil {
		return nil, fmt.Errorf("cannot ask %s for %s: %w", rp.shown, path, err)
	}
	if rp.login != nil {
		pass, _ := rp.login.Password()
		req.SetBasicAuth(rp.login.Username(), pass)
	}
	return req, nil
}

// status turns a response other than 200 into an error: ErrNotFound for a
// missing file (its text is only the path, for the caller to reword),
// ErrUnauthorized for a refused login, a sentence for the rest.
func (rp repository) status(resp *http.Response, c Coordinate, path string) error {
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		return nil
	case code == http.StatusNotFound || code == http.StatusGone:
		return fault.New(ErrNotFound, "%s", path)
	case code == http.StatusUnauthorized && rp.login == nil:
		return fault.New(ErrUnauthorized, "the Maven repository %s asks for a login to read %s: put user:password@ in the repository URL", rp.shown, c)
	case code == http.StatusUnauthorized:
		return fault.New(ErrUnauthorized, "the Maven repository %s refused the credentials for %s: check the user and password in the repository URL", rp.shown, c)
	case code == http.StatusForbidden && rp.login == nil:
		return fault.New(ErrUnauthorized, "the Maven repository %s refused to serve %s without a login (HTTP 403 for %s): put user:password@ in the repository URL", rp.shown, c, path)
	case code == http.StatusForbidden:
		return fault.New(ErrUnauthorized, "the Maven repository %s refused the credentials for %s (HTTP 403, no read access to %s): ask its administrator for read access", rp.shown, c, path)
	}
	return fmt.Errorf("the Maven repository %s answered HTTP %d for %s of %s: try again later or check the URL", rp.shown, resp.StatusCode, path, c)
}

// discard drains a little of a body so the connection can be reused, then
// closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
}

// explain turns a transport error into a sentence saying the repository
// at base could not be reached, and why, still matching err for errors.Is
// and errors.As. Cancellation passes through.
func explain(base string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	shown := RedactURL(base)
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fault.New(err, "cannot reach the Maven repository %s (connection refused): check the URL and that the server is running", shown)
	case errors.As(err, &dns) && dns.IsNotFound:
		return fault.New(err, "cannot reach the Maven repository %s (no such host %s): check the URL and the DNS", shown, dns.Name)
	case errors.As(err, &ne) && ne.Timeout():
		return fault.New(err, "cannot reach the Maven repository %s (timed out): check the URL, the network and any proxy", shown)
	}
	// The url.Error around err repeats the URL, which may carry a login.
	why := err
	var ue *url.Error
	if errors.As(err, &ue) {
		why = ue.Err
	}
	return fault.New(err, "cannot reach the Maven repository %s (%v): check the URL and the network", shown, why)
}

// RedactURL drops user:password@ from a URL so it can be shown or stored.
// Text that does not parse as a URL with a host loses everything up to its
// last '@' after any scheme: a password with a '/' or '#' in it, or a
// missing scheme, must not make the login show.
func RedactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		if u.User == nil {
			return raw
		}
		u.User = nil
		return u.String()
	}
	scheme, rest := "", raw
	if j := strings.Index(raw, "://"); j >= 0 {
		scheme, rest = raw[:j+3], raw[j+3:]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		return scheme + rest[i+1:]
	}
	return raw
}
