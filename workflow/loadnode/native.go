package loadnode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"ferry/artifacts/bundle"
	"ferry/artifacts/containerstore"
	"ferry/artifacts/image"
	"ferry/artifacts/progress"
)

// native writes every image into a vfs store itself, pulling manifests
// and blobs from the bundle served on loopback (which checks every blob
// against its digest as it serves it). A layer the store holds already —
// by the ID the containers libraries give it, so skopeo's layers count
// too — is not read again. Each image is then read back from the store's
// files and, where skopeo is installed, through skopeo.
func (l *Loader) native(ctx context.Context, j *job) (*Result, error) {
	st, err := containerstore.Open(j.o.Store)
	if err != nil {
		return nil, fmt.Errorf("%w: run load-node as root, on a folder of a writable file system", err)
	}
	res := &Result{}
	var written []string
	for i, im := range j.images {
		if err := ctx.Err(); err != nil {
			st.Close()
			return res, err
		}
		ref := storeName(im.Reference, im.Digest)
		ld := Loaded{Reference: im.Reference}
		state := progress.Skipped
		if dg, ok := st.Lookup(containerstore.Name(ref), j.manifests[im.Reference]); ok {
			ld.Digest, ld.Skipped = dg, true
			res.Skipped++
		} else {
			if err := j.write(ctx, st, im, containerstore.Name(ref)); err != nil {
				st.Close()
				return res, err
			}
			res.Copied++
			state = progress.Sent
			written = append(written, im.Reference)
		}
		res.Images = append(res.Images, ld)
		j.o.Progress.Send(progress.Event{Stage: progress.StageImages, Item: im.Reference, State: state, ItemsDone: i + 1, ItemsTotal: len(j.images)})
	}
	if err := st.Close(); err != nil {
		return res, err
	}
	return res, l.checkNative(ctx, j, res)
}

