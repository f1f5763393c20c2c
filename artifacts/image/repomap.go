package image

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Origin splits an original image reference into its registry host as
// written ("docker.io", never "index.docker.io"), its repository path and
// its tag ("" for a digest reference).
func Origin(original string) (host, repo, tag string, err error) {
	ref, err := name.ParseReference(original)
	if err != nil {
		return "", "", "", fmt.Errorf("%q is not an image reference: %w", original, err)
	}
	host = ref.Context().RegistryStr()
	if host == name.DefaultRegistry {
		host = "docker.io"
	}
	repo = ref.Context().RepositoryStr()
	if t, ok := ref.(name.Tag); ok {
		tag = t.TagStr()
	}
	return host, repo, tag, nil
}

// MappedRepo is where an original image lives at a mirror: its repository
// path under the mirror's prefix, the source host left out
// (docker.io/apache/x → PREFIX/apache/x).
func MappedRepo(original, prefix string) (string, error) {
	return MapRepo(original, prefix, false)
}

// MapRepo is MappedRepo; flat joins the path with dashes
// (PREFIX/apache-x) for registries that limit nested paths.
func MapRepo(original, prefix string, flat bool) (string, error) {
	_, repo, _, err := Origin(original)
	if err != nil {
		return "", err
	}
	if flat {
		repo = strings.ReplaceAll(repo, "/", "-")
	}
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return repo, nil
	}
	return prefix + "/" + repo, nil
}
