package imagefs

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"ferry/artifacts/source"
)

// Remote opens images in registries, through the source's mirrors,
// credentials and trust, for List and Extract.
type Remote struct {
	Access *source.Access
}

// Open fetches ref's manifest, an index resolved to linux/arch, and
// returns the image with the digest of its manifest. Errors are sentences.
func (r *Remote) Open(ctx context.Context, ref, arch string) (v1.Image, string, error) {
	fetch, err := r.Access.Reference(ref)
	if err != nil {
		return nil, "", err
	}
	host := fetch.Context().RegistryStr()
	img, err := remote.Image(fetch, r.Access.RemoteOptions(remote.WithContext(ctx), remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))...)
	if err != nil {
		return nil, "", source.Explain(ref, host, err)
	}
	d, err := img.Digest()
	if err != nil {
		return nil, "", source.Explain(ref, host, err)
	}
	return img, d.String(), nil
}

// List opens ref for arch and lists the folder dir in it; the digest is
// that of the image manifest read, to open the same image again by.
func (r *Remote) List(ctx context.Context, ref, arch, dir string) (*Result, string, error) {
	img, digest, err := r.Open(ctx, ref, arch)
	if err != nil {
		return nil, "", err
	}
	res, err := List(ctx, img, dir, Options{})
	if err != nil {
		return nil, "", fmt.Errorf("reading %s from %s: %w", dir, ref, err)
	}
	return res, digest, nil
}
