package session

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/spf13/afero"
	"golang.org/x/crypto/ssh"

	"ferry/artifacts/download"
	"ferry/artifacts/eksa"
	"ferry/artifacts/image"
	"ferry/artifacts/imagefs"
	"ferry/artifacts/maven"
	"ferry/artifacts/olm"
	"ferry/artifacts/plainfile"
	"ferry/artifacts/progress"
	"ferry/artifacts/release"
	"ferry/artifacts/source"
	"ferry/targets/catalog"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
)

// MavenCentral is where Maven artifacts are resolved from when neither the
// selection nor the options name a repository.
const MavenCentral = "https://repo.maven.apache.org/maven2"

// DefaultCache is where downloads are cached unless the user says: the
// user's cache folder, or the temporary folder where there is none.
func DefaultCache() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "ferry")
	}
	return filepath.Join(os.TempDir(), "ferry-cache")
}

// Options say how a session reaches the registries and repositories items
// come from, and where it keeps what it downloads.
type Options struct {
	// PullSecret is a docker config JSON with registry credentials.
	PullSecret string
	// CAFiles are PEM files of extra certificate authorities to trust.
	CAFiles []string
	// InsecureHosts are registry hosts reached over plain HTTP.
	InsecureHosts []string
	// Mirrors fetch from one registry through another; plans keep the
	// original references.
	Mirrors []source.Mirror
	// Concurrency is how many items are resolved or fetched at once; 0
	// means 8.
	Concurrency int
	// Version is ferry's version, sent in the user agent.
	Version string
	// MavenRepositories are resolved from when a selection names none;
	// empty means Maven Central.
	MavenRepositories []string
	// CacheDir is the download cache.
	CacheDir string
	// Retries of a failing download before giving up; 0 means the
	// downloader's default.
	Retries int
	// SignatureStore, when set, replaces the catalog's store of OpenShift
	// release signatures.
	SignatureStore string
}

// Session is one run of ferry, on either side of the gap.
type Session struct {
	opts   Options
	access *source.Access
	cat    *catalog.Catalog

	// FS is the file system ferry reads and writes outside a bundle's data.
	FS afero.Fs
	// MountsFile lists the mounted file systems, as /proc/mounts does.
	MountsFile string
	// MediaRoots are the folders removable media are mounted under, and
	// where FindBundles looks.
	MediaRoots []string
	// WorkDir is where a report goes when the medium is read-only, and
	// where relative folders are completed from.
	WorkDir string
	// Home replaces a leading ~/ in Folders.
	Home string
	// StatSpace reads the free space and file system at a path.
	StatSpace func(path string) (prepare.Space, error)
	// TrustedKey, when set, is the key bundles must be signed by
	// (SignedBy); nil checks against the keys beside a bundle, if any.
	TrustedKey ssh.PublicKey
}

// manifestKeeper puts the manifests a plan reads into the download cache,
// so that preparing does not fetch them again. A cache that cannot take
// one costs only that fetch.
type manifestKeeper struct {
	dir   string
	mu    sync.Mutex // one manifest into the cache at a time
	cache *download.Cache
}

func (k *manifestKeeper) keep(digest string, raw []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cache == nil {
		c, err := download.OpenCache(k.dir)
		if err != nil {
			return
		}
		k.cache = c
	}
	if !k.cache.HasBlob(digest, int64(len(raw))) {
		_ = k.cache.PutBlob(digest, raw)
	}
}

// New starts a session with the machine's own file system, mounts and
// media folders; plans are made from cat.
func New(o Options, cat *catalog.Catalog) (*Session, error) {
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	if o.Concurrency < 1 {
		return nil, fmt.Errorf("concurrency must be at least 1, not %d", o.Concurrency)
	}
	if len(o.MavenRepositories) == 0 {
		o.MavenRepositories = []string{MavenCentral}
	}
	acc, err := source.New(source.Options{PullSecret: o.PullSecret, CAFiles: o.CAFiles, InsecureHosts: o.InsecureHosts, Mirrors: o.Mirrors, UserAgent: o.userAgent()})
	if err != nil {
		return nil, err
	}
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	return &Session{
		opts:       o,
		access:     acc,
		cat:        cat,
		FS:         afero.NewOsFs(),
		MountsFile: "/proc/mounts",
		MediaRoots: []string{"/media", "/run/media", "/mnt"},
		WorkDir:    wd,
		Home:       home,
		StatSpace:  prepare.StatSpace,
	}, nil
}

func (o Options) userAgent() string { return "ferry/" + o.Version }

// Catalog is the product catalog plans are made from.
func (s *Session) Catalog() *catalog.Catalog { return s.cat }

// Concurrency is how many items the session resolves or fetches at once.
func (s *Session) Concurrency() int { return s.opts.Concurrency }

// httpClient reaches Maven repositories and file servers, and reads
// file:// repositories from disk.
func (s *Session) httpClient() *http.Client {
	c := s.access.HTTPClient()
	c.Transport = maven.LocalTransport(c.Transport)
	return c
}

