package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"ferry/artifacts/fault"
	"ferry/artifacts/maven"
	"ferry/artifacts/progress"
	"ferry/artifacts/source"
)

// Downloader fetches into a cache. It is safe for concurrent use.
type Downloader struct {
	Cache  *Cache
	Access *source.Access
	// HTTP fetches Maven files and plain files.
	HTTP  *http.Client
	Retry Retry

	mu            sync.Mutex
	transports    map[string]http.RoundTripper
	puller        *remote.Puller
	rangeIgnored  atomic.Bool
	rangeHonoured atomic.Bool
	cdnURLs       cdnURLs
	slots         chan struct{} // segments fetched at once, over all blobs
}

func (d *Downloader) repoTransport(ctx context.Context, repo name.Repository) (http.RoundTripper, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.transports == nil {
		d.transports = map[string]http.RoundTripper{}
	}
	if rt, ok := d.transports[repo.Name()]; ok {
		return rt, nil
	}
	rt, err := d.Access.RepoTransport(ctx, repo)
	if err != nil {
		return nil, err
	}
	d.transports[repo.Name()] = rt
	return rt, nil
}

// Blob fetches a layer or config of the image original (a reference as
// the plan writes it) into the cache, verifying its digest.
func (d *Downloader) Blob(ctx context.Context, original, digest string, size int64, sink progress.Sink) error {
	report := reportTo(sink, "")
	if d.Cache.HasBlob(digest, size) {
		if report != nil {
			report(size, 0, nil)
		}
		return nil
	}
	open, host, err := d.blobOpener(original, digest)
	if err != nil {
		return err
	}
	check := func(hs *hashState) error {
		if got := "sha256:" + hs.sum("sha256"); got != digest {
			return d.DigestMismatch(original, digest, got)
		}
		return nil
	}
	err = d.fetchBlob(ctx, original, digest, size, open, check, report)
	if err != nil {
		return explainFetch(original, host, err)
	}
	return nil
}

// fetchBlob downloads a blob into the cache on one connection; a large
// one whose first stretch shows that connection slow continues in
// segments (see segmented.go).
func (d *Downloader) fetchBlob(ctx context.Context, original, digest string, size int64, open opener, check func(*hashState) error, report reporter) error {
	partial, final := d.Cache.partialPath(digest), d.Cache.BlobPath(digest)
	if size < 4*cacheSegment || d.RangeIgnored() {
		return fetch(ctx, partial, final, size, nil, open, check, d.Retry, report)
	}
	fctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var done, reading atomic.Int64
	stop := watch(cancel, size, &done, &reading)
	timed := func(ctx context.Context, offset, last int64) (io.ReadCloser, int64, error) {
		t0 := time.Now()
		body, start, err := open(ctx, offset, last)
		reading.Add(int64(time.Since(t0))) // the round trips count as waiting too
		if err != nil {
			return body, start, err
		}
		return &timedBody{ReadCloser: body, ns: &reading}, start, nil
	}
	err := fetch(fctx, partial, final, size, nil, timed, check, d.Retry, func(n int64, attempt int, e error) {
		done.Store(n)
		if report != nil {
			report(n, attempt, e)
		}
	})
	stop()
	if err == nil || ctx.Err() != nil || !errors.Is(context.Cause(fctx), errSwitch) {
		return err
	}
	err = d.fetchSegments(ctx, partial, final, digest, size, open, d.Retry, report)
	var mm *mismatch
	switch {
	case errors.As(err, &mm):
		return d.DigestMismatch(original, digest, mm.got)
	case errors.Is(err, errRangeIgnored):
		// One connection again, from what the file holds.
		return fetch(ctx, partial, final, size, nil, open, check, d.Retry, report)
	}
	return err
}

