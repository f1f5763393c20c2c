package maven

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"ferry/artifacts/fault"
)

// Sentinel errors callers tell apart with errors.Is.
var (
	// ErrNotFound marks an artifact that no repository has.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized marks a repository that refused the login, or asked
	// for one (HTTP 401 or 403).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNoRepository marks a resolution with no Maven repository to ask.
	ErrNoRepository = errors.New("no Maven repository")
)

// Sidecars are the extensions of the checksum files carried beside a POM
// or main file when the repository has them.
var Sidecars = []string{".md5", ".sha1", ".sha256", ".sha512"}

// DefaultConcurrency is how many requests one Resolve makes at once unless
// Resolver.Concurrency says otherwise.
const DefaultConcurrency = 4

// maxPOM is far larger than any real POM; a bigger answer is not one.
const maxPOM = 16 << 20

// File is one file of an artifact in repository layout.
type File struct {
	// Path is repository-relative, e.g. "org/x/a/1.0/a-1.0.jar".
	Path string `json:"path"`
	// Size is in bytes.
	Size int64 `json:"size"`
	// SHA256 is the content's sum in hex, when known before download (a
	// file read out of an image).
	SHA256 string `json:"sha256,omitempty"`
}

// Artifact is a coordinate resolved against a repository: every file the
// bundle carries for it.
type Artifact struct {
	// Coordinate is the artifact as asked for.
	Coordinate Coordinate
	// Packaging comes from the coordinate, else the POM's <packaging>,
	// else "jar".
	Packaging string
	// Repository is the URL of the repository that served it, without
	// credentials.
	Repository string
	// Files are sorted by Path: the POM, the main file (unless packaging
	// is pom), and the checksum sidecars the repository has for each.
	Files []File
	// Size is the sum of the Files' sizes.
	Size int64
}

// Resolver finds artifacts' files and sizes in one or more Maven
// repositories, tried in order.
type Resolver struct {
	// Repositories are base URLs. A user:password@ in one is sent as Basic
	// auth and never shown in errors or results.
	Repositories []string
	// Client makes the requests; nil means http.DefaultClient.
	Client *http.Client
	// Concurrency is how many requests one Resolve makes at once;
	// 0 means DefaultConcurrency.
	Concurrency int

	// fetched keeps the small files read (repository and path → bytes).
	fetched sync.Map
}

// Extension is the main file's extension for a packaging, with its dot:
// ".jar" for the packagings that build a jar (and for ""), "" for pom,
// which has no main file, and the packaging itself otherwise.
func Extension(packaging string) string {
	switch packaging {
	case "pom":
		return ""
	case "", "jar", "maven-plugin", "bundle", "ejb", "eclipse-plugin", "takari-jar", "test-jar", "java-source", "javadoc":
		return ".jar"
	}
	return "." + packaging
}

// Resolve finds the first repository that has c's POM and lists the files
// the bundle carries for c from there, with their sizes. An artifact no
// repository has gives an error matching ErrNotFound; a repository that
// refuses the login stops the search with one matching ErrUnauthorized.
func (r *Resolver) Resolve(ctx context.Context, c Coordinate) (Artifact, error) {
	if err := c.check(); err != nil {
		return Artifact{}, err
	}
	if len(r.Repositories) == 0 {
		return Artifact{}, fault.New(ErrNoRepository, "no Maven repository to resolve %s from: give one with %s", c, fault.Use(fault.MavenRepo))
	}
	var tried []string
	for _, raw := range r.Repositories {
		rp, err := parseRepository(raw)
		if err != nil {
			return Artifact{}, err
		}
		a, found, err := r.resolveIn(ctx, rp, c)
		if err != nil || found {
			return a, err
		}
		tried = append(tried, rp.shown)
	}
	return Artifact{}, fault.New(ErrNotFound, "%s was not found in any Maven repository (tried %s): check the coordinates", c, strings.Join(tried, ", "))
}

