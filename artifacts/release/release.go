// Package release reads an OpenShift release payload: the component images
// a release image names in its release-manifests/image-references file (an
// image.openshift.io/v1 ImageStream), so a bundle carries every component
// by digest.
package release

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"ferry/artifacts/source"
)

// ReferencesPath is where a release image lists its components.
const ReferencesPath = "release-manifests/image-references"

// ErrNoReferences marks an image that is not a release payload.
var ErrNoReferences = errors.New("no image-references in the image")

// Reader reads release payloads through an access.
type Reader struct {
	Access *source.Access
}

type imageStream struct {
	Kind string `json:"kind"`
	Spec struct {
		Tags []struct {
			Name string `json:"name"`
			From struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"from"`
		} `json:"tags"`
	} `json:"spec"`
}

// Component is one image of a release payload: its name in the payload
// (rhel-coreos, machine-config-operator, …) and its pull spec by digest.
type Component struct {
	Name, Image string
}

// Components returns every component of the release image ref, in the
// order the release lists them. Errors are sentences.
func (r *Reader) Components(ctx context.Context, ref string) ([]Component, error) {
	fetch, err := r.Access.Reference(ref)
	if err != nil {
		return nil, err
	}
	host := fetch.Context().RegistryStr()
	img, err := remote.Image(fetch, r.Access.RemoteOptions(remote.WithContext(ctx))...)
	if err != nil {
		return nil, source.Explain(ref, host, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, source.Explain(ref, host, err)
	}
	// The newest layer that has the file wins, as in the image's file system.
	for i := len(layers) - 1; i >= 0; i-- {
		data, err := findFile(layers[i], ReferencesPath)
		if err != nil {
			return nil, fmt.Errorf("reading %s from %s: %w", ReferencesPath, ref, source.Explain(ref, host, err))
		}
		if data == nil {
			continue
		}
		var is imageStream
		if err := json.Unmarshal(data, &is); err != nil || is.Kind != "ImageStream" {
			return nil, fmt.Errorf("%s in %s is not an ImageStream: the image is not an OpenShift release payload", ReferencesPath, ref)
		}
		var out []Component
		for _, t := range is.Spec.Tags {
			if t.From.Kind == "DockerImage" && t.From.Name != "" {
				out = append(out, Component{Name: t.Name, Image: t.From.Name})
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s in %s names no images", ReferencesPath, ref)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s has no %s: it is not an OpenShift release payload", ErrNoReferences, ref, ReferencesPath)
}

// findFile returns the content of path in a layer, or nil.
func findFile(l v1.Layer, path string) ([]byte, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimPrefix(strings.TrimPrefix(hdr.Name, "./"), "/") == path && hdr.Typeflag == tar.TypeReg {
			return io.ReadAll(io.LimitReader(tr, 64<<20))
		}
	}
}
