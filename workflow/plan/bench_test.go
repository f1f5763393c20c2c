package plan

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"ferry/artifacts/image"
	"ferry/artifacts/source"
	"ferry/targets/catalog"
	"ferry/workflow/selection"
)

// BenchmarkPlan200Images plans 200 two-architecture images (sharing a base
// layer) held by an in-process registry on loopback, through the real image
// resolver: one index, two manifests per image.
func BenchmarkPlan200Images(b *testing.B) {
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	refs, acc, cat := benchImages(b, srv)
	b.ResetTimer()
	for range b.N {
		res, err := image.NewResolver(acc)
		if err != nil {
			b.Fatal(err)
		}
		p := &Planner{Catalog: cat, Images: res, Concurrency: 8}
		pl, err := p.Plan(context.Background(), selection.Selection{Archs: []string{"amd64", "arm64"}, Images: refs})
		if err != nil {
			b.Fatal(err)
		}
		if len(pl.Images) != 200 {
			b.Fatalf("planned %d images", len(pl.Images))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/plan")
}

// BenchmarkPlanSignatureLookups plans the same 200 images with and without
// looking for what is attached to them (none is: three cosign tags and the
// referrers, by the API then its fallback tag, on each of the index and its
// two manifests). Each request waits 10 ms first, as a registry across a
// network would, so the time shows how well the lookups overlap the rest
// of resolution, and the requests what they cost the registry.
func BenchmarkPlanSignatureLookups(b *testing.B) {
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		time.Sleep(10 * time.Millisecond)
		reg.ServeHTTP(w, r)
	}))
	defer srv.Close()
	refs, acc, cat := benchImages(b, srv)
	for _, signatures := range []bool{false, true} {
		b.Run(fmt.Sprintf("signatures=%v", signatures), func(b *testing.B) {
			requests.Store(0)
			for range b.N {
				res, err := image.NewResolver(acc)
				if err != nil {
					b.Fatal(err)
				}
				p := &Planner{Catalog: cat, Images: res, Attachments: res, Concurrency: 8}
				sel := selection.Selection{Archs: []string{"amd64", "arm64"}, Images: refs, NoSignatures: !signatures}
				pl, err := p.Plan(context.Background(), sel)
				if err != nil {
					b.Fatal(err)
				}
				if len(pl.Images) != 200 {
					b.Fatalf("planned %d images", len(pl.Images))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/plan")
			b.ReportMetric(float64(requests.Load())/float64(b.N), "requests/plan")
		})
	}
}

// benchImages pushes the 200 images to the registry srv serves.
func benchImages(b *testing.B, srv *httptest.Server) ([]string, *source.Access, *catalog.Catalog) {
	b.Helper()
	host := strings.TrimPrefix(srv.URL, "http://")
	base, err := random.Layer(1024, types.OCILayer)
	if err != nil {
		b.Fatal(err)
	}
	var refs []string
	for i := range 200 {
		var adds []mutate.IndexAddendum
		for _, arch := range []string{"amd64", "arm64"} {
			own, _ := random.Layer(512, types.OCILayer)
			img, _ := mutate.AppendLayers(empty.Image, base, own)
			img = mutate.MediaType(img, types.OCIManifestSchema1)
			adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
		}
		idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
		ref := fmt.Sprintf("%s/bench/app-%03d:1.0", host, i)
		r, _ := name.ParseReference(ref)
		if err := remote.WriteIndex(r, idx); err != nil {
			b.Fatal(err)
		}
		refs = append(refs, ref)
	}
	cat, err := catalog.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	acc, err := source.New(source.Options{InsecureHosts: []string{host}})
	if err != nil {
		b.Fatal(err)
	}
	return refs, acc, cat
}
