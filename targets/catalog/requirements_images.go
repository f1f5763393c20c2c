package catalog

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// isImageGroup says whether an entry of images: is a component's group of
// images (Epiphany 2.0.1 on) rather than one image (2.0.0).
func isImageGroup(v *yaml.Node) bool {
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		return false
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		switch k, val := v.Content[i].Value, deref(v.Content[i+1]); {
		case k == "sha1" || k == "allow_mismatch":
			return false
		case val.Kind != yaml.MappingNode && !isNull(val):
			return false
		}
	}
	return true
}

func (r *reqReader) readImages(dir, arch string) (bool, error) {
	file := dir + "/images.yml"
	n, found, err := r.doc(file, "images")
	if err != nil || n == nil {
		return found, err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if !isImageGroup(v) {
			m := r.module(reqImagesModule, "Images with no component")
			m.required = true
			if err := r.addImage(file, m, k, v, arch); err != nil {
				return found, err
			}
			continue
		}
		m, err := r.component(file, k)
		if err != nil {
			return found, err
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			if err := r.addImage(file, m, v.Content[j], deref(v.Content[j+1]), arch); err != nil {
				return found, err
			}
		}
	}
	return found, nil
}

func (r *reqReader) addImage(file string, m *reqModule, k, v *yaml.Node, arch string) error {
	if _, err := r.fields(file, k, v, "image", "sha1", "allow_mismatch"); err != nil {
		return err
	}
	written := strings.TrimSpace(k.Value)
	ref := dockerHubRef(written)
	if err := checkImageRef(ref); err != nil {
		return r.errorf(file, k, "%v", err)
	}
	if ref != written && !slices.Contains(m.dockerHub, written) {
		m.dockerHub = append(m.dockerHub, written)
	}
	it, ok := m.images[ref]
	if !ok {
		it = &Item{Value: ref, Line: k.Line}
		m.images[ref] = it
	}
	if !slices.Contains(it.Archs, arch) {
		it.Archs = append(it.Archs, arch)
		slices.Sort(it.Archs)
	}
	return nil
}

// dockerHubRef writes out the registry Docker assumes: a reference whose
// first part is no host (no dot, no port, not localhost) is on Docker Hub,
// and a one-part Docker Hub name is in its library/ namespace.
func dockerHubRef(s string) string {
	first, rest, ok := strings.Cut(s, "/")
	switch {
	case !ok:
		return "docker.io/library/" + s
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		return "docker.io/" + s
	case (first == "docker.io" || first == "index.docker.io") && !strings.Contains(rest, "/"):
		return "docker.io/library/" + rest
	case first == "index.docker.io":
		return "docker.io/" + rest
	}
	return s
}
