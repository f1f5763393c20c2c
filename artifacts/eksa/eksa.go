// Package eksa reads EKS Anywhere Bundles manifests
// (anywhere.eks.amazonaws.com/v1alpha1 Bundles): for one Kubernetes
// version, every image (uri with imageDigest) and, when asked, every archive
// (uri with sha256) its components list.
package eksa

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"ferry/artifacts/maven"
	"ferry/artifacts/plainfile"
	"ferry/targets/catalog"
)

// Reader fetches and reads Bundles manifests.
type Reader struct {
	// Client fetches the manifest; nil means http.DefaultClient.
	Client *http.Client
}

// Contents is what a Bundles manifest lists for one Kubernetes version.
type Contents struct {
	Images []Image
	Files  []plainfile.Entry
}

// Image is an image the manifest lists: the reference clusters pull (a
// tag) and the digest the manifest pins it to.
type Image struct {
	URI    string
	Digest string
}

// Read fetches the manifest and lists what ref selects. Errors are
// sentences.
func (r *Reader) Read(ctx context.Context, ref catalog.BundlesRef) (*Contents, error) {
	c := r.Client
	if c == nil {
		c = http.DefaultClient
	}
	shown := maven.RedactURL(ref.URL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid URL", shown)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch the Bundles manifest %s: %v: check the network or the URL", shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the Bundles manifest %s answered HTTP %d: check the URL", shown, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	return Parse(shown, data, ref)
}

// Parse reads a Bundles manifest already fetched; name is used in messages.
// It reads the YAML as nodes, so digests and checksums keep their exact
// text whatever they look like.
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
			if kv != ref.KubeVersion {
				continue
			}
			out := &Contents{}
			seenImg, seenFile := map[string]bool{}, map[string]bool{}
			for i := 0; i+1 < len(vb.Content); i += 2 {
				k := vb.Content[i].Value
				if (len(ref.Include) > 0 && !slices.Contains(ref.Include, k)) || slices.Contains(ref.Exclude, k) {
					continue
				}
				walk(vb.Content[i+1], func(m *yaml.Node) {
					uri := scalar(m, "uri")
					if uri == "" {
						return
					}
					if d := scalar(m, "imageDigest"); d != "" {
						if !seenImg[uri] {
							seenImg[uri] = true
							out.Images = append(out.Images, Image{URI: uri, Digest: d})
						}
						return
					}
					if sum := scalar(m, "sha256"); sum != "" && ref.Archives && !seenFile[uri] {
						seenFile[uri] = true
						out.Files = append(out.Files, plainfile.Entry{URL: uri, SHA256: strings.ToLower(sum), Name: path.Base(uri)})
					}
				})
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("%s has no versionsBundle for Kubernetes %s (it has %s): choose one of those", name, ref.KubeVersion, strings.Join(have, ", "))
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

// List is Read in the shape the planner asks for.
func (r *Reader) List(ctx context.Context, ref catalog.BundlesRef) ([]Image, []plainfile.Entry, error) {
	c, err := r.Read(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	return c.Images, c.Files, nil
}
