package push

import (
	"context"
	"net/http"
	"sync"

	"golang.org/x/sync/errgroup"

	"ferry/artifacts/inventory"
	"ferry/artifacts/progress"
)

// Has says whether repo at the registry holds the blob (or, with manifest,
// the manifest) digest: a HEAD, nothing downloaded.
func (p *Pusher) Has(ctx context.Context, repo, digest string, manifest bool) (bool, error) {
	kind, hdr := "blobs/", map[string]string(nil)
	if manifest {
		kind = "manifests/"
		hdr = map[string]string{"Accept": manifestAccept}
	}
	resp, err := p.do(ctx, repo, http.MethodHead, p.url(repo, kind+digest), nil, 0, hdr)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return true, nil
	}
	if resp.StatusCode == http.StatusNotFound {
		return false, nil
	}
	return false, statusErr(p.Registry, repo, resp)
}

// manifestAccept lists every manifest and index type ferry carries.
const manifestAccept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"

// Inventory asks the registry, one HEAD each, which of the images'
// manifests and blobs it holds in the repositories the images are loaded
// into. Progress gets a progress.StageImages event per digest asked.
func (p *Pusher) Inventory(ctx context.Context, images []inventory.Image) (*inventory.Inventory, error) {
	type ask struct {
		repo, digest string
		manifest     bool
	}
	seen := map[ask]bool{}
	var asks []ask
	repos := map[string]bool{}
	for _, im := range images {
		repo, err := p.Repo(im.Reference)
		if err != nil {
			return nil, err
		}
		repos[repo] = true
		for _, d := range im.Manifests {
			if a := (ask{repo, d, true}); !seen[a] {
				seen[a] = true
				asks = append(asks, a)
			}
		}
		for _, d := range im.Blobs {
			if a := (ask{repo, d, false}); !seen[a] {
				seen[a] = true
				asks = append(asks, a)
			}
		}
	}
	manifests, blobs := map[string]bool{}, map[string]bool{}
	var mu sync.Mutex
	done, absent := 0, 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency())
	for _, a := range asks {
		g.Go(func() error {
			ok, err := p.Has(gctx, a.repo, a.digest, a.manifest)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if ok && a.manifest {
				manifests[a.digest] = true
			} else if ok {
				blobs[a.digest] = true
			} else {
				absent++
			}
			done++
			p.Progress.Send(progress.Event{Stage: progress.StageImages, Item: a.repo + "@" + a.digest, State: progress.Checked, ItemsDone: done, ItemsTotal: len(asks)})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	inv := &inventory.Inventory{FormatVersion: inventory.FormatVersion, Kind: inventory.Kind, Registry: p.Registry,
		Repositories: inventory.Sorted(repos), Manifests: inventory.Sorted(manifests), Blobs: inventory.Sorted(blobs)}
	if prefix := p.Prefix; prefix != "" {
		inv.Registry += "/" + prefix
	}
	inv.Checked, inv.Absent = len(asks), absent
	return inv, nil
}