// Manifest fetches an image manifest or index by digest into the cache.
func (d *Downloader) Manifest(ctx context.Context, original, digest string, size int64) error {
	if d.Cache.HasBlob(digest, size) {
		return nil
	}
	ref, err := d.Access.Reference(original)
	if err != nil {
		return err
	}
	d.mu.Lock()
	if d.puller == nil {
		d.puller, err = remote.NewPuller(d.Access.RemoteOptions()...)
	}
	p := d.puller
	d.mu.Unlock()
	if err != nil {
		return err
	}
	byDigest := ref.Context().Digest(digest)
	var desc *remote.Descriptor
	for attempt := 0; ; attempt++ {
		desc, err = p.Get(ctx, byDigest)
		if err == nil {
			break
		}
		if ok, after := transient(err); !ok || attempt >= d.Retry.attempts() {
			return source.Explain(original, ref.Context().RegistryStr(), err)
		} else {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d.Retry.delay(attempt, after)):
			}
		}
	}
	if err := d.Cache.PutBlob(digest, desc.Manifest); err != nil {
		return fmt.Errorf("%s: manifest %s: %w", original, short(digest), err)
	}
	return nil
}

// File fetches a plain file into the cache and checks its sha256.
func (d *Downloader) File(ctx context.Context, url, sha256hex string, size int64, sink progress.Sink) error {
	report := reportTo(sink, "")
	digest := "sha256:" + strings.ToLower(sha256hex)
	if d.Cache.HasBlob(digest, size) {
		if report != nil {
			report(size, 0, nil)
		}
		return nil
	}
	shown := maven.RedactURL(url)
	open := func(ctx context.Context, offset, _ int64) (io.ReadCloser, int64, error) {
		return d.httpGet(ctx, url, offset)
	}
	check := func(hs *hashState) error {
		if got := hs.sum("sha256"); got != strings.ToLower(sha256hex) {
			return fault.New(ErrDigestMismatch, "%s does not match the sha256 the catalog gives (%s…, got %s…): the file changed upstream or was corrupted; it was not kept", shown, sha256hex[:12], got[:12])
		}
		return nil
	}
	if err := fetch(ctx, d.Cache.partialPath(digest), d.Cache.BlobPath(digest), size, nil, open, check, d.Retry, report); err != nil {
		return explainFetch(shown, "", err)
	}
	return nil
}

func recheck(path string, algos []string, check func(*hashState) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	hs := newHashState(algos...)
	if _, err := io.Copy(hs, f); err != nil {
		return err
	}
	return check(hs)
}

func (d *Downloader) client() *http.Client {
	if d.HTTP != nil {
		return d.HTTP
	}
	return http.DefaultClient
}

// httpGet opens url from offset with Basic auth taken from the URL.
func (d *Downloader) httpGet(ctx context.Context, url string, offset int64) (io.ReadCloser, int64, error) {
	return rangeGet(ctx, basicAuth{d.client().Transport}, url, offset, -1)
}

func (d *Downloader) smallGet(ctx context.Context, url string) ([]byte, error) {
	var out []byte
	for attempt := 0; ; attempt++ {
		body, _, err := d.httpGet(ctx, url, 0)
		if err == nil {
			out, err = io.ReadAll(io.LimitReader(body, 1<<20))
			body.Close()
			if err == nil {
				return out, nil
			}
		}
		if ok, after := transient(err); !ok || attempt >= d.Retry.attempts() {
			return nil, explainFetch(maven.RedactURL(url), "", err)
		} else {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(d.Retry.delay(attempt, after)):
			}
		}
	}
}

// basicAuth moves user:password@ from a URL into an Authorization header.
type basicAuth struct{ base http.RoundTripper }

func (b basicAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	base := b.base
	if base == nil {
		base = http.DefaultTransport
	}
	if u := req.URL.User; u != nil {
		req = req.Clone(req.Context())
		pass, _ := u.Password()
		req.SetBasicAuth(u.Username(), pass)
		req.URL.User = nil
	}
	return base.RoundTrip(req)
}

// rangeGet GETs url from offset (to last, inclusive, unless last < 0)
// through rt; 200 means the body starts at zero, 206 at the Content-Range
// start. Redirects (a registry handing blobs to a CDN) are followed with
// the Range kept.
func rangeGet(ctx context.Context, rt http.RoundTripper, url string, offset, last int64) (io.ReadCloser, int64, error) {
	body, start, _, err := rangeGetAt(ctx, rt, url, offset, last)
	return body, start, err
}

