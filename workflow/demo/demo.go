// Package demo stands up, on loopback with free ports, everything the
// training walkthrough needs and nothing outside this machine: an
// "upstream" registry and Maven repository seeded with small deterministic
// content whose references mirror the built-in sonataflow target, and a
// "site" registry and Maven repository for the far side.
package demo

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
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
}

// Hosts the demo's references name, served by the upstream registry.
var Hosts = []string{"docker.io", "gcr.io", "registry.access.redhat.com"}

// Start starts the servers and seeds the upstream side. dir holds the
// catalog, the bundle and the configuration the demo writes.
func Start(ctx context.Context, dir string) (*Demo, error) {
	d := &Demo{Dir: dir, site: &memRepo{files: map[string][]byte{}}}
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

// Close stops every server.
func (d *Demo) Close() {
	for _, s := range d.servers {
		_ = s.Close()
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

// seed writes the demo catalog and pushes every image of the latest
// version, for amd64 and arm64, sharing a base layer.
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
	sel, err := t.Select(catalog.Choice{Archs: []string{"amd64"}, Modules: t.ModuleNames()})
	if err != nil {
		return err
	}
	base := map[string]v1.Layer{}
	for _, arch := range []string{"amd64", "arm64"} {
		base[arch] = static.NewLayer(pseudo("base-"+arch, 256<<10), types.OCILayer)
	}
	for _, n := range sel.Needs {
		for _, ref := range n.Images {
			if err := d.pushImage(ctx, ref, base); err != nil {
				return err
			}
		}
	}
	c := maven.Coordinate{GroupID: "org.apache.kie.sonataflow", ArtifactID: "sonataflow-quarkus", Version: t.Latest()}
	pom := []byte(fmt.Sprintf("<project><modelVersion>4.0.0</modelVersion><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version><packaging>jar</packaging></project>\n", c.GroupID, c.ArtifactID, c.Version))
	jar := pseudo("sonataflow-quarkus", 64<<10)
	for p, data := range map[string][]byte{c.Dir() + "/" + c.ArtifactID + "-" + c.Version + ".pom": pom, c.Dir() + "/" + c.ArtifactID + "-" + c.Version + ".jar": jar} {
		sha1hex, md5hex := maven.Sums(data)
		up.put("/maven2/"+p, data)
		up.put("/maven2/"+p+".sha1", []byte(sha1hex))
		up.put("/maven2/"+p+".md5", []byte(md5hex))
	}
	return nil
}

func (d *Demo) pushImage(ctx context.Context, ref string, base map[string]v1.Layer) error {
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
		own := static.NewLayer(pseudo(ref+"@"+arch, 96<<10), types.OCILayer)
		img, err := mutate.AppendLayers(empty.Image, base[arch], own)
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
	d.Catalog = filepath.Join(d.Dir, "demo-catalog.yaml")
	return os.WriteFile(d.Catalog, append(raw, []byte(extra)...), 0o644)
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
