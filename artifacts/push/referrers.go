package push

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"ferry/artifacts/bundle"
	"ferry/artifacts/image"
)

// referrers makes the OCI referrers the bundle carries listable at the
// registry. A registry with the referrers API lists a manifest with a
// subject as soon as it has it; for one without (it answers the API with
// 404), the referrers tag fallback is kept up to date: the index tagged
// sha256-<hex> in the subject's repository gains a descriptor for each
// referrer, keeping those already there.
func (p *Pusher) referrers(ctx context.Context, c *bundle.Contents, images []bundle.Image) error {
	type key struct{ repo, subject string }
	groups := map[key][]bundle.Image{}
	var keys []key
	for _, im := range images {
		if im.Role != image.RoleReferrer || im.Subject == "" {
			continue
		}
		repo, err := p.Repo(im.Reference)
		if err != nil {
			return err
		}
		k := key{repo, im.Subject}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], im)
	}
	for _, k := range keys {
		supported, err := p.referrersAPI(ctx, k.repo, k.subject)
		if err != nil {
			return err
		}
		if supported {
			continue
		}
		if err := p.fallbackTag(ctx, c, k.repo, k.subject, groups[k]); err != nil {
			return err
		}
	}
	return nil
}

// referrersAPI says whether the registry answers the referrers API for
// subject in repo.
func (p *Pusher) referrersAPI(ctx context.Context, repo, subject string) (bool, error) {
	resp, err := p.do(ctx, repo, http.MethodGet, p.url(repo, "referrers/"+subject), nil, 0, map[string]string{"Accept": string(types.OCIImageIndex)})
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<20))
	switch {
	case resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), string(types.OCIImageIndex)):
		return true, nil
	case resp.StatusCode == http.StatusOK, resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusBadRequest, resp.StatusCode == http.StatusNotAcceptable:
		return false, nil
	}
	return false, statusErr(p.Registry, repo, resp)
}

// fallbackTag adds the referrers to the index tagged with subject's
// fallback tag, creating it when there is none.
func (p *Pusher) fallbackTag(ctx context.Context, c *bundle.Contents, repo, subject string, refs []bundle.Image) error {
	tag := image.CosignTag(subject, "")
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	resp, err := p.do(ctx, repo, http.MethodGet, p.url(repo, "manifests/"+tag), nil, 0, map[string]string{"Accept": string(types.OCIImageIndex)})
	if err != nil {
		return err
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, bundle.MaxImageManifestSize))
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		if err := json.Unmarshal(raw, &idx); err != nil {
			return fmt.Errorf("%s holds a referrers tag %s in %s that is not an index: remove it, then import again", p.Registry, tag, repo)
		}
	case http.StatusNotFound:
	default:
		return statusErr(p.Registry, repo, resp)
	}
	changed := false
	for _, im := range refs {
		if slices.ContainsFunc(idx.Manifests, func(d v1.Descriptor) bool { return d.Digest.String() == im.Digest }) {
			continue
		}
		d, err := referrerDescriptor(ctx, c, im)
		if err != nil {
			return err
		}
		idx.Manifests = append(idx.Manifests, d)
		changed = true
	}
	if !changed {
		return nil
	}
	sort.SliceStable(idx.Manifests, func(i, j int) bool { return idx.Manifests[i].Digest.String() < idx.Manifests[j].Digest.String() })
	body, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	return p.putManifest(ctx, repo, tag, body, types.OCIImageIndex)
}

// referrerDescriptor describes a referrer the way the referrers API lists
// it: its media type, digest and size, its artifact type (or its config's
// media type) and its annotations.
func referrerDescriptor(ctx context.Context, c *bundle.Contents, im bundle.Image) (v1.Descriptor, error) {
	raw, err := readBlob(ctx, c, im.Digest)
	if err != nil {
		return v1.Descriptor{}, err
	}
	var m struct {
		MediaType    types.MediaType   `json:"mediaType"`
		ArtifactType string            `json:"artifactType"`
		Config       *v1.Descriptor    `json:"config"`
		Annotations  map[string]string `json:"annotations"`
	}
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&m); err != nil {
		return v1.Descriptor{}, fmt.Errorf("the referrer %s in the bundle cannot be read: make the bundle again", short(im.Digest))
	}
	h, err := v1.NewHash(im.Digest)
	if err != nil {
		return v1.Descriptor{}, err
	}
	d := v1.Descriptor{MediaType: m.MediaType, Digest: h, Size: int64(len(raw)), ArtifactType: m.ArtifactType, Annotations: m.Annotations}
	if d.MediaType == "" {
		d.MediaType = types.MediaType(im.MediaType)
	}
	if d.ArtifactType == "" && m.Config != nil {
		d.ArtifactType = string(m.Config.MediaType)
	}
	return d, nil
}
