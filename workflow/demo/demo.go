// Package demo stands up, on loopback with free ports, everything the
// training walkthrough needs and nothing outside this machine: an
// "upstream" registry and Maven repository seeded with small deterministic
// content whose references mirror the built-in sonataflow target (every
// version and every module, the Maven repository read out of the builder
// image included), and a "site" registry and Maven repository for the far
// side. A session on them (Session: Options and LoadCatalog) offers only the target
// they have content for, and ReadyBundle writes the bundle a trainer who
// starts on the far side imports.
package demo

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"ferry/artifacts/maven"
	"ferry/artifacts/source"
	"ferry/targets/catalog"
)

// Banner is shown on every demo screen.
const Banner = "DEMO — nothing leaves this machine"

// Target is the demo's catalog target: the built-in sonataflow with a
// small Maven module added.
const Target = "sonataflow"

// Demo is the running set of servers.
type Demo struct {
	// Upstream and Site are registry hosts ("127.0.0.1:PORT").
	Upstream, Site string
	// UpstreamMaven and SiteMaven are Maven repository URLs.
	UpstreamMaven, SiteMaven string
	// Catalog is the demo catalog file; Dir holds everything the demo writes.
	Catalog, Dir string

	servers []*http.Server
	site    *memRepo
	// temporary: Dir was made by Start, and goes with Close.
	temporary bool
}

// Hosts the demo's references name, served by the upstream registry.
var Hosts = []string{"docker.io", "gcr.io", "registry.access.redhat.com"}

// Start starts the servers and seeds the upstream side. dir holds the
// catalog, the bundle and the configuration the demo writes; with "", a
// temporary folder does, removed by Close.
func Start(ctx context.Context, dir string) (*Demo, error) {
	d := &Demo{Dir: dir, site: &memRepo{files: map[string][]byte{}}}
	if dir == "" {
		var err error
		if d.Dir, err = os.MkdirTemp("", "ferry-demo-"); err != nil {
			return nil, err
		}
		d.temporary = true
	}
	up := &memRepo{files: map[string][]byte{}}
	quiet := ggcrregistry.Logger(log.New(io.Discard, "", 0))
	for _, s := range []struct {
		h   http.Handler
		dst *string
		url bool
	}{
		{ggcrregistry.New(quiet), &d.Upstream, false},
		{ggcrregistry.New(quiet), &d.Site, false},
		{up, &d.UpstreamMaven, true},
		{d.site, &d.SiteMaven, true},
	} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("the demo cannot listen on loopback: %w", err)
		}
		srv := &http.Server{Handler: s.h}
		go func() { _ = srv.Serve(l) }()
		d.servers = append(d.servers, srv)
		*s.dst = l.Addr().String()
		if s.url {
			*s.dst = "http://" + l.Addr().String() + "/maven2"
		}
	}
	if err := d.seed(ctx, up); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close stops every server, and removes the folder Start made.
func (d *Demo) Close() {
	for _, s := range d.servers {
		_ = s.Close()
	}
	if d.temporary {
		_ = os.RemoveAll(d.Dir)
	}
}

// Mirrors send the demo's upstream hosts to the upstream registry.
func (d *Demo) Mirrors() []source.Mirror {
	var out []source.Mirror
	for _, h := range Hosts {
		out = append(out, source.Mirror{From: h, To: d.Upstream})
	}
	return out
}

// SiteFiles counts the Maven files deployed to the site repository.
func (d *Demo) SiteFiles() int { return d.site.count() }

// seed writes the demo catalog and pushes every image of every version,
// for amd64 and arm64, sharing a base layer; the builder image holds a
// small Maven repository where the maven-repository module reads it.
func (d *Demo) seed(ctx context.Context, up *memRepo) error {
	cat, err := catalog.Builtin()
	if err != nil {
		return err
	}
	t, err := cat.Target(Target)
	if err != nil {
		return err
	}
	if err := d.writeCatalog(); err != nil {
		return err
	}
	base := map[string]v1.Layer{}
	for _, arch := range []string{"amd64", "arm64"} {
		if base[arch], err = tarLayer(map[string][]byte{"usr/lib/base-" + arch: pseudo("base-"+arch, 256<<10)}); err != nil {
			return err
		}
	}
	pushed := map[string]bool{}
	for _, v := range t.VersionNames() {
		sel, err := t.Select(catalog.Choice{Version: v, Archs: []string{"amd64"}, Modules: t.ModuleNames()})
		if err != nil {
			return err
		}
		// An image that holds a Maven repository gets it as a layer of
		// its own; every other image is a base and a layer of its own.
		holds := map[string]map[string][]byte{}
		var refs []string
		for _, n := range sel.Needs {
			for _, mi := range n.MavenFromImages {
				holds[mi.Image] = mavenRepoFiles(mi.Path, v)
				refs = append(refs, mi.Image)
			}
			refs = append(refs, n.Images...)
			for _, f := range n.Files {
				up.put(demoFilePath(f.URL), []byte("# The demo's stand-in for "+f.URL+"\n"))
			}
		}
		for _, ref := range refs {
			if pushed[ref] {
				continue
			}
			pushed[ref] = true
			if err := d.pushImage(ctx, ref, base, holds[ref]); err != nil {
				return err
			}
		}
		c := maven.Coordinate{GroupID: "org.apache.kie.sonataflow", ArtifactID: "sonataflow-quarkus", Version: v}
		for p, data := range pomAndJar(c, "sonataflow-quarkus") {
			sha1hex, md5hex := maven.Sums(data)
			up.put("/maven2/"+p, data)
			up.put("/maven2/"+p+".sha1", []byte(sha1hex))
			up.put("/maven2/"+p+".md5", []byte(md5hex))
		}
	}
	return nil
}

