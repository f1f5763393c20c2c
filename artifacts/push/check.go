package push

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"ferry/artifacts/fault"
	"ferry/artifacts/source"
)

// Check is one preflight check and how it went.
type Check struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Problem says what is wrong and what to do.
	Problem string `json:"problem,omitempty"`
	// Err is the error Problem was made from, for faces to word its
	// settings; it is not saved.
	Err error `json:"-"`
}

// Text is the problem with the settings it names worded by words.
func (c Check) Text(words fault.Words) string {
	if c.Err != nil {
		return fault.Word(c.Err, words)
	}
	return c.Problem
}

// Preflight checks, before any byte of the bundle is sent, that the
// registry is reachable, its certificate trusted, the credentials accepted
// and pushing permitted (an upload is started in a scratch repository and
// cancelled, so nothing is left behind). It stops at the first failure.
func (p *Pusher) Preflight(ctx context.Context) ([]Check, error) {
	repo, err := p.Repo("preflight.invalid/ferry-preflight:check")
	if err != nil {
		return nil, err
	}
	var checks []Check
	fail := func(n string, err error) ([]Check, error) {
		checks = append(checks, Check{Name: n, Problem: err.Error(), Err: err})
		return checks, err
	}
	// Reachable and trusted: the transport pings /v2/ over TLS and logs in.
	rt, err := p.transport(ctx, repo, true)
	if err != nil {
		name := "reachable"
		switch {
		case errors.Is(err, source.ErrUntrusted):
			checks = append(checks, Check{Name: "reachable", OK: true})
			name = "certificate trusted"
		case errors.Is(err, source.ErrUnauthorized):
			checks = append(checks, Check{Name: "reachable", OK: true}, Check{Name: "certificate trusted", OK: true})
			name = "login accepted"
		}
		return fail(name, err)
	}
	checks = append(checks, Check{Name: "reachable", OK: true}, Check{Name: "certificate trusted", OK: true})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s://%s/v2/", p.Access.Scheme(p.Registry), p.Registry), nil)
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return fail("login accepted", source.Explain(p.Registry, p.Registry, err))
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return fail("login accepted", fault.New(source.ErrUnauthorized, "%s refused the credentials: check %s", fault.Host(p.Registry), fault.Use(fault.RegistryLogin)))
	}
	checks = append(checks, Check{Name: "login accepted", OK: true})
	resp, err = p.do(ctx, repo, http.MethodPost, p.url(repo, "blobs/uploads/"), nil, 0, nil)
	if err != nil {
		return fail("push allowed", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		if resp.StatusCode == http.StatusUnauthorized {
			resp.StatusCode = http.StatusForbidden // logged in, but not for pushing
		}
		return fail("push allowed", statusErr(p.Registry, repo, resp))
	}
	if loc, err := resp.Location(); err == nil {
		if r, err := p.do(ctx, repo, http.MethodDelete, loc.String(), nil, 0, nil); err == nil {
			r.Body.Close()
		}
	}
	checks = append(checks, Check{Name: "push allowed", OK: true})
	return checks, nil
}

// VerifyLoaded checks that every loaded image resolves at the destination
// by its digest.
func (p *Pusher) VerifyLoaded(ctx context.Context, res *Result) error {
	for _, l := range res.Images {
		if l.Problem != "" {
			continue
		}
		repo, err := p.Repo(l.Reference)
		if err != nil {
			return err
		}
		resp, err := p.do(ctx, repo, http.MethodHead, p.url(repo, "manifests/"+l.Digest), nil, 0,
			map[string]string{"Accept": "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"})
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s does not serve %s@%s after loading (HTTP %d): run the import again", p.Registry, repo, l.Digest, resp.StatusCode)
		}
	}
	return nil
}
