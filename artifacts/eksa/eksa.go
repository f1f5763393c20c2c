// Package eksa reads EKS Anywhere Bundles manifests
// (anywhere.eks.amazonaws.com/v1alpha1 Bundles): for one Kubernetes
// version, every image (uri with imageDigest), every manifest a disconnected
// `eksctl anywhere create cluster` reads (the Bundles manifest itself, the
// component manifests its sections point to, the EKS-D release manifest),
// the images of that EKS-D release and, when asked, every archive (uri with
// sha256) its components list.
package eksa

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	"gopkg.in/yaml.v3"

	"ferry/artifacts/maven"
	"ferry/targets/catalog"
)

// Placeholder is the URI a Bundles manifest gives the parts of a section
// the release does not ship (as main's cloudStack).
const Placeholder = "<placeholder>"

// FilesDir is the folder, inside the bundle's files, under which manifests
// are laid out by URL: https://HOST/PATH is carried as
// FilesDir/HOST/PATH, so replacing "https://" with that folder's absolute
// path in the Bundles manifest makes every manifest it names local.
const FilesDir = "eks-anywhere"

// fetchLimit bounds how many manifests one Read fetches at once.
const fetchLimit = 4

// Reader fetches and reads Bundles manifests and what they point to. It
// fetches each URL once, however many Reads ask for it, so one Reader
// serves one plan (a later plan makes a new one and sees fresh manifests).
// It is safe for concurrent use; it must not be copied after first use.
type Reader struct {
	// Client fetches the manifests; nil means http.DefaultClient.
	Client *http.Client

	mu      sync.Mutex
	fetched map[string]*fetch
}

// fetch is one URL's download, shared by every Read that asks for it.
type fetch struct {
	done chan struct{}
	data []byte
	err  error
}

// Contents is what a Bundles manifest lists for one Kubernetes version.
type Contents struct {
	// Images are the sections' images, then the EKS-D release's.
	Images []Image
	// Manifests are carried as plain files with the sha256 and size of
	// what was read: the Bundles manifest first, then, in file order, the
	// manifests its chosen sections name.
	Manifests []File
	// Archives are the archives listed with a sha256, when asked.
	Archives []File
	// EKSD is the EKS-D release manifest read, "" when none was chosen;
	// EKSDImages counts the images it added.
	EKSD       string
	EKSDImages int
	// Placeholders are the chosen sections that list only placeholder
	// URIs: the release ships nothing for them.
	Placeholders []string

	// eksdURL is the manifestUrl Parse found; Read reads it.
	eksdURL string
}

// Image is an image a manifest lists: the reference clusters pull (a tag)
// and the digest the manifest pins it to ("" when it pins none, as EKS-D
// releases).
type Image struct {
	URI    string
	Digest string
}

// File is a plain file to carry: where it comes from, its sha256, its name
// in the bundle's files and, when already read, its size.
type File struct {
	URL    string
	SHA256 string
	Name   string
	Size   int64
}