// pomAndJar is a small artifact: its POM and a jar of deterministic bytes,
// by their paths in Maven layout.
func pomAndJar(c maven.Coordinate, seed string) map[string][]byte {
	pom := []byte(fmt.Sprintf("<project><modelVersion>4.0.0</modelVersion><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version><packaging>jar</packaging></project>\n", c.GroupID, c.ArtifactID, c.Version))
	base := c.Dir() + "/" + c.ArtifactID + "-" + c.Version
	return map[string][]byte{base + ".pom": pom, base + ".jar": pseudo(seed+"@"+c.Version, 64<<10)}
}

// mavenRepoFiles is the small Maven repository the builder image of
// version holds under dir, with the sha1 files a local repository keeps.
func mavenRepoFiles(dir, version string) map[string][]byte {
	out := map[string][]byte{}
	for _, c := range []maven.Coordinate{
		{GroupID: "org.apache.kie.sonataflow", ArtifactID: "sonataflow-quarkus-devui", Version: version},
		{GroupID: "io.quarkus", ArtifactID: "quarkus-core", Version: "3.8.4"},
	} {
		for p, data := range pomAndJar(c, c.ArtifactID) {
			sha1hex, _ := maven.Sums(data)
			full := strings.TrimPrefix(dir, "/") + "/" + p
			out[full] = data
			out[full+".sha1"] = []byte(sha1hex)
		}
	}
	return out
}

// tarLayer is a gzipped tar layer of files, with fixed times and owners so
// the demo's digests are the same on every run.
func tarLayer(files map[string][]byte) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		for d := path.Dir(n); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var ds []string
	for d := range dirs {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	for _, d := range ds {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(files[n])), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, tarball.WithMediaType(types.OCILayer))
}

// pushImage pushes ref as an index of amd64 and arm64 images: the shared
// base layer, a layer of its own, and files when given.
func (d *Demo) pushImage(ctx context.Context, ref string, base map[string]v1.Layer, files map[string][]byte) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	dst, err := name.ParseReference(d.Upstream+"/"+r.Context().RepositoryStr()+":"+r.Identifier(), name.Insecure)
	if err != nil {
		return err
	}
	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64"} {
		own, err := tarLayer(map[string][]byte{"opt/" + path.Base(r.Context().RepositoryStr()): pseudo(ref+"@"+arch, 96<<10)})
		if err != nil {
			return err
		}
		layers := []v1.Layer{base[arch], own}
		if files != nil {
			l, err := tarLayer(files)
			if err != nil {
				return err
			}
			layers = append(layers, l)
		}
		img, err := mutate.AppendLayers(empty.Image, layers...)
		if err != nil {
			return err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return err
		}
		cf.OS, cf.Architecture = "linux", arch
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			return err
		}
		img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	return remote.WriteIndex(dst, idx, remote.WithContext(ctx))
}

// writeCatalog writes the demo catalog: sonataflow with a Maven module.
func (d *Demo) writeCatalog() error {
	raw, err := catalog.BuiltinFile("sonataflow.yaml")
	if err != nil {
		return err
	}
	extra := `      - name: workflow-libs
        title: Workflow libraries (Maven)
        description: The Quarkus extension workflow projects build against.
        default: true
        maven:
          - org.apache.kie.sonataflow:sonataflow-quarkus:${version}
`
	// Plain files come from the upstream file server too, so the demo
	// reaches nothing outside this machine.
	host := strings.TrimSuffix(strings.TrimPrefix(d.UpstreamMaven, "http://"), "/maven2")
	raw = bytes.ReplaceAll(raw, []byte("url: https://"), []byte("url: http://"+host+demoFiles))
	d.Catalog = filepath.Join(d.Dir, "demo-catalog.yaml")
	return os.WriteFile(d.Catalog, append(raw, []byte(extra)...), 0o644)
}

// demoFiles is where the upstream server keeps the plain files the
// catalog names, by their https URL's host and path.
const demoFiles = "/files/"

// demoFilePath is the upstream server's path for a file's https URL.
func demoFilePath(url string) string {
	return demoFiles + strings.TrimPrefix(url, "https://")
}

// pseudo is n deterministic bytes derived from seed (incompressible, so
// sizes mean something).
func pseudo(seed string, n int) []byte {
	out := make([]byte, 0, n)
	var ctr [8]byte
	for i := uint64(0); len(out) < n; i++ {
		binary.BigEndian.PutUint64(ctr[:], i)
		s := sha256.Sum256(append([]byte(seed), ctr[:]...))
		out = append(out, s[:min(len(s), n-len(out))]...)
	}
	return out
}

// memRepo is a Maven repository in memory: GET and HEAD, and PUT for the
// site side.
type memRepo struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (m *memRepo) put(p string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[p] = data
}

func (m *memRepo) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.files)
}

func (m *memRepo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		m.mu.Lock()
		data, ok := m.files[p]
		m.mu.Unlock()
		if !ok {
			if strings.HasSuffix(p, "/") {
				w.WriteHeader(http.StatusOK)
				return
			}
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(data)
		}
	case http.MethodPut:
		data, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		m.put(p, data)
		w.WriteHeader(http.StatusCreated)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}
