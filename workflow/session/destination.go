package session

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/maven"
	"ferry/artifacts/progress"
	"ferry/artifacts/push"
	"ferry/artifacts/source"
	"ferry/workflow/importer"
)

// Destination is where an import goes and what the mirror configuration
// points clients at: the site's registry and its Maven repository or
// folder. Its passwords reach the servers and nothing else: no report,
// log or configuration file holds them.
type Destination struct {
	// Registry is HOST[:PORT][/PREFIX]; empty loads no images.
	Registry           string
	Username, Password string
	// CAFiles are PEM files of the site's certificate authority.
	CAFiles []string
	// Insecure speaks plain HTTP to the registry.
	Insecure bool
	// Flat joins repository paths (PREFIX/apache-x) for registries that
	// limit nesting; otherwise they keep their path (PREFIX/apache/x).
	Flat bool
	// Concurrency is how many blobs are pushed at once; 0 means 4.
	Concurrency int
	// MavenURL is the site's Maven repository; MavenDir a folder to copy
	// the Maven files into instead.
	MavenURL, MavenUser, MavenPassword string
	MavenDir                           string
}

// ErrRegistryScheme marks a registry address typed with a scheme
// ("http://host:5000"): the address is HOST[:PORT][/PREFIX], and plain
// HTTP is its own setting.
var ErrRegistryScheme = errors.New("registry address has a scheme")

// ErrBadAddress marks a registry or Maven repository address that cannot
// be one, whatever answers there.
var ErrBadAddress = errors.New("not an address")

// Check refuses, before any request, an address that cannot be reached as
// it is written: a registry typed as a URL (ErrRegistryScheme), one that is
// not HOST[:PORT][/PREFIX] in lower case, or a Maven URL other than
// http(s) (ErrBadAddress).
func (d Destination) Check() error {
	if scheme, _, ok := strings.Cut(d.Registry, "://"); ok {
		return fault.New(ErrRegistryScheme, "the registry address %q starts with %s://: %s", d.Registry, scheme,
			fault.About(fault.Registry), fault.Use(fault.RegistryForm, scheme))
	}
	if d.Registry != "" {
		host, prefix, _ := strings.Cut(d.Registry, "/")
		_, hostErr := name.NewRegistry(host)
		// The prefix is checked under a host the name parser takes for a
		// registry whatever it looks like, so a host without a dot or port
		// ("myreg") is not read as a docker.io path. Nothing is reached.
		if _, err := name.NewRepository(strings.Trim("localhost/"+prefix, "/")+"/x", name.StrictValidation); hostErr != nil || err != nil {
			return fault.New(ErrBadAddress, "%q is not a registry address: write it as HOST[:PORT][/PREFIX], in lower case, in %s", d.Registry, fault.Use(fault.Registry))
		}
	}
	if d.MavenURL != "" {
		if u, err := url.Parse(d.MavenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fault.New(ErrBadAddress, "%q is not a Maven repository URL: %s takes http(s)://HOST/PATH", maven.RedactURL(d.MavenURL), fault.Use(fault.MavenURL))
		}
	}
	return nil
}

// Host is the registry's host and port, without the prefix.
func (d Destination) Host() string {
	host, _, _ := strings.Cut(d.Registry, "/")
	return host
}

// Importer builds the engine that loads bundles into d.
func (s *Session) Importer(d Destination) (*importer.Importer, error) {
	im := &importer.Importer{MavenDir: d.MavenDir}
	if err := d.Check(); err != nil {
		return nil, err
	}
	if d.Registry != "" {
		host, prefix, _ := strings.Cut(d.Registry, "/")
		opts := source.Options{CAFiles: d.CAFiles, UserAgent: s.opts.userAgent()}
		if d.Insecure {
			opts.InsecureHosts = []string{host}
		}
		if d.Username != "" {
			opts.Keychain = source.Login(host, d.Username, d.Password)
		}
		acc, err := source.New(opts)
		if err != nil {
			return nil, err
		}
		n := d.Concurrency
		if n == 0 {
			n = 4
		}
		im.Images = &push.Pusher{Access: acc, Registry: host, Prefix: prefix, Flat: d.Flat, Concurrency: n}
	}
	if d.MavenURL != "" {
		acc, err := source.New(source.Options{CAFiles: d.CAFiles})
		if err != nil {
			return nil, err
		}
		im.Maven = &maven.Uploader{URL: maven.RedactURL(d.MavenURL), Username: d.MavenUser, Password: d.MavenPassword, Client: acc.HTTPClient()}
	}
	return im, nil
}

// Open opens a bundle given as its folder, its index or one of its parts.
func (s *Session) Open(path string) (*bundle.Bundle, error) { return bundle.Open(path) }

// Verify checks every part and every item of a bundle, reporting the bytes
// read.
func (s *Session) Verify(ctx context.Context, b *bundle.Bundle, sink progress.Sink) error {
	_, err := b.Verify(ctx, false, sink)
	return err
}

// Preflight checks that d is reachable, trusted, accepts the login and
// allows pushing, before the first byte is loaded.
func (s *Session) Preflight(ctx context.Context, d Destination) ([]push.Check, error) {
	im, err := s.Importer(d)
	if err != nil {
		return nil, err
	}
	return im.Preflight(ctx)
}

// Import loads a bundle into d. The report comes back even when the
// import failed part way, saying what was done.
func (s *Session) Import(ctx context.Context, b *bundle.Bundle, d Destination, sink progress.Sink) (*importer.Report, error) {
	im, err := s.Importer(d)
	if err != nil {
		return nil, err
	}
	im.Progress = sink
	return im.Import(ctx, b)
}

// SaveReport writes the report beside the bundle when the medium is
// writable, else in the working folder, and says which files it wrote.
func (s *Session) SaveReport(b *bundle.Bundle, rep *importer.Report) ([]string, error) {
	name := b.Index.Name + "-import-report"
	files, err := rep.Write(s.FS, filepath.Join(b.Dir, name))
	if err == nil {
		return files, nil
	}
	return rep.Write(s.FS, filepath.Join(s.WorkDir, name))
}
