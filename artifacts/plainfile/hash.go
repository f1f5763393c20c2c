package plainfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
)

// Hash downloads the file at rawURL and returns its sha256 and size, for
// a file whose sha256 no source gives: the plan records what it read, and
// the bundle is checked against that. Errors are sentences.
func (s *Sizer) Hash(ctx context.Context, rawURL string) (string, int64, error) {
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	shown := redact(rawURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", 0, fmt.Errorf("%s is not a valid URL: %w", shown, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, explain(shown, err)
	}
	defer resp.Body.Close()
	if err := status(shown, resp); err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		return "", 0, explain(shown, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
