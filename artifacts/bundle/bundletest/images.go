package bundletest

import (
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"ferry/artifacts/bundle"
)

// NestedRef is the reference of the image NestedIndexes forges.
const NestedRef = "registry.invalid/forged/nested:1.0"

// NestedIndexes is a bundle of one image whose top index names the index
// below it fanout times, levels deep, down to one image manifest with a
// config and a layer: a small bundle whose graph has fanout^levels paths.
// The spec carries the image, its plan and its entries (blobs, index.json
// and oci-layout); more entries may be added.
func NestedIndexes(levels, fanout int) Spec {
	const ref = NestedRef
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	layer := []byte("forged layer")
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: descriptor(types.OCIConfigJSON, config), Layers: []v1.Descriptor{descriptor(types.OCILayer, layer)}}
	raw := mustJSON(m)
	entries := []Entry{Blob(config), Blob(layer), Blob(raw)}
	top := descriptor(types.OCIManifestSchema1, raw)
	for level := range levels {
		idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex,
			Annotations: map[string]string{"level": fmt.Sprint(level)}}
		for range fanout {
			idx.Manifests = append(idx.Manifests, top)
		}
		raw := mustJSON(idx)
		entries = append(entries, Blob(raw))
		top = descriptor(types.OCIImageIndex, raw)
	}
	top.Annotations = map[string]string{"org.opencontainers.image.ref.name": ref}
	layout := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{top}}
	entries = append(entries, File(bundle.LayoutIndexPath, mustJSON(layout)), File(bundle.OCILayoutPath, bundle.OCILayout()))
	images := []bundle.Image{{Reference: ref, Digest: top.Digest.String(), MediaType: string(top.MediaType), Size: top.Size,
		Platforms: []string{"linux/amd64"}}}
	type blob struct {
		Digest string `json:"digest"`
		Size   int64  `json:"size"`
		Kind   string `json:"kind"`
	}
	plan := map[string]any{"images": []map[string]any{{"reference": ref, "blobs": []blob{
		{"sha256:" + sum(config), int64(len(config)), "config"}, {"sha256:" + sum(layer), int64(len(layer)), "layer"}}}}}
	return Spec{Images: images, Plan: mustJSON(plan), Entries: entries}
}

func descriptor(mt types.MediaType, data []byte) v1.Descriptor {
	return v1.Descriptor{MediaType: mt, Size: int64(len(data)), Digest: v1.Hash{Algorithm: "sha256", Hex: sum(data)}}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