// rangeGetAt is rangeGet that also says which URL answered, after
// redirects.
func rangeGetAt(ctx context.Context, rt http.RoundTripper, url string, offset, last int64) (io.ReadCloser, int64, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, "", err
	}
	switch {
	case last >= 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, last))
	case offset > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	client := &http.Client{Transport: rt}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, "", err
	}
	final := resp.Request.URL.String()
	switch resp.StatusCode {
	case http.StatusOK:
		if req.Header.Get("Range") != "" {
			return wholeBody{resp.Body}, 0, final, nil
		}
		return resp.Body, 0, final, nil
	case http.StatusPartialContent:
		var start, end, total int64
		if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &total); err != nil {
			resp.Body.Close()
			return nil, 0, "", fmt.Errorf("the server sent an unreadable Content-Range %q", resp.Header.Get("Content-Range"))
		}
		return resp.Body, start, final, nil
	case http.StatusRequestedRangeNotSatisfiable:
		resp.Body.Close()
		// What we hold is longer than the content: start over.
		return rangeGetAt(ctx, rt, url, 0, -1)
	}
	resp.Body.Close()
	return nil, 0, "", &StatusError{Code: resp.StatusCode, RetryAfter: retryAfter(resp.Header, time.Now()), URL: withoutQuery(maven.RedactURL(url))}
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19] + "…"
	}
	return digest
}

// explainFetch turns a download failure into one sentence.
func explainFetch(what, host string, err error) error {
	var se *StatusError
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err
	}
	switch {
	case errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden):
		return fault.New(source.ErrUnauthorized, "%s was refused (HTTP %d) while downloading: check the credentials", what, se.Code)
	case errors.As(err, &se) && se.Code == http.StatusNotFound:
		return fault.New(source.ErrNotFound, "%s is gone (HTTP 404) since the plan was made: run the plan again", what)
	case errors.As(err, &se):
		return fmt.Errorf("%s failed with HTTP %d after retries: try again later (the next run resumes where this one stopped)", what, se.Code)
	}
	if host != "" {
		return source.Explain(what, host, err)
	}
	if ok, _ := transient(err); ok {
		return fmt.Errorf("%s: the connection kept failing (%v): check the network and run again; the download resumes where it stopped", what, err)
	}
	return fmt.Errorf("%s: %v", what, err)
}

// blobOpener opens a blob of the image original from an offset; host is
// the registry it comes from.
func (d *Downloader) blobOpener(original, digest string) (opener, string, error) {
	ref, err := d.Access.Reference(original)
	if err != nil {
		return nil, "", err
	}
	repo := ref.Context()
	url := fmt.Sprintf("%s://%s/v2/%s/blobs/%s", d.Access.Scheme(repo.RegistryStr()), repo.RegistryStr(), repo.RepositoryStr(), digest)
	return func(ctx context.Context, offset, last int64) (io.ReadCloser, int64, error) {
		rt, err := d.repoTransport(ctx, repo)
		if err != nil {
			return nil, 0, err
		}
		if loc := d.cdnURLs.get(url); loc != "" {
			// The CDN the registry redirected to last time, asked
			// directly (the registry's login is not sent there).
			body, start, _, err := rangeGetAt(ctx, rt, loc, offset, last)
			var se *StatusError
			if !errors.As(err, &se) || !refused(se.Code) {
				return body, start, err
			}
			d.cdnURLs.forget(url, loc)
		}
		body, start, final, err := rangeGetAt(ctx, rt, url, offset, last)
		if err == nil && final != url {
			d.cdnURLs.put(url, final)
		}
		return body, start, err
	}, repo.RegistryStr(), nil
}