// Read fetches the manifest and what ref selects from it: images,
// manifests, the EKS-D release's images and archives. Errors are
// sentences.
func (r *Reader) Read(ctx context.Context, ref catalog.BundlesRef) (*Contents, error) {
	shown := maven.RedactURL(ref.URL)
	data, err := r.get(ctx, ref.URL, "the Bundles manifest "+shown)
	if err != nil {
		return nil, err
	}
	c, err := Parse(shown, data, ref)
	if err != nil {
		return nil, err
	}
	self, err := manifestFile(ref.URL, data)
	if err != nil {
		return nil, err
	}
	// What Parse listed has no sum yet: read each manifest, in parallel,
	// then keep file order.
	todo := c.Manifests
	c.Manifests = make([]File, len(todo))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchLimit)
	var eksd []byte
	for i, m := range todo {
		g.Go(func() error {
			what := fmt.Sprintf("the manifest %s (named for Kubernetes %s by %s)", maven.RedactURL(m.URL), ref.KubeVersion, shown)
			b, err := r.get(gctx, m.URL, what)
			if err != nil {
				return err
			}
			if c.Manifests[i], err = manifestFile(m.URL, b); err != nil {
				return err
			}
			if m.URL == c.eksdURL {
				eksd = b
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	c.Manifests = append([]File{self}, c.Manifests...)
	if c.eksdURL != "" {
		imgs, err := ParseEKSD(maven.RedactURL(c.eksdURL), eksd)
		if err != nil {
			return nil, err
		}
		c.EKSD = c.eksdURL
		seen := map[string]bool{}
		for _, im := range c.Images {
			seen[im.URI] = true
		}
		for _, im := range imgs {
			if !seen[im.URI] {
				seen[im.URI] = true
				c.Images = append(c.Images, im)
				c.EKSDImages++
			}
		}
	}
	return c, nil
}

// get fetches url once per Reader: a second caller waits for the first
// one's answer instead of asking the server again.
func (r *Reader) get(ctx context.Context, rawURL, what string) ([]byte, error) {
	r.mu.Lock()
	if r.fetched == nil {
		r.fetched = map[string]*fetch{}
	}
	f, started := r.fetched[rawURL]
	if !started {
		f = &fetch{done: make(chan struct{})}
		r.fetched[rawURL] = f
	}
	r.mu.Unlock()
	if !started {
		f.data, f.err = r.download(ctx, rawURL, what)
		close(f.done)
	}
	select {
	case <-f.done:
		return f.data, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *Reader) download(ctx context.Context, rawURL, what string) ([]byte, error) {
	c := r.Client
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid URL", what)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch %s: %v: check the network or the URL", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered HTTP %d: check the URL", what, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", what, err)
	}
	return data, nil
}

// manifestFile describes a manifest read at plan time as a plain file,
// named after its URL under FilesDir.
func manifestFile(rawURL string, data []byte) (File, error) {
	name, err := ManifestName(rawURL)
	if err != nil {
		return File{}, err
	}
	sum := sha256.Sum256(data)
	return File{URL: rawURL, SHA256: hex.EncodeToString(sum[:]), Name: name, Size: int64(len(data))}, nil
}

// ManifestName is where a manifest is carried in the bundle's files:
// FilesDir/HOST/PATH for https://HOST/PATH.
func ManifestName(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%s is not an http(s) URL", maven.RedactURL(rawURL))
	}
	// Cleaned as an absolute path, so no ".." climbs out of the host.
	p := strings.TrimPrefix(path.Clean("/"+u.Path), "/")
	if p == "" {
		return "", fmt.Errorf("%s names no file", maven.RedactURL(rawURL))
	}
	segs := strings.Split(p, "/")
	return path.Join(append([]string{FilesDir, u.Host}, segs...)...), nil
}

// Parse reads a Bundles manifest already fetched; name is used in messages.
// It lists the images and archives of the chosen sections, and the
// manifests they name without their sums (Read fetches those). It reads
// the YAML as nodes, so digests and checksums keep their exact text
// whatever they look like.
//
// ref.Include and ref.Exclude name sections ("vSphere") or one key of a
// section ("eksD.kindNode").
func Parse(name string, data []byte, ref catalog.BundlesRef) (*Contents, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 || scalar(root.Content[0], "kind") != "Bundles" {
		return nil, fmt.Errorf("%s is not an EKS Anywhere Bundles manifest", name)
	}
	vbs := child(child(root.Content[0], "spec"), "versionsBundles")
	var have []string
	if vbs != nil {
		for _, vb := range vbs.Content {
			kv := scalar(vb, "kubeVersion")
			have = append(have, kv)
			if kv == ref.KubeVersion {
				return parseVersion(vb, ref), nil
			}
		}
	}
	return nil, fmt.Errorf("%s has no versionsBundle for Kubernetes %s (it has %s): choose one of those", name, ref.KubeVersion, strings.Join(have, ", "))
}

// chosen says whether ref carries key of section.
func chosen(ref catalog.BundlesRef, section, key string) bool {
	sub := section + "." + key
	if len(ref.Include) > 0 && !slices.Contains(ref.Include, section) && !slices.Contains(ref.Include, sub) {
		return false
	}
	return !slices.Contains(ref.Exclude, section) && !slices.Contains(ref.Exclude, sub)
}

// parseVersion lists what ref chooses from one versionsBundle.
func parseVersion(vb *yaml.Node, ref catalog.BundlesRef) *Contents {
	out := &Contents{}
	seenImg, seenFile := map[string]bool{}, map[string]bool{}
	manifest := func(uri string) {
		if !seenFile[uri] {
			seenFile[uri] = true
			out.Manifests = append(out.Manifests, File{URL: uri})
		}
	}
	for i := 0; i+1 < len(vb.Content); i += 2 {
		section, sv := vb.Content[i].Value, vb.Content[i+1]
		if sv.Kind != yaml.MappingNode {
			continue
		}
		placeholders, real := 0, 0
		for j := 0; j+1 < len(sv.Content); j += 2 {
			key, v := sv.Content[j].Value, sv.Content[j+1]
			if !chosen(ref, section, key) {
				continue
			}
			// EKS-D names its release and CRD manifests as plain strings.
			if v.Kind == yaml.ScalarNode && (key == "manifestUrl" || key == "components") && isURL(v.Value) {
				manifest(v.Value)
				real++
				if key == "manifestUrl" {
					out.eksdURL = v.Value
				}
				continue
			}
			walk(v, func(m *yaml.Node) {
				uri := scalar(m, "uri")
				switch {
				case uri == "":
				case uri == Placeholder:
					placeholders++
				case scalar(m, "imageDigest") != "":
					real++
					if !seenImg[uri] {
						seenImg[uri] = true
						out.Images = append(out.Images, Image{URI: uri, Digest: scalar(m, "imageDigest")})
					}
				case scalar(m, "sha256") != "":
					real++
					if ref.Archives && !seenFile[uri] {
						seenFile[uri] = true
						// Named by URL, as the manifests are: archives of two
						// Kubernetes versions often share a file name.
						name, err := ManifestName(uri)
						if err != nil {
							name = path.Base(uri)
						}
						out.Archives = append(out.Archives, File{URL: uri, SHA256: strings.ToLower(scalar(m, "sha256")), Name: name})
					}
				case isURL(uri):
					real++
					manifest(uri)
				}
			})
		}
		if placeholders > 0 && real == 0 {
			out.Placeholders = append(out.Placeholders, section)
		}
	}
	return out
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// ParseEKSD reads an EKS-D release manifest (distro.eks.amazonaws.com
// Release) and lists the images its components' assets name; name is used
// in messages.
func ParseEKSD(name string, data []byte) ([]Image, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 || scalar(root.Content[0], "kind") != "Release" ||
		!strings.HasPrefix(scalar(root.Content[0], "apiVersion"), "distro.eks.amazonaws.com/") {
		return nil, fmt.Errorf("%s is not an EKS-D release manifest", name)
	}
	var out []Image
	seen := map[string]bool{}
	comps := child(child(root.Content[0], "status"), "components")
	if comps == nil || comps.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s lists no components", name)
	}
	for _, c := range comps.Content {
		assets := child(c, "assets")
		if assets == nil || assets.Kind != yaml.SequenceNode {
			continue
		}
		for _, a := range assets.Content {
			im := child(a, "image")
			uri := scalar(im, "uri")
			if uri != "" && !seen[uri] {
				seen[uri] = true
				out = append(out, Image{URI: uri, Digest: scalar(im, "imageDigest")})
			}
		}
	}
	return out, nil
}

// child returns the value node of key in a mapping node, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// scalar returns the text of key's value in a mapping node, or "".
func scalar(n *yaml.Node, key string) string {
	c := child(n, key)
	if c == nil || c.Kind != yaml.ScalarNode {
		return ""
	}
	return c.Value
}

// walk calls fn on every mapping node under n, depth first, in file order.
func walk(n *yaml.Node, fn func(*yaml.Node)) {
	switch n.Kind {
	case yaml.MappingNode:
		fn(n)
		for i := 1; i < len(n.Content); i += 2 {
			walk(n.Content[i], fn)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walk(c, fn)
		}
	}
}
