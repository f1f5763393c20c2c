package plan

import (
	"context"
	"fmt"
	"slices"

	"ferry/artifacts/image"
)

// attachments lists what is attached to a resolved image as images of the
// plan, each saying what it is about ("signature of REF"), needed by the
// image's modules. A failure is the image's: it names the image.
func (p *Planner) attachments(ctx context.Context, r *image.Resolved, modules []string) ([]Image, error) {
	found, err := p.Attachments.Attachments(ctx, r, 4)
	if err != nil {
		return nil, fmt.Errorf("the signatures and attestations of %s cannot be read: %w", r.Reference, err)
	}
	out := make([]Image, 0, len(found))
	for _, a := range found {
		out = append(out, Image{Reference: a.Reference, Modules: slices.Clone(modules), Digest: a.Digest, MediaType: a.MediaType,
			Platforms: nonEmpty(a.Platforms), AvailablePlatforms: nonEmpty(a.Available), Size: a.Size(), Blobs: a.Blobs,
			Why: a.Why(r.Reference), Subject: a.Subject, Role: a.Role})
	}
	return out, nil
}

// withAttached lists the images resolved, each followed by what is
// attached to it; an artifact attached to two images (the same image
// listed twice) is listed once, needed by the modules of both.
func withAttached(images []*Image, attached [][]Image) []Image {
	out := make([]Image, 0, len(images))
	at := map[string]int{}
	for i, im := range images {
		if im == nil {
			continue
		}
		out = append(out, *im)
		for _, a := range attached[i] {
			j, ok := at[a.Reference]
			if !ok {
				at[a.Reference] = len(out)
				out = append(out, a)
				continue
			}
			for _, m := range a.Modules {
				if !slices.Contains(out[j].Modules, m) {
					out[j].Modules = append(out[j].Modules, m)
				}
			}
		}
	}
	return out
}

// nonEmpty drops the "" an artifact without a platform resolves to.
func nonEmpty(list []string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == "" })
}
