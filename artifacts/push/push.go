// Package push loads a bundle's images into a registry straight from the
// bundle's parts, without unpacking: blobs first (skipping those the
// registry already has, mounting across repositories where it can), then
// manifests, indexes and tags, digests preserved; the referrers carried
// are listable afterwards, by the registry's referrers API or its tag
// fallback. Every blob is hashed as
// it is sent, so a damaged bundle is caught, never loaded.
package push

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/image"
	"ferry/artifacts/progress"
	"ferry/artifacts/size"
	"ferry/artifacts/source"
)

// Sentinel errors callers tell apart.
var (
	ErrSparseRefused = errors.New("sparse index refused")
	ErrDamaged       = errors.New("damaged blob in the bundle")
	ErrPushDenied    = errors.New("push not permitted")
	// ErrBaseMissing marks a delta bundle loaded where the blobs it
	// leaves out are not.
	ErrBaseMissing = errors.New("the delta bundle's base is not loaded")
)

// Loaded is one image as it now is at the destination.
type Loaded struct {
	Reference   string   `json:"reference"`
	Destination string   `json:"destination"`
	Digest      string   `json:"digest"`
	Platforms   []string `json:"platforms"`
	Tagged      bool     `json:"tagged"`
	// Subject is the image a signature, attestation or referrer is
	// attached to ("" for an image).
	Subject string `json:"subject,omitempty"`
	// Problem, when set, says what could not be loaded and what to do.
	Problem string `json:"problem,omitempty"`
}

// Result says what an import did.
type Result struct {
	Images       []Loaded `json:"images"`
	BlobsSent    int      `json:"blobsSent"`
	BlobsSkipped int      `json:"blobsSkipped"`
	BlobsMounted int      `json:"blobsMounted"`
	// BytesSent counts only the blobs uploaded, not those skipped or
	// mounted.
	BytesSent int64 `json:"bytesSent"`
	// Present lists, sorted, every config and layer the images use, all
	// at the registry once the import is done: a report is an inventory
	// for the next delta bundle.
	Present []string `json:"present,omitempty"`
}

// Pusher loads bundles into one registry.
type Pusher struct {
	Access *source.Access
	// Registry is host[:port]; Prefix an optional repository path prefix.
	Registry, Prefix string
	// Flat replaces "/" in repository paths with "-", for registries that
	// limit nested paths.
	Flat        bool
	Concurrency int
	// Progress receives a progress.StageImages event as bytes of a blob
	// are sent (Sending; skipped and mounted blobs count at once) and as
	// each blob is done (Sent), one call at a time.
	Progress progress.Sink

	mu         sync.Mutex
	transports map[string]http.RoundTripper
}

// Repo is where an original reference goes at this registry.
func (p *Pusher) Repo(original string) (string, error) {
	return image.MapRepo(original, p.Prefix, p.Flat)
}

func (p *Pusher) transport(ctx context.Context, repo string, push bool) (http.RoundTripper, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := fmt.Sprintf("%s %v", repo, push)
	if rt, ok := p.transports[key]; ok {
		return rt, nil
	}
	r, err := name.NewRepository(p.Registry + "/" + repo)
	if err != nil {
		return nil, fmt.Errorf("%s/%s is not a valid repository: %w", p.Registry, repo, err)
	}
	scopes := []string{r.Scope(transport.PullScope)}
	if push {
		scopes = []string{r.Scope(transport.PushScope)}
	}
	rt, err := p.Access.DestTransport(ctx, r, scopes)
	if err != nil {
		return nil, err
	}
	if p.transports == nil {
		p.transports = map[string]http.RoundTripper{}
	}
	p.transports[key] = rt
	return rt, nil
}

func (p *Pusher) url(repo, rest string) string {
	return fmt.Sprintf("%s://%s/v2/%s/%s", p.Access.Scheme(p.Registry), p.Registry, repo, rest)
}

func (p *Pusher) do(ctx context.Context, repo, method, u string, body io.Reader, size int64, hdr map[string]string) (*http.Response, error) {
	rt, err := p.transport(ctx, repo, method != http.MethodGet && method != http.MethodHead)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return nil, source.Explain(p.Registry+"/"+repo, p.Registry, err)
	}
	return resp, nil
}

// blobUse is a blob and the repositories that need it.
type blobUse struct {
	digest string
	size   int64
	kind   string
	repos  []string
	// from is a repository already holding a blob the bundle leaves out
	// (a delta bundle's), to mount it from; omitted says it is one.
	from    string
	omitted bool
}