// checkNative reads every image back: from the store's own files, opened
// afresh, and through skopeo (the containers libraries' view) where it is
// installed.
func (l *Loader) checkNative(ctx context.Context, j *job, res *Result) error {
	st, err := containerstore.Open(j.o.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	store := fmt.Sprintf("containers-storage:[%s@%s+%s]", j.o.Driver, j.o.Store, j.o.RunRoot)
	for i, ld := range res.Images {
		im := j.images[i]
		ref := storeName(im.Reference, im.Digest)
		dg, ok := st.Lookup(containerstore.Name(ref), j.manifests[im.Reference])
		if ok && j.skopeo != "" {
			// skopeo waits for the store's locks: let go of them first.
			st.Close()
			dg, ok = l.held(ctx, j.skopeo, store+ref, j.manifests[im.Reference])
		}
		if !ok {
			return fmt.Errorf("the image store at %s does not show %s after writing it: remove the store's folder and run load-node again", j.o.Store, im.Reference)
		}
		if ld.Digest == "" {
			res.Images[i].Digest = dg
		}
	}
	return nil
}

// write puts one image, its layers first, into the store.
func (j *job) write(ctx context.Context, st *containerstore.Store, im bundle.Image, storeRef string) error {
	repo, err := image.MappedRepo(im.Reference, "")
	if err != nil {
		return err
	}
	at := func(dg string) (name.Digest, error) {
		return name.NewDigest(j.addr+"/"+repo+"@"+dg, name.Insecure)
	}
	top, err := j.fetchManifest(ctx, at, im.Digest)
	if err != nil {
		return fmt.Errorf("%s: %w", im.Reference, err)
	}
	ci := containerstore.Image{Name: storeRef, Manifest: top.Manifest}
	if top.MediaType.IsIndex() {
		child, err := j.pickPlatform(top.Manifest)
		if err != nil {
			return fmt.Errorf("%s: %w", im.Reference, err)
		}
		d, err := j.fetchManifest(ctx, at, child)
		if err != nil {
			return fmt.Errorf("%s: %w", im.Reference, err)
		}
		ci.List, ci.Manifest = top.Manifest, d.Manifest
	}
	mf, err := v1.ParseManifest(bytes.NewReader(ci.Manifest))
	if err != nil {
		return fmt.Errorf("%s: its manifest cannot be read: %w", im.Reference, err)
	}
	cfgDigest := mf.Config.Digest.String()
	if ci.Config, err = j.blob(ctx, at, cfgDigest, st); err != nil {
		return j.missing(im.Reference, err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(ci.Config))
	if err != nil {
		return fmt.Errorf("%s: its config cannot be read: %w", im.Reference, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(mf.Layers) {
		return fmt.Errorf("%s: its config names %d layers, its manifest %d", im.Reference, len(cfg.RootFS.DiffIDs), len(mf.Layers))
	}
	ci.Created = cfg.Created.Time
	parent := ""
	for k, layer := range mf.Layers {
		diffID, dg := cfg.RootFS.DiffIDs[k].String(), layer.Digest.String()
		if id := containerstore.LayerID(parent, diffID); !st.HasLayer(id) && !j.reg.Holds(dg) {
			return j.missing(im.Reference, fmt.Errorf("layer %s is neither in the bundle nor in the store", dg))
		}
		ref, err := at(dg)
		if err != nil {
			return err
		}
		parent, err = st.PutLayer(ctx, containerstore.Layer{Parent: parent, DiffID: diffID, Digest: dg, Size: layer.Size,
			Open: func(ctx context.Context) (io.ReadCloser, error) {
				rl, err := remote.Layer(ref, remote.WithContext(ctx))
				if err != nil {
					return nil, err
				}
				return rl.Compressed()
			}})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%s: %w", im.Reference, err)
		}
	}
	ci.TopLayer = parent
	if err := st.PutImage(ci); err != nil {
		return fmt.Errorf("%s: %w", im.Reference, err)
	}
	return nil
}

func (j *job) fetchManifest(ctx context.Context, at func(string) (name.Digest, error), dg string) (*remote.Descriptor, error) {
	ref, err := at(dg)
	if err != nil {
		return nil, err
	}
	d, err := remote.Get(ref, remote.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("manifest %s cannot be read from the bundle: %w", dg, err)
	}
	return d, nil
}

// pickPlatform is the index's manifest for the platform loaded.
func (j *job) pickPlatform(raw []byte) (string, error) {
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("its index cannot be read: %w", err)
	}
	for _, m := range idx.Manifests {
		if m.Platform != nil && m.Platform.OS == j.os && m.Platform.Architecture == j.arch && j.reg.Holds(m.Digest.String()) {
			return m.Digest.String(), nil
		}
	}
	return "", fmt.Errorf("the bundle carries no %s/%s image of it", j.os, j.arch)
}

// errNotCarried marks a blob neither the bundle nor the store holds.
var errNotCarried = errors.New("not carried")

// blob reads a small blob (a config) from the bundle, or from the store
// where a delta left it out.
func (j *job) blob(ctx context.Context, at func(string) (name.Digest, error), dg string, st *containerstore.Store) ([]byte, error) {
	if !j.reg.Holds(dg) {
		if data, ok := st.Config(dg); ok {
			return data, nil
		}
		return nil, fmt.Errorf("%w: %s", errNotCarried, dg)
	}
	ref, err := at(dg)
	if err != nil {
		return nil, err
	}
	rl, err := remote.Layer(ref, remote.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	rc, err := rl.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("blob %s cannot be read from the bundle: %w", dg, err)
	}
	if bundle.Digest(data) != dg {
		return nil, fmt.Errorf("blob %s does not match its digest", dg)
	}
	return data, nil
}

// missing words what a delta bundle lacks over a store without its base.
func (j *job) missing(ref string, err error) error {
	if j.m.Base != nil {
		return fmt.Errorf("%w: the image store lacks what this delta bundle leaves out (%d blobs, needed for %s): run load-node with %s first, or give that bundle along with this one", ErrBaseNotInStore, len(j.m.Base.Omitted), ref, j.m.Base.Loads())
	}
	return fmt.Errorf("%s: %s", ref, strings.TrimSpace(err.Error()))
}
