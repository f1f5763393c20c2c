// Package olmtest pushes a small file-based operator catalog and the
// images it names to a test registry: several packages, channels that
// upgrade by replaces and skips, a package and an API that a bundle
// requires, related images, deprecation notices, and a package nobody
// asks for.
package olmtest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"ferry/artifacts/registrytest"
)

// Labels of a catalog image, as operator-registry writes them.
const (
	labelConfigs = "operators.operatorframework.io.index.configs.v1"
	labelCache   = "operators.operatorframework.io.index.cache.v1"
)

// Options shape the catalog pushed.
type Options struct {
	// Repo and Tag name the catalog image (default "ops/catalog", "v1").
	Repo, Tag string
	// Platforms of the catalog: one gives a plain image, more an index
	// (default linux/amd64).
	Platforms []string
	// NoLabel leaves out the configs label.
	NoLabel bool
	// RelatedPlatforms are the platforms of the related images (default
	// linux/amd64); bundle images are always linux/amd64 alone, as they
	// usually are.
	RelatedPlatforms []string
}

// Catalog is what was pushed.
type Catalog struct {
	// Ref is host/repo:tag of the catalog image, Digest its manifest's or
	// index's.
	Ref, Digest string
	// Images are the bundle and related images by short name ("logic
	// bundle 1.2.0", "logic operator"), as repo@digest references.
	Images map[string]string
	// Pushed records every image other than the catalog.
	Pushed map[string]registrytest.Pushed
}

// Wanted are the short names of the images a plan of
// "logic-operator" (default channel) carries: its head bundle's image and
// related images, and those of the package and API it requires.
var Wanted = []string{"logic bundle 1.2.0", "logic operator", "logic runtime", "data-index bundle 2.1.0", "data-index service", "prom bundle 0.9.0", "prom operator"}

// Push pushes the images the catalog names, then the catalog.
func Push(t testing.TB, r *registrytest.Registry, o Options) Catalog {
	t.Helper()
	if o.Repo == "" {
		o.Repo = "ops/catalog"
	}
	if o.Tag == "" {
		o.Tag = "v1"
	}
	if len(o.Platforms) == 0 {
		o.Platforms = []string{"linux/amd64"}
	}
	c := Catalog{Images: map[string]string{}, Pushed: map[string]registrytest.Pushed{}}
	if len(o.RelatedPlatforms) == 0 {
		o.RelatedPlatforms = []string{"linux/amd64"}
	}
	push := func(short, repo string) string {
		tag := strings.NewReplacer(" ", "-", ".", "-").Replace(short)
		plats := o.RelatedPlatforms
		if strings.Contains(short, " bundle ") {
			plats = []string{"linux/amd64"}
		}
		p := r.Push(t, registrytest.ImageSpec{Repo: repo, Tag: tag, Platforms: plats,
			Layers: []registrytest.LayerSpec{{Name: short, Size: 2048}}})[0]
		ref := r.Host + "/" + repo + "@" + p.Digest
		c.Images[short] = ref
		c.Pushed[short] = p
		return ref
	}
	for _, s := range []struct{ short, repo string }{
		{"logic bundle 1.0.0", "ops/logic-bundle"}, {"logic bundle 1.1.0", "ops/logic-bundle"},
		{"logic bundle 1.1.1", "ops/logic-bundle"}, {"logic bundle 1.2.0", "ops/logic-bundle"},
		{"logic operator", "ops/logic-operator"}, {"logic runtime", "ops/logic-runtime"}, {"logic operator old", "ops/logic-operator"},
		{"data-index bundle 2.0.0", "ops/data-index-bundle"}, {"data-index bundle 2.1.0", "ops/data-index-bundle"},
		{"data-index service", "ops/data-index"},
		{"prom bundle 0.9.0", "ops/prom-bundle"}, {"prom operator", "ops/prom-operator"},
		{"other bundle 3.0.0", "ops/other-bundle"}, {"other operator", "ops/other-operator"},
	} {
		push(s.short, s.repo)
	}
	files := Files(c.Images)
	ref, err := name.ParseReference(r.Host+"/"+o.Repo+":"+o.Tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	opts := []remote.Option{remote.WithTransport(r.Transport()), remote.WithAuth(r.Auth())}
	var adds []mutate.IndexAddendum
	var img v1.Image
	for _, plat := range o.Platforms {
		img = catalogImage(t, plat, files, o.NoLabel)
		os, arch, _ := strings.Cut(plat, "/")
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: os, Architecture: arch}}})
	}
	c.Ref = ref.Name()
	if len(o.Platforms) == 1 {
		if err := remote.Write(ref, img, opts...); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		c.Digest = d.String()
		return c
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	if err := remote.WriteIndex(ref, idx, opts...); err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	c.Digest = d.String()
	return c
}