// Import loads every image of the bundle.
func (p *Pusher) Import(ctx context.Context, b *bundle.Bundle) (*Result, error) {
	m, err := b.ReadManifest(ctx)
	if err != nil {
		return nil, err
	}
	c, err := b.Scan(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var pl struct {
		Images []struct {
			Reference string       `json:"reference"`
			Blobs     []image.Blob `json:"blobs"`
		} `json:"images"`
	}
	if err := json.Unmarshal(m.Plan, &pl); err != nil {
		return nil, fmt.Errorf("%w: the bundle's plan cannot be read", bundle.ErrNotABundle)
	}
	uses := map[string]*blobUse{}
	var order []string
	for _, im := range pl.Images {
		repo, err := p.Repo(im.Reference)
		if err != nil {
			return nil, err
		}
		for _, bl := range im.Blobs {
			if bl.Kind == image.KindIndex || bl.Kind == image.KindManifest {
				continue
			}
			u, ok := uses[bl.Digest]
			if !ok {
				u = &blobUse{digest: bl.Digest, size: bl.Size, kind: bl.Kind}
				uses[bl.Digest] = u
				order = append(order, bl.Digest)
			}
			if len(u.repos) == 0 || u.repos[len(u.repos)-1] != repo {
				u.repos = append(u.repos, repo)
			}
		}
	}
	// Stream order: the bundle stores blobs sorted by digest.
	sort.Strings(order)
	if m.Base != nil {
		// Before anything is sent: every blob the bundle leaves out must
		// be at the registry already.
		if err := p.checkBase(ctx, m, uses, order); err != nil {
			return nil, err
		}
	}
	var total int64
	for _, d := range order {
		total += uses[d].size * int64(len(uses[d].repos))
	}
	res := &Result{}
	var done, uploaded atomic.Int64
	var items atomic.Int64
	var emu sync.Mutex
	emit := func(item, state string) {
		// Blobs go in parallel: one event at a time, with the figures read
		// under the lock, so that they never go backwards.
		emu.Lock()
		defer emu.Unlock()
		p.Progress.Send(progress.Event{Stage: progress.StageImages, Item: item, State: state,
			BytesDone: done.Load(), BytesTotal: total, ItemsDone: int(items.Load()), ItemsTotal: len(order)})
	}
	var rmu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency())
	for _, d := range order {
		u := uses[d]
		g.Go(func() error {
			sent, mounted, skipped, err := p.blob(gctx, c, u, func(n int64) { done.Add(n); emit(u.digest, progress.Sending) })
			uploaded.Add(int64(sent) * u.size)
			if err != nil {
				return err
			}
			rmu.Lock()
			res.BlobsSent += sent
			res.BlobsMounted += mounted
			res.BlobsSkipped += skipped
			rmu.Unlock()
			items.Add(1)
			emit(u.digest, progress.Sent)
			return nil
		})
	}
	err = g.Wait()
	res.BytesSent = uploaded.Load()
	if err != nil {
		return res, err
	}

	// Manifests, indexes and tags, per image.
	for _, im := range m.Images {
		l, err := p.manifests(ctx, c, im)
		if err != nil {
			return res, err
		}
		res.Images = append(res.Images, l)
	}
	if err := p.referrers(ctx, c, m.Images); err != nil {
		return res, err
	}
	// Every blob the images use is now at the registry: what a later
	// delta bundle may leave out.
	res.Present = order
	return res, nil
}

