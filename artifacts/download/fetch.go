package download

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"ferry/artifacts/progress"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"time"
)

// hashState hashes a stream with every algorithm a check may need.
type hashState struct {
	hs map[string]hash.Hash
	n  int64
}

func newHashState(algos ...string) *hashState {
	s := &hashState{hs: map[string]hash.Hash{"sha256": sha256.New()}}
	for _, a := range algos {
		switch a {
		case "sha1":
			s.hs[a] = sha1.New()
		case "md5":
			s.hs[a] = md5.New()
		case "sha512":
			s.hs[a] = sha512.New()
		}
	}
	return s
}

func (s *hashState) Write(p []byte) (int, error) {
	for _, h := range s.hs {
		h.Write(p)
	}
	s.n += int64(len(p))
	return len(p), nil
}

func (s *hashState) sum(algo string) string {
	h, ok := s.hs[algo]
	if !ok {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StatusError is an HTTP answer that is not the content.
type StatusError struct {
	Code       int
	RetryAfter time.Duration
	URL        string
}

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d from %s", e.Code, e.URL) }

// Retry says how often and how patiently to retry a transient failure.
type Retry struct {
	// Attempts after the first (default 5).
	Attempts int
	// Base is the first backoff (default 500ms); it doubles each time, up
	// to Max (default 30s), with ±50% jitter.
	Base, Max time.Duration
}

func (r Retry) attempts() int {
	if r.Attempts < 0 {
		return 0
	}
	if r.Attempts == 0 {
		return 5
	}
	return r.Attempts
}

func (r Retry) delay(attempt int, after time.Duration) time.Duration {
	base, maxD := r.Base, r.Max
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if maxD <= 0 {
		maxD = 30 * time.Second
	}
	d := base << min(attempt, 16)
	if d > maxD {
		d = maxD
	}
	d = d/2 + time.Duration(rand.Int64N(int64(d)))
	if after > d {
		d = after
	}
	return d
}

// transient says whether an error is worth retrying: 5xx, 408, 429, a
// dropped or refused connection, a timeout, a short body.
func transient(err error) (bool, time.Duration) {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code >= 500 || se.Code == http.StatusTooManyRequests || se.Code == http.StatusRequestTimeout, se.RetryAfter
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false, 0
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) {
		return true, 0
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true, 0
	}
	var oe *net.OpError
	return errors.As(err, &oe), 0
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// opener opens the content from offset to last (inclusive; to its end when
// last < 0); start is where the body really begins (0 when the server
// ignored the Range request).
type opener func(ctx context.Context, offset, last int64) (body io.ReadCloser, start int64, err error)

// reporter is how a fetch reports on its item: bytes stored so far (never
// less than before), and the attempt and error while retrying.
type reporter func(done int64, attempt int, retryErr error)

// reportTo is a reporter sending each report to sink as the item's event:
// Downloading with the bytes stored, or Retrying with the attempt and the
// error; nil for no sink.
func reportTo(sink progress.Sink, item string) reporter {
	if sink == nil {
		return nil
	}
	return func(done int64, attempt int, err error) {
		state := progress.Downloading
		if err != nil {
			state = progress.Retrying
		}
		sink(progress.Event{Item: item, State: state, ItemBytes: done, Attempt: attempt, Err: err})
	}
}

// fetch downloads into partial (resuming what it holds), then check
// decides whether the complete content is right; only then is it renamed
// to final.
func fetch(ctx context.Context, partial, final string, size int64, algos []string, open opener, check func(*hashState) error, retry Retry, tell reporter) error {
	f, hs, err := resumeState(partial, size, algos)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			f.Close()
		}
	}()
	reported := hs.n
	report := func(attempt int, e error) {
		if hs.n > reported {
			reported = hs.n
		}
		if tell != nil {
			tell(reported, attempt, e)
		}
	}
	report(0, nil)
	buf := make([]byte, 1<<20)
	for attempt := 0; ; attempt++ {
		if size < 0 || hs.n < size {
			err = copyFrom(ctx, f, hs, open, buf, func() { report(attempt, nil) })
		} else {
			err = nil
		}
		if err == nil && size >= 0 && hs.n != size {
			err = fmt.Errorf("%w: got %d of %d bytes", io.ErrUnexpectedEOF, hs.n, size)
		}
		if err == nil {
			break
		}
		retryable, after := transient(err)
		if !retryable || attempt >= retry.attempts() {
			return err
		}
		report(attempt+1, err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retry.delay(attempt, after)):
		}
	}
	if err := check(hs); err != nil {
		f.Close()
		closed = true
		os.Remove(partial)
		return err
	}
	// No fsync here: the cache is a cache. A blob that a power cut left
	// damaged is caught when it is written into a bundle (every entry is
	// hashed on the way) and fetched again on the next run.
	closed = true
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(partial, final)
}

// copyFrom appends the content from the current offset; a server that
// ignores Range restarts the file from zero.
func copyFrom(ctx context.Context, f *os.File, hs *hashState, open opener, buf []byte, tick func()) error {
	body, start, err := open(ctx, hs.n, -1)
	if err != nil {
		return err
	}
	defer body.Close()
	if start != hs.n {
		if start != 0 {
			return fmt.Errorf("the server resumed at byte %d instead of %d", start, hs.n)
		}
		if err := f.Truncate(0); err != nil {
			return err
		}
		algos := make([]string, 0, len(hs.hs))
		for a := range hs.hs {
			algos = append(algos, a)
		}
		*hs = *newHashState(algos...)
	}
	if _, err := f.Seek(hs.n, io.SeekStart); err != nil {
		return err
	}
	last := time.Now()
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return err
			}
			hs.Write(buf[:n])
			if time.Since(last) > 50*time.Millisecond {
				tick()
				last = time.Now()
			}
		}
		if rerr == io.EOF {
			tick()
			return nil
		}
		if rerr != nil {
			return rerr
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
