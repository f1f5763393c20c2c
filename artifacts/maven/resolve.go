package maven

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sync/errgroup"

	"ferry/artifacts/fault"
)

// Sentinel errors callers tell apart.
var (
	ErrNotFound     = errors.New("not found")
	ErrUnauthorized = errors.New("unauthorized")
)

// Sidecars are the checksum files carried beside a POM or main file when
// the repository has them.
var Sidecars = []string{".md5", ".sha1", ".sha256", ".sha512"}

// File is one file of an artifact in repository layout.
type File struct {
	// Path is repository-relative, e.g. "org/x/a/1.0/a-1.0.jar".
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Artifact is a coordinate resolved against a repository: every file the
// bundle carries for it.
type Artifact struct {
	Coordinate Coordinate
	// Packaging from the coordinate, else the POM's, else "jar".
	Packaging string
	// Repository is the URL that served it, without credentials.
	Repository string
	// Files sorted by path: the POM, the main file (unless packaging is
	// pom), and the checksum sidecars the repository has for each.
	Files []File
	Size  int64
}

// Resolver finds artifacts' files and sizes in repositories, tried in order.
type Resolver struct {
	// Repositories are base URLs; user:password@ in one is used for Basic
	// auth and never shown.
	Repositories []string
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client
}

// Extension is the main file's extension for a packaging; "" for pom.
func Extension(packaging string) string {
	switch packaging {
	case "pom":
		return ""
	case "", "jar", "maven-plugin", "bundle", "ejb", "eclipse-plugin", "takari-jar", "test-jar", "java-source", "javadoc":
		return ".jar"
	}
	return "." + packaging
}

// Resolve finds the first repository with c's POM and lists its files.
func (r *Resolver) Resolve(ctx context.Context, c Coordinate) (Artifact, error) {
	if len(r.Repositories) == 0 {
		return Artifact{}, fmt.Errorf("no Maven repository to resolve %s from: give one with --maven-repo", c)
	}
	var tried []string
	for _, repo := range r.Repositories {
		a, err := r.resolveIn(ctx, repo, c)
		if errors.Is(err, ErrNotFound) {
			tried = append(tried, RedactURL(repo))
			continue
		}
		return a, err
	}
	return Artifact{}, fault.New(ErrNotFound, "%s was not found in any Maven repository (tried %s): check the coordinates", c, strings.Join(tried, ", "))
}

func (r *Resolver) resolveIn(ctx context.Context, repo string, c Coordinate) (Artifact, error) {
	base := strings.TrimSuffix(repo, "/")
	pomPath := c.Dir() + "/" + c.ArtifactID + "-" + c.Version + ".pom"
	body, err := r.get(ctx, base, pomPath)
	if err != nil {
		return Artifact{}, err
	}
	a := Artifact{Coordinate: c, Packaging: c.Packaging, Repository: RedactURL(base)}
	if a.Packaging == "" {
		var pom struct {
			Packaging string `xml:"packaging"`
		}
		if err := xml.Unmarshal(body, &pom); err != nil {
			return Artifact{}, fmt.Errorf("the POM of %s at %s cannot be read: %v", c, a.Repository, err)
		}
		a.Packaging = strings.TrimSpace(pom.Packaging)
		if a.Packaging == "" {
			a.Packaging = "jar"
		}
	}
	mains := []string{pomPath}
	if ext := Extension(a.Packaging); ext != "" {
		name := c.ArtifactID + "-" + c.Version
		if c.Classifier != "" {
			name += "-" + c.Classifier
		}
		mains = append(mains, c.Dir()+"/"+name+ext)
	}
	type probe struct {
		path     string
		required bool
	}
	var probes []probe
	for i, m := range mains {
		if i > 0 {
			probes = append(probes, probe{m, true})
		}
		for _, s := range Sidecars {
			probes = append(probes, probe{m + s, false})
		}
	}
	a.Files = []File{{Path: pomPath, Size: int64(len(body))}}
	sizes := make([]int64, len(probes))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, p := range probes {
		g.Go(func() error {
			n, err := r.size(gctx, base, p.path)
			if errors.Is(err, ErrNotFound) && !p.required {
				sizes[i] = -1
				return nil
			}
			if errors.Is(err, ErrNotFound) {
				// The POM is here, so a missing main file is this
				// repository's answer, not a reason to try the next one.
				return fmt.Errorf("%s has a POM at %s but no %s: check the packaging or classifier", c, a.Repository, p.path[strings.LastIndex(p.path, "/")+1:])
			}
			sizes[i] = n
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return Artifact{}, err
	}
	for i, p := range probes {
		if sizes[i] >= 0 {
			a.Files = append(a.Files, File{Path: p.path, Size: sizes[i]})
		}
	}
	slices.SortFunc(a.Files, func(x, y File) int { return strings.Compare(x.Path, y.Path) })
	for _, f := range a.Files {
		a.Size += f.Size
	}
	return a, nil
}

func (r *Resolver) client() *http.Client {
	if r.Client != nil {
		return r.Client
	}
	return http.DefaultClient
}

// request builds a request for base/path, moving any credentials in base
// into a Basic auth header.
func request(ctx context.Context, method, base, path string) (*http.Request, error) {
	u, err := url.Parse(base + "/" + path)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid repository URL", RedactURL(base))
	}
	user := u.User
	u.User = nil
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if user != nil {
		pass, _ := user.Password()
		req.SetBasicAuth(user.Username(), pass)
	}
	return req, nil
}

// get fetches a small file (a POM) whole.
func (r *Resolver) get(ctx context.Context, base, path string) ([]byte, error) {
	req, err := request(ctx, http.MethodGet, base, path)
	if err != nil {
		return nil, err
	}
	resp, err := r.client().Do(req)
	if err != nil {
		return nil, explain(base, err)
	}
	defer resp.Body.Close()
	if err := status(base, path, resp); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(resp.Body, 16<<20))
}

// size asks for a file's size with HEAD, counting a GET's bytes when the
// server sends no length.
func (r *Resolver) size(ctx context.Context, base, path string) (int64, error) {
	req, err := request(ctx, http.MethodHead, base, path)
	if err != nil {
		return 0, err
	}
	resp, err := r.client().Do(req)
	if err != nil {
		return 0, explain(base, err)
	}
	resp.Body.Close()
	if err := status(base, path, resp); err != nil {
		return 0, err
	}
	if resp.ContentLength >= 0 {
		return resp.ContentLength, nil
	}
	req, _ = request(ctx, http.MethodGet, base, path)
	resp, err = r.client().Do(req)
	if err != nil {
		return 0, explain(base, err)
	}
	defer resp.Body.Close()
	if err := status(base, path, resp); err != nil {
		return 0, err
	}
	return io.Copy(io.Discard, resp.Body)
}

func status(base, path string, resp *http.Response) error {
	shown := RedactURL(base)
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return fault.New(ErrNotFound, "%s/%s", shown, path)
	case resp.StatusCode == http.StatusUnauthorized:
		return fault.New(ErrUnauthorized, "the Maven repository %s refused the credentials: check the user and password in the repository URL", shown)
	case resp.StatusCode == http.StatusForbidden:
		return fault.New(ErrUnauthorized, "the Maven repository %s does not allow these credentials to read %s: ask for read access", shown, path)
	}
	return fmt.Errorf("the Maven repository %s answered HTTP %d for %s: try again later or check the URL", shown, resp.StatusCode, path)
}

func explain(base string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	shown := RedactURL(base)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("cannot reach the Maven repository %s (connection refused): check the URL and that the server is running", shown)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("cannot reach the Maven repository %s: %v", shown, err)
}

// RedactURL drops user:password@ from a URL so it can be shown or stored.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.Index(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				return raw[:j+3] + raw[i+1:]
			}
		}
		return raw
	}
	if u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