// blob makes one blob present in every repository that needs it.
func (p *Pusher) blob(ctx context.Context, c *bundle.Contents, u *blobUse, sent func(int64)) (nSent, nMounted, nSkipped int, err error) {
	from := u.from
	for _, repo := range u.repos {
		resp, err := p.do(ctx, repo, http.MethodHead, p.url(repo, "blobs/"+u.digest), nil, 0, nil)
		if err != nil {
			return nSent, nMounted, nSkipped, err
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			nSkipped++
			sent(u.size)
			from = repo
			continue
		}
		if err := statusErr(p.Registry, repo, resp); err != nil && resp.StatusCode != http.StatusNotFound {
			return nSent, nMounted, nSkipped, err
		}
		q := url.Values{}
		if from != "" {
			q.Set("mount", u.digest)
			q.Set("from", from)
		}
		resp, err = p.do(ctx, repo, http.MethodPost, p.url(repo, "blobs/uploads/")+"?"+q.Encode(), nil, 0, nil)
		if err != nil {
			return nSent, nMounted, nSkipped, err
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusCreated {
			nMounted++
			sent(u.size)
			continue
		}
		if resp.StatusCode != http.StatusAccepted {
			return nSent, nMounted, nSkipped, statusErr(p.Registry, repo, resp)
		}
		loc, err := resp.Location()
		if err != nil {
			return nSent, nMounted, nSkipped, fmt.Errorf("%s gave no upload location for %s", p.Registry, repo)
		}
		if u.omitted {
			// The registry would not mount it: the bundle does not hold
			// it to send instead. The upload started is cancelled.
			if r, err := p.do(ctx, repo, http.MethodDelete, loc.String(), nil, 0, nil); err == nil {
				r.Body.Close()
			}
			return nSent, nMounted, nSkipped, fault.New(ErrBaseMissing, "%s would not mount blob %s into %s from %s, and this delta bundle leaves it out: load a full bundle of this version instead", p.Registry, short(u.digest), repo, from)
		}
		if err := p.upload(ctx, c, repo, loc, u, sent); err != nil {
			return nSent, nMounted, nSkipped, err
		}
		nSent++
		from = repo
	}
	return nSent, nMounted, nSkipped, nil
}

// upload sends the blob in one PUT, hashing it on the way.
func (p *Pusher) upload(ctx context.Context, c *bundle.Contents, repo string, loc *url.URL, u *blobUse, sent func(int64)) error {
	sr, ok := c.Open(bundle.BlobPath(u.digest))
	if !ok {
		return fault.New(bundle.ErrIncomplete, "the bundle lacks blob %s: make the bundle again", short(u.digest))
	}
	q := loc.Query()
	q.Set("digest", u.digest)
	loc.RawQuery = q.Encode()
	h := sha256.New()
	body := &countingReader{r: io.TeeReader(sr, h), n: sent}
	resp, err := p.do(ctx, repo, http.MethodPut, loc.String(), body, sr.Size(), map[string]string{"Content-Type": "application/octet-stream"})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); body.read == sr.Size() && got != u.digest {
		return c.Blame(ctx, bundle.BlobPath(u.digest), fault.New(ErrDamaged, "blob %s in the bundle is damaged (it hashes to %s) though every part holding it matches its checksum: make the bundle again", short(u.digest), short(got)))
	}
	if resp.StatusCode != http.StatusCreated {
		return statusErr(p.Registry, repo, resp)
	}
	return nil
}

type countingReader struct {
	r    io.Reader
	n    func(int64)
	read int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.read += int64(n)
	if n > 0 {
		c.n(int64(n))
	}
	return n, err
}

// manifests pushes an image's manifests (children before indexes) and tag.
func (p *Pusher) manifests(ctx context.Context, c *bundle.Contents, im bundle.Image) (Loaded, error) {
	repo, err := p.Repo(im.Reference)
	if err != nil {
		return Loaded{}, err
	}
	_, _, tag, _ := image.Origin(im.Reference)
	l := Loaded{Reference: im.Reference, Destination: p.Registry + "/" + repo, Digest: im.Digest, Platforms: im.Platforms, Subject: im.Subject}
	missing := map[string]bool{}
	for _, d := range im.Missing {
		missing[d] = true
	}
	// Each manifest is sent once, after everything it names, however many
	// indexes name it; indexes nested deeper than bundle.MaxNesting are
	// refused.
	mediaType := func(d v1.Descriptor, raw []byte) types.MediaType {
		if d.MediaType == "" {
			return sniff(raw)
		}
		return d.MediaType
	}
	g := bundle.Graph{After: func(d v1.Descriptor) error {
		raw, err := readBlob(ctx, c, d.Digest.String())
		if err != nil {
			return err
		}
		return p.putManifest(ctx, repo, d.Digest.String(), raw, mediaType(d, raw))
	}}
	root := v1.Descriptor{MediaType: types.MediaType(im.MediaType)}
	if root.Digest, err = v1.NewHash(im.Digest); err != nil {
		return l, fault.New(ErrDamaged, "the bundle's manifest gives %s the digest %q: make the bundle again", im.Reference, im.Digest)
	}
	err = g.Walk(ctx, im.Reference, root, func(d v1.Descriptor) ([]v1.Descriptor, error) {
		raw, err := readBlob(ctx, c, d.Digest.String())
		if err != nil {
			return nil, err
		}
		if !mediaType(d, raw).IsIndex() {
			return nil, nil
		}
		idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return nil, fault.New(ErrDamaged, "the index of %s in the bundle cannot be read: make the bundle again", im.Reference)
		}
		var kids []v1.Descriptor
		for _, ch := range idx.Manifests {
			if !missing[ch.Digest.String()] {
				kids = append(kids, ch)
			}
		}
		return kids, nil
	})
	if errors.Is(err, ErrSparseRefused) {
		l.Problem = fmt.Sprintf("%s refused the index of %s because it lacks the architectures not carried (%s are): the carried images were loaded by digest and %s was not tagged; prepare the bundle again with every architecture the image has, or pull the platform images by digest",
			p.Registry, im.Reference, strings.Join(im.Platforms, ", "), l.Destination+":"+tag)
		return l, nil
	}
	if err != nil {
		return l, err
	}
	if tag != "" {
		// Already tagged at this digest: nothing to send.
		resp, err := p.do(ctx, repo, http.MethodHead, p.url(repo, "manifests/"+tag), nil, 0, map[string]string{"Accept": im.MediaType})
		if err != nil {
			return l, err
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && resp.Header.Get("Docker-Content-Digest") == im.Digest {
			l.Tagged = true
			return l, nil
		}
		raw, _ := readBlob(ctx, c, im.Digest)
		if err := p.putManifest(ctx, repo, tag, raw, types.MediaType(im.MediaType)); err != nil {
			return l, err
		}
		l.Tagged = true
	}
	return l, nil
}