// catalogImage is a catalog for one platform: a base layer with a
// stand-in opm, the configs layer and a cache layer.
func catalogImage(t testing.TB, plat string, files map[string]string, noLabel bool) v1.Image {
	t.Helper()
	base := layer(t, map[string]string{"bin/opm": "opm for " + plat})
	cfgs := map[string]string{}
	for p, body := range files {
		cfgs["configs/"+p] = body
	}
	configs := layer(t, cfgs)
	cache := layer(t, map[string]string{"tmp/cache/digest": "whole-catalog cache", "tmp/cache/pogreb.v1/db": "cache"})
	img, err := mutate.AppendLayers(empty.Image, base, configs, cache)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	os, arch, _ := strings.Cut(plat, "/")
	cf.OS, cf.Architecture = os, arch
	cf.Config.Entrypoint = []string{"/bin/opm"}
	cf.Config.Cmd = []string{"serve", "/configs", "--cache-dir=/tmp/cache"}
	cf.Config.Labels = map[string]string{labelCache: "/tmp/cache", "org.example.vendor": "ferry tests"}
	if !noLabel {
		cf.Config.Labels[labelConfigs] = "/configs"
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
}

func layer(t testing.TB, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, p := range sortedKeys(files) {
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/") + "/"
			if !dirs[d] {
				dirs[d] = true
				_ = tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755})
			}
		}
		_ = tw.WriteHeader(&tar.Header{Name: p, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[p]))})
		_, _ = tw.Write([]byte(files[p]))
	}
	_ = tw.Close()
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// Files is the catalog's configs folder, laid out as catalogs do it in
// practice: a YAML file in a package folder, JSON streams, and a file a
// few folders down. images maps the short names to references.
func Files(images map[string]string) map[string]string {
	im := func(short string) string { return images[short] }
	logic := fmt.Sprintf(`---
schema: olm.package
name: logic-operator
defaultChannel: alpha
description: workflows
---
schema: olm.channel
package: logic-operator
name: alpha
entries:
  - name: logic-operator.v1.0.0
  - name: logic-operator.v1.1.0
    replaces: logic-operator.v1.0.0
  - name: logic-operator.v1.1.1
    replaces: logic-operator.v1.1.0
  - name: logic-operator.v1.2.0
    replaces: logic-operator.v1.1.0
    skips: [logic-operator.v1.1.1]
    skipRange: ">=1.0.0 <1.2.0"
---
schema: olm.channel
package: logic-operator
name: stable
entries:
  - name: logic-operator.v1.0.0
---
schema: olm.bundle
package: logic-operator
name: logic-operator.v1.0.0
image: %s
properties:
  - {type: olm.package, value: {packageName: logic-operator, version: 1.0.0}}
relatedImages:
  - {name: operator, image: %s}
---
schema: olm.bundle
package: logic-operator
name: logic-operator.v1.1.0
image: %s
properties:
  - {type: olm.package, value: {packageName: logic-operator, version: 1.1.0}}
relatedImages:
  - {name: operator, image: %s}
---
schema: olm.bundle
package: logic-operator
name: logic-operator.v1.1.1
image: %s
properties:
  - {type: olm.package, value: {packageName: logic-operator, version: 1.1.1}}
relatedImages:
  - {name: operator, image: %s}
---
schema: olm.bundle
package: logic-operator
name: logic-operator.v1.2.0
image: %s
properties:
  - {type: olm.package, value: {packageName: logic-operator, version: 1.2.0}}
  - {type: olm.gvk, value: {group: logic.example.test, version: v1, kind: Workflow}}
  - {type: olm.package.required, value: {packageName: data-index, versionRange: ">=2.0.0 <3.0.0"}}
  - {type: olm.gvk.required, value: {group: monitoring.example.test, version: v1, kind: Prometheus}}
  - {type: olm.csv.metadata, value: {displayName: Logic, annotations: {example: kept}}}
relatedImages:
  - {name: operator, image: %s}
  - {name: runtime, image: %s}
  - {name: bundle, image: %s}
---
schema: olm.deprecations
package: logic-operator
entries:
  - reference: {schema: olm.channel, name: stable}
    message: stable ends with 1.0.0; use alpha
  - reference: {schema: olm.bundle, name: logic-operator.v1.0.0}
    message: 1.0.0 is no longer supported
  - reference: {schema: olm.bundle, name: logic-operator.v1.1.1}
    message: 1.1.1 loses workflows on restart; upgrade to 1.2.0
`, im("logic bundle 1.0.0"), im("logic operator old"), im("logic bundle 1.1.0"), im("logic operator old"),
		im("logic bundle 1.1.1"), im("logic operator old"), im("logic bundle 1.2.0"), im("logic operator"), im("logic runtime"), im("logic bundle 1.2.0"))
	dataIndex := fmt.Sprintf(`{"schema":"olm.package","name":"data-index","defaultChannel":"stable"}
{"schema":"olm.channel","package":"data-index","name":"stable","entries":[{"name":"data-index.v2.0.0"},{"name":"data-index.v2.1.0","replaces":"data-index.v2.0.0"}]}
{"schema":"olm.bundle","package":"data-index","name":"data-index.v2.0.0","image":%q,"properties":[{"type":"olm.package","value":{"packageName":"data-index","version":"2.0.0"}}],"relatedImages":[{"name":"service","image":%q}]}
{"schema":"olm.bundle","package":"data-index","name":"data-index.v2.1.0","image":%q,"properties":[{"type":"olm.package","value":{"packageName":"data-index","version":"2.1.0"}}],"relatedImages":[{"name":"service","image":%q},{"name":"","image":%q}]}
`, im("data-index bundle 2.0.0"), im("data-index service"), im("data-index bundle 2.1.0"), im("data-index service"), im("data-index bundle 2.1.0"))
	prom := fmt.Sprintf(`{
  "schema": "olm.package",
  "name": "prom",
  "defaultChannel": "beta"
}
{
  "schema": "olm.channel", "package": "prom", "name": "beta",
  "entries": [{"name": "prom.v0.9.0"}]
}
{
  "schema": "olm.bundle", "package": "prom", "name": "prom.v0.9.0", "image": %q,
  "properties": [
    {"type": "olm.package", "value": {"packageName": "prom", "version": "0.9.0"}},
    {"type": "olm.gvk", "value": {"group": "monitoring.example.test", "version": "v1", "kind": "Prometheus"}}
  ],
  "relatedImages": [{"name": "operator", "image": %q}]
}
`, im("prom bundle 0.9.0"), im("prom operator"))
	other := fmt.Sprintf(`schema: olm.package
name: other
defaultChannel: stable
---
schema: olm.channel
package: other
name: stable
entries: [{name: other.v3.0.0}]
---
schema: olm.bundle
package: other
name: other.v3.0.0
image: %s
properties: [{type: olm.package, value: {packageName: other, version: 3.0.0}}]
relatedImages: [{name: op, image: %s}]
---
schema: olm.deprecations
package: other
entries: [{reference: {schema: olm.package}, message: other is deprecated}]
`, im("other bundle 3.0.0"), im("other operator"))
	return map[string]string{
		"logic-operator/index.yaml":   logic,
		"data-index/catalog.json":     dataIndex,
		"vendor/monitoring/prom.json": prom,
		"other.yml":                   other,
		"README.md":                   "not a catalog file",
	}
}