// planner builds a planner resolving Maven artifacts from repos.
func (s *Session) planner(repos []string) (*plan.Planner, error) {
	imgs, err := image.NewResolver(s.access)
	if err != nil {
		return nil, err
	}
	if s.opts.CacheDir != "" {
		imgs.Keep = (&manifestKeeper{dir: s.opts.CacheDir}).keep
	}
	client := s.httpClient()
	mr := &maven.Resolver{Repositories: repos, Client: client}
	return &plan.Planner{
		Catalog:     s.cat,
		Images:      imgs,
		Attachments: imgs,
		Maven:       mr,
		MavenFetch:  mr,
		Files:       &plainfile.Sizer{Client: client},
		Hashes:      &plainfile.Sizer{Client: client},
		Releases:    &release.Reader{Access: s.access},
		Signatures:  &release.SignatureReader{Access: s.access, Client: client, Store: s.opts.SignatureStore},
		Bundles:     &eksa.Reader{Client: client},
		MavenImages: &imagefs.Remote{Access: s.access},
		Operators:   &olm.Reader{Access: s.access},
		Concurrency: s.opts.Concurrency,
	}, nil
}

// Plan resolves a selection into a plan, reporting each item as it
// finishes. The plan comes back with its errors even when some items
// failed (plan.ErrIncomplete). A selection naming no Maven repository
// resolves from the session's.
func (s *Session) Plan(ctx context.Context, sel selection.Selection, sink progress.Sink) (*plan.Plan, error) {
	if len(sel.MavenRepositories) == 0 {
		sel.MavenRepositories = s.opts.MavenRepositories
	}
	sel.MavenRepositories = maven.LocalRepositories(sel.MavenRepositories)
	pl, err := s.planner(sel.MavenRepositories)
	if err != nil {
		return nil, err
	}
	pl.Progress = sink
	p, err := pl.Plan(ctx, sel)
	if err != nil {
		return p, err
	}
	if err := s.MeasureAgainst(ctx, p, sel.Have); err != nil {
		return nil, err
	}
	return p, nil
}

// Prepare downloads what the plan carries, through the session's cache,
// and writes the bundle.
func (s *Session) Prepare(ctx context.Context, p *plan.Plan, o prepare.Options, sink progress.Sink) (*prepare.Result, error) {
	cache, err := download.OpenCache(s.opts.CacheDir)
	if err != nil {
		return nil, err
	}
	prep := &prepare.Preparer{
		Downloader:  &download.Downloader{Cache: cache, Access: s.access, HTTP: s.httpClient(), Retry: download.Retry{Attempts: s.opts.Retries}},
		Concurrency: s.opts.Concurrency,
		Progress:    sink,
	}
	return prep.Prepare(ctx, p, o)
}

// BundleRequest is a bundle to write from a plan: where and how it is cut,
// what the site already holds, and who signs it.
type BundleRequest struct {
	// Options name the bundle, its cache copies, its time stamps and the
	// binary put beside it; PartSize and Answers come from the fields
	// below.
	prepare.Options
	// Split cuts the bundle; Auto cuts it for a FAT file system at Output.
	Split Split
	// Have are files saying what the site holds (MeasureAgainst): the
	// bundle leaves that out, and its answers name them.
	Have []string
	// Answers are saved beside the bundle.
	Answers selection.Selection
	// Signer signs the bundle written; without one an earlier signature
	// it no longer matches is removed (SignPrepared).
	Signer ssh.Signer
	// Ready, when set, hears the space at Output and the part size chosen
	// for it, before the first byte is fetched.
	Ready func(at prepare.Space, partSize int64)
}

// Written is what WriteBundle did: the bundle written and its signing.
type Written struct {
	*prepare.Result
	Signed
}

// WriteBundle is a whole prepare from a plan: it measures the plan against
// what the site holds, cuts the bundle for the file system at the output,
// downloads and writes it (Prepare), and signs it (SignPrepared). A bundle
// written whole whose signing failed is ErrWrittenNotSigned, with the
// Result.
func (s *Session) WriteBundle(ctx context.Context, p *plan.Plan, r BundleRequest, sink progress.Sink) (Written, error) {
	if err := s.MeasureAgainst(ctx, p, r.Have); err != nil {
		return Written{}, err
	}
	sp, err := s.Space(r.Output)
	if err != nil {
		return Written{}, err
	}
	if len(r.Have) > 0 {
		r.Answers.Have = r.Have
	}
	o := r.Options
	o.PartSize, o.Answers = r.Split.PartSize(sp), &r.Answers
	if r.Ready != nil {
		r.Ready(sp, o.PartSize)
	}
	res, err := s.Prepare(ctx, p, o, sink)
	if err != nil {
		return Written{}, err
	}
	signed, err := s.SignPrepared(res, r.Signer)
	return Written{Result: res, Signed: signed}, err
}

// Space reads the free space and file system at a path.
func (s *Session) Space(path string) (prepare.Space, error) { return s.StatSpace(path) }