func readBlob(ctx context.Context, c *bundle.Contents, digest string) ([]byte, error) {
	sr, ok := c.Open(bundle.BlobPath(digest))
	if !ok {
		return nil, fault.New(bundle.ErrIncomplete, "the bundle lacks manifest %s: make the bundle again", short(digest))
	}
	if sr.Size() > bundle.MaxImageManifestSize {
		return nil, fault.New(bundle.ErrTooLarge, "manifest %s in the bundle is %s, more than the 4 MiB a manifest may be: the bundle is damaged or was not made by ferry; make the bundle again", short(digest), size.Format(sr.Size()))
	}
	raw, err := io.ReadAll(sr)
	if err != nil {
		return nil, err
	}
	if bundle.Digest(raw) != digest {
		return nil, c.Blame(ctx, bundle.BlobPath(digest), fault.New(ErrDamaged, "manifest %s in the bundle is damaged though every part holding it matches its checksum: make the bundle again", short(digest)))
	}
	return raw, nil
}

// sniff reads a manifest's own mediaType field.
func sniff(raw []byte) types.MediaType {
	var m struct {
		MediaType types.MediaType `json:"mediaType"`
		Manifests []any           `json:"manifests"`
	}
	_ = json.Unmarshal(raw, &m)
	switch {
	case m.MediaType != "":
		return m.MediaType
	case m.Manifests != nil:
		return types.OCIImageIndex
	}
	return types.OCIManifestSchema1
}

// putManifest PUTs a manifest by digest or tag, unless the registry
// already has it by digest.
func (p *Pusher) putManifest(ctx context.Context, repo, ref string, raw []byte, mt types.MediaType) error {
	if strings.HasPrefix(ref, "sha256:") {
		resp, err := p.do(ctx, repo, http.MethodHead, p.url(repo, "manifests/"+ref), nil, 0, map[string]string{"Accept": string(mt)})
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
	resp, err := p.do(ctx, repo, http.MethodPut, p.url(repo, "manifests/"+ref), bytes.NewReader(raw), int64(len(raw)), map[string]string{"Content-Type": string(mt)})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		return nil
	}
	if mt.IsIndex() && (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusNotFound) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if bytes.Contains(body, []byte("MANIFEST_BLOB_UNKNOWN")) || bytes.Contains(body, []byte("MANIFEST_UNKNOWN")) {
			return ErrSparseRefused
		}
		return fmt.Errorf("%s refused the index %s of %s: %s", p.Registry, short(ref), repo, firstLine(string(body)))
	}
	return statusErr(p.Registry, repo, resp)
}

func statusErr(registry, repo string, resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted:
		return nil
	case http.StatusUnauthorized:
		return fault.New(source.ErrUnauthorized, "%s refused the credentials: check %s", fault.Host(registry), fault.Use(fault.RegistryLogin))
	case http.StatusForbidden:
		return fault.New(ErrPushDenied, "%s does not let these credentials push to %s: ask for push rights there, or choose another prefix in %s", fault.Host(registry), repo, fault.Use(fault.Registry))
	case http.StatusNotFound:
		return fault.New(source.ErrNotFound, "%s has no repository %s and did not create it: create it there first", registry, repo)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return fmt.Errorf("%s answered HTTP %d for %s: %s", registry, resp.StatusCode, repo, firstLine(string(body)))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func short(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}

// concurrency is how many requests run at once: Concurrency, or 4.
func (p *Pusher) concurrency() int {
	if p.Concurrency <= 0 {
		return 4
	}
	return p.Concurrency
}