// resolveIn lists c's files in one repository; found is false when the
// repository has no POM for c.
func (r *Resolver) resolveIn(ctx context.Context, rp repository, c Coordinate) (a Artifact, found bool, err error) {
	pomPath := c.Dir() + "/" + c.baseName() + ".pom"
	pom, err := r.get(ctx, rp, c, pomPath)
	if errors.Is(err, ErrNotFound) {
		return Artifact{}, false, nil
	}
	if err != nil {
		return Artifact{}, false, err
	}
	a = Artifact{Coordinate: c, Packaging: c.Packaging, Repository: rp.shown}
	if a.Packaging == "" {
		if a.Packaging, err = declaredPackaging(pom, rp, c); err != nil {
			return Artifact{}, true, err
		}
	}

	// Everything but the POM is sized by HEAD: the main file must be
	// there, each sidecar may be.
	type probe struct {
		path     string
		required bool
	}
	var probes []probe
	owners := []string{pomPath}
	if ext := Extension(a.Packaging); ext != "" {
		name := c.baseName()
		if c.Classifier != "" {
			name += "-" + c.Classifier
		}
		mainPath := c.Dir() + "/" + name + ext
		owners = append(owners, mainPath)
		probes = append(probes, probe{mainPath, true})
	}
	for _, o := range owners {
		for _, s := range Sidecars {
			probes = append(probes, probe{o + s, false})
		}
	}
	sizes := make([]int64, len(probes))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.concurrency())
	for i, p := range probes {
		g.Go(func() error {
			n, err := r.size(gctx, rp, c, p.path)
			switch {
			case errors.Is(err, ErrNotFound) && p.required:
				// The POM is here, so a missing main file is this
				// repository's answer, not a reason to try the next one.
				return fmt.Errorf("%s has a POM at %s but no %s: check the packaging or classifier", c, rp.shown, p.path[strings.LastIndex(p.path, "/")+1:])
			case errors.Is(err, ErrNotFound):
				n = -1
			case err != nil:
				return err
			}
			sizes[i] = n
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Artifact{}, true, err
	}
	a.Files = []File{{Path: pomPath, Size: int64(len(pom))}}
	for i, p := range probes {
		if sizes[i] >= 0 {
			a.Files = append(a.Files, File{Path: p.path, Size: sizes[i]})
		}
	}
	slices.SortFunc(a.Files, func(x, y File) int { return strings.Compare(x.Path, y.Path) })
	for _, f := range a.Files {
		a.Size += f.Size
	}
	return a, true, nil
}

// declaredPackaging is the packaging c's POM declares, "jar" when it
// declares none. It must be usable as a file extension, since it becomes
// one.
func declaredPackaging(pom []byte, rp repository, c Coordinate) (string, error) {
	p, err := pomPackaging(pom)
	if err != nil {
		return "", fmt.Errorf("the POM of %s from %s cannot be read: %v: check that the URL points at a Maven repository", c, rp.shown, err)
	}
	if p == "" {
		return "jar", nil
	}
	if why := checkPart("packaging", p); why != "" || strings.Contains(p, "${") {
		withJar := c
		withJar.Packaging = "jar"
		return "", fmt.Errorf("the POM of %s from %s declares the packaging %q, which cannot name its main file: give the packaging in the coordinate, e.g. %s", c, rp.shown, p, withJar)
	}
	return p, nil
}

func (r *Resolver) client() *http.Client {
	if r.Client != nil {
		return r.Client
	}
	return http.DefaultClient
}

func (r *Resolver) concurrency() int {
	if r.Concurrency > 0 {
		return r.Concurrency
	}
	return DefaultConcurrency
}

// get fetches a POM whole, once per repository and path: a closure reads
// every POM before its artifacts are sized, and sizing reads them again.
func (r *Resolver) get(ctx context.Context, rp repository, c Coordinate, path string) ([]byte, error) {
	key := rp.shown + "\x00" + path
	if data, ok := r.fetched.Load(key); ok {
		return data.([]byte), nil
	}
	data, err := r.fetch(ctx, rp, c, path)
	if err == nil {
		r.fetched.Store(key, data)
	}
	return data, err
}

func (r *Resolver) fetch(ctx context.Context, rp repository, c Coordinate, path string) ([]byte, error) {
	req, err := rp.request(ctx, http.MethodGet, path)
	if err != nil {
		return nil, err
	}
	resp, err := r.client().Do(req)
	if err != nil {
		return nil, explain(rp.shown, err)
	}
	defer discard(resp)
	if err := rp.status(resp, c, path); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPOM+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("reading the POM of %s from %s broke off (%v): try again", c, rp.shown, err)
	}
	if len(data) > maxPOM {
		return nil, fmt.Errorf("what %s serves as the POM of %s is larger than %d MiB, which no POM is: check that the URL points at a Maven repository", rp.shown, c, maxPOM>>20)
	}
	return data, nil
}

// size asks for a file's size with HEAD, and counts the bytes of a GET
// when the server gives no length or does not answer HEAD.
func (r *Resolver) size(ctx context.Context, rp repository, c Coordinate, path string) (int64, error) {
	req, err := rp.request(ctx, http.MethodHead, path)
	if err != nil {
		return 0, err
	}
	resp, err := r.client().Do(req)
	if err != nil {
		return 0, explain(rp.shown, err)
	}
	discard(resp)
	if resp.StatusCode != http.StatusMethodNotAllowed && resp.StatusCode != http.StatusNotImplemented {
		if err := rp.status(resp, c, path); err != nil {
			return 0, err
		}
		if resp.ContentLength >= 0 {
			return resp.ContentLength, nil
		}
	}
	if req, err = rp.request(ctx, http.MethodGet, path); err != nil {
		return 0, err
	}
	if resp, err = r.client().Do(req); err != nil {
		return 0, explain(rp.shown, err)
	}
	defer resp.Body.Close()
	if err := rp.status(resp, c, path); err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("reading %s from %s to count its size broke off after %d bytes (%v): try again", path, rp.shown, n, err)
	}
	return n, nil
}

// Fetch reads a small repository file (a POM, a maven-metadata.xml) from
// the first repository that has it, and says which one served it, without
// credentials. A file no repository has gives an error matching
// ErrNotFound; a refused login stops the search with one matching
// ErrUnauthorized. c names the artifact the file belongs to, in errors.
func (r *Resolver) Fetch(ctx context.Context, c Coordinate, path string) (data []byte, repository string, err error) {
	if len(r.Repositories) == 0 {
		return nil, "", fault.New(ErrNoRepository, "no Maven repository to resolve %s from: give one with %s", c, fault.Use(fault.MavenRepo))
	}
	var tried []string
	for _, raw := range r.Repositories {
		rp, err := parseRepository(raw)
		if err != nil {
			return nil, "", err
		}
		data, err := r.get(ctx, rp, c, path)
		if errors.Is(err, ErrNotFound) {
			tried = append(tried, rp.shown)
			continue
		}
		if err != nil {
			return nil, "", err
		}
		return data, rp.shown, nil
	}
	return nil, "", fault.New(ErrNotFound, "%s was not found in any Maven repository (tried %s): check the coordinates", c, strings.Join(tried, ", "))
}