// StreamBlob writes a blob of the image original to w, from offset to its
// end, without the cache: the caller checks the digest of what it wrote.
// A dropped connection resumes with a Range request; from a registry that
// ignores Range the blob comes again from its start and what lies before
// the position reached is skipped. progress sees the position reached.
func (d *Downloader) StreamBlob(ctx context.Context, original, digest string, size, offset int64, w io.Writer, sink progress.Sink) error {
	return d.StreamRange(ctx, original, digest, offset, size, size, w, sink)
}

// wholeBody is the whole content, sent for a Range request.
type wholeBody struct{ io.ReadCloser }

// StreamRange is StreamBlob for the bytes [from, end) of a blob of size
// bytes: one segment of it, asked for with a bounded Range request. A
// failure retries from the position reached, within the segment only.
// Once the registry answered a Range request with the whole blob,
// RangeIgnored says so.
func (d *Downloader) StreamRange(ctx context.Context, original, digest string, from, end, size int64, w io.Writer, sink progress.Sink) error {
	report := reportTo(sink, "")
	open, host, err := d.blobOpener(original, digest)
	if err != nil {
		return err
	}
	pos := from
	for attempt := 0; ; attempt++ {
		err = func() error {
			last := int64(-1)
			if end < size {
				last = end - 1
			}
			body, start, err := open(ctx, pos, last)
			if err != nil {
				return err
			}
			defer body.Close()
			if _, whole := body.(wholeBody); whole {
				d.rangeIgnored.Store(true)
			} else if last >= 0 || pos > 0 {
				d.rangeHonoured.Store(true)
			}
			if start < pos {
				if _, err := io.CopyN(io.Discard, body, pos-start); err != nil {
					return err
				}
			}
			// The sink may read the body itself (io.ReaderFrom): what fails
			// in reading is told apart from what fails in writing.
			src := &countingReader{r: body, pos: &pos, tick: func() {
				if report != nil {
					report(pos, attempt, nil)
				}
			}}
			_, werr := io.Copy(w, io.LimitReader(src, end-pos))
			switch {
			case src.err != nil && src.err != io.EOF:
				return src.err
			case werr != nil:
				return &sinkError{werr}
			case pos < end:
				return fmt.Errorf("%w: got %d of %d bytes", io.ErrUnexpectedEOF, pos, end)
			}
			return nil
		}()
		if err == nil {
			if report != nil {
				report(pos, attempt, nil)
			}
			return nil
		}
		var se *sinkError
		if errors.As(err, &se) {
			return se.err
		}
		retryable, after := transient(err)
		if !retryable || attempt >= d.Retry.attempts() || ctx.Err() != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return explainFetch(original, host, err)
		}
		if report != nil {
			report(pos, attempt+1, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d.Retry.delay(attempt, after)):
		}
	}
}

// RangeIgnored says whether a registry answered a Range request with the
// whole content: fetching a blob in segments would then fetch it many
// times over.
func (d *Downloader) RangeIgnored() bool { return d.rangeIgnored.Load() }

// RangeHonoured says whether a registry answered a Range request with the
// part asked for.
func (d *Downloader) RangeHonoured() bool { return d.rangeHonoured.Load() }

// countingReader advances pos by what it reads, keeps the read error, and
// ticks now and then.
type countingReader struct {
	r    io.Reader
	pos  *int64
	tick func()
	last time.Time
	err  error
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	*c.pos += int64(n)
	if err != nil {
		c.err = err
	}
	if time.Since(c.last) > 50*time.Millisecond {
		c.tick()
		c.last = time.Now()
	}
	return n, err
}

// sinkError is a failure of where a stream goes, not of where it comes
// from: never retried.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return e.err.Error() }

// DigestMismatch is the sentence for a blob whose content does not hash to
// its digest.
func (d *Downloader) DigestMismatch(original, digest, got string) error {
	host := original
	if ref, err := d.Access.Reference(original); err == nil {
		host = ref.Context().RegistryStr()
	}
	return fault.New(ErrDigestMismatch, "%s served blob %s with content that hashes to %s: the registry or a proxy corrupted it; it was not kept", host, short(digest), short(got))
}
