package plainfile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"syscall"

	"ferry/artifacts/fault"
)

// ErrNotFound marks a file the server does not have.
var ErrNotFound = errors.New("file not found")

// Sizer finds the size of files by URL without downloading them.
type Sizer struct {
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client
}

// Size asks the server for the file's size with HEAD, falling back to a
// one-byte range GET when HEAD gives no length. Errors are sentences.
func (s *Sizer) Size(ctx context.Context, rawURL string) (int64, error) {
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	shown := redact(rawURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, rawURL, nil)
	if err != nil {
		return 0, fmt.Errorf("%s is not a valid URL: %w", shown, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, explain(shown, err)
	}
	resp.Body.Close()
	if err := status(shown, resp); err != nil {
		return 0, err
	}
	if resp.ContentLength >= 0 {
		return resp.ContentLength, nil
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	req.Header.Set("Range", "bytes=0-0")
	resp, err = c.Do(req)
	if err != nil {
		return 0, explain(shown, err)
	}
	defer resp.Body.Close()
	if err := status(shown, resp); err != nil {
		return 0, err
	}
	var start, end, total int64
	if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &total); err == nil {
		return total, nil
	}
	return 0, fmt.Errorf("%s gives no size (no Content-Length): add size: to the catalog entry", shown)
}

func status(shown string, resp *http.Response) error {
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fault.New(ErrNotFound, "%s does not exist (HTTP 404): check the URL in the catalog", shown)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%s refused access (HTTP %d): check the credentials for that server", shown, resp.StatusCode)
	case resp.StatusCode >= 400:
		return fmt.Errorf("%s answered HTTP %d: try again later or check the URL", shown, resp.StatusCode)
	}
	return nil
}

func explain(shown string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("cannot reach %s (connection refused): check the address and that the server is running", shown)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("cannot fetch %s: %v", shown, err)
}

// redact drops user:password@ from a URL before it is shown.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
