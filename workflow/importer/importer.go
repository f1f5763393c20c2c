// Package importer is the far side's engine: it checks the destination
// before the first byte (preflight), loads a bundle's images into the site's
// registry and its Maven files into the site's Maven repository (or a
// folder), straight from the parts, then checks that everything arrived and
// writes a report with no secrets in it.
package importer

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"

	"ferry/artifacts/bundle"
	"ferry/artifacts/maven"
	"ferry/artifacts/push"
)

// Importer loads bundles. Images, Maven and MavenDir are each optional.
type Importer struct {
	Images   *push.Pusher
	Maven    *maven.Uploader
	MavenDir string
	// Progress receives image push events.
	Progress func(push.Event)
	// MavenProgress is told each Maven file's outcome.
	MavenProgress func(path, outcome string)
}

// Report is what an import did, for people (Markdown) and tools (JSON).
type Report struct {
	Bundle   string        `json:"bundle"`
	Code     string        `json:"code"`
	Digest   string        `json:"digest"`
	Registry string        `json:"registry,omitempty"`
	Checks   []push.Check  `json:"checks,omitempty"`
	Images   []push.Loaded `json:"images,omitempty"`
	Blobs    *push.Result  `json:"blobs,omitempty"`
	Maven    *MavenReport  `json:"maven,omitempty"`
	Problems []string      `json:"problems,omitempty"`
	Verified bool          `json:"verified"`
	// Path is where the report was written, once it is.
	Path string `json:"-"`
}

// MavenReport says what happened to the Maven files.
type MavenReport struct {
	Destination string `json:"destination"`
	Uploaded    int    `json:"uploaded"`
	Skipped     int    `json:"skipped"`
	Files       int    `json:"files"`
}

// Preflight checks every destination; it stops at the first failure.
func (im *Importer) Preflight(ctx context.Context) ([]push.Check, error) {
	var checks []push.Check
	if im.Images != nil {
		c, err := im.Images.Preflight(ctx)
		checks = append(checks, c...)
		if err != nil {
			return checks, err
		}
	}
	if im.Maven != nil {
		resp, err := im.mavenGet(ctx, "")
		if err != nil {
			checks = append(checks, push.Check{Name: "Maven repository reachable", Problem: err.Error()})
			return checks, err
		}
		resp.Body.Close()
		// 401 is a refused login; 403 on the base URL is usually only a
		// forbidden folder listing.
		if resp.StatusCode == http.StatusUnauthorized {
			err := fmt.Errorf("the Maven repository %s refused the credentials (HTTP %d): check --maven-username and the password", im.Maven.URL, resp.StatusCode)
			checks = append(checks, push.Check{Name: "Maven repository reachable", OK: true}, push.Check{Name: "Maven login accepted", Problem: err.Error()})
			return checks, err
		}
		checks = append(checks, push.Check{Name: "Maven repository reachable", OK: true}, push.Check{Name: "Maven login accepted", OK: true})
	}
	return checks, nil
}

func (im *Importer) mavenGet(ctx context.Context, p string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(im.Maven.URL, "/")+"/"+p, nil)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid Maven repository URL", im.Maven.URL)
	}
	if im.Maven.Username != "" {
		req.SetBasicAuth(im.Maven.Username, im.Maven.Password)
	}
	c := im.Maven.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the Maven repository %s: %v: check the URL and the network", im.Maven.URL, unwrapURL(err))
	}
	return resp, nil
}

// Import runs preflight, loads everything and verifies it arrived.
func (im *Importer) Import(ctx context.Context, b *bundle.Bundle) (*Report, error) {
	r := &Report{Bundle: b.Index.Name, Code: b.Index.ShortCode, Digest: b.Index.ManifestDigest}
	checks, err := im.Preflight(ctx)
	r.Checks = checks
	if err != nil {
		return r, err
	}
	if im.Images != nil {
		r.Registry = im.Images.Registry
		if p := strings.Trim(im.Images.Prefix, "/"); p != "" {
			r.Registry += "/" + p
		}
		im.Images.Progress = im.Progress
		res, err := im.Images.Import(ctx, b)
		if res != nil {
			r.Blobs = res
			r.Images = res.Images
			for _, l := range res.Images {
				if l.Problem != "" {
					r.Problems = append(r.Problems, l.Problem)
				}
			}
		}
		if err != nil {
			return r, err
		}
		if err := im.Images.VerifyLoaded(ctx, res); err != nil {
			return r, err
		}
	}
	if im.Maven != nil || im.MavenDir != "" {
		mr, err := im.maven(ctx, b)
		r.Maven = mr
		if err != nil {
			return r, err
		}
	}
	r.Verified = true
	return r, nil
}

// maven loads the bundle's Maven files in stream order (each artifact's
// file, its sidecars, then its POM), adding .sha1 and .md5 sidecars where
// the bundle has none, then checks each arrived.
func (im *Importer) maven(ctx context.Context, b *bundle.Bundle) (*MavenReport, error) {
	c, err := b.Scan(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	mr := &MavenReport{Destination: im.MavenDir}
	if im.Maven != nil {
		mr.Destination = im.Maven.URL
	}
	have := map[string]bool{}
	var files []string
	for _, n := range c.Names() {
		if strings.HasPrefix(n, bundle.MavenDir+"/") {
			rel := strings.TrimPrefix(n, bundle.MavenDir+"/")
			have[rel] = true
			files = append(files, rel)
		}
	}
	sort.Strings(files)
	type pending struct {
		path string
		data []byte
	}
	var verify []pending
	put := func(p string, data []byte) error {
		var out string
		var err error
		if im.Maven != nil {
			out, err = im.Maven.Put(ctx, p, data)
		} else {
			out, err = maven.CopyToDir(im.MavenDir, p, data)
		}
		if err != nil {
			return err
		}
		mr.Files++
		if out == maven.Uploaded {
			mr.Uploaded++
		} else {
			mr.Skipped++
		}
		if im.MavenProgress != nil {
			im.MavenProgress(p, out)
		}
		return nil
	}
	for _, p := range files {
		sr, _ := c.Open(bundle.MavenDir + "/" + p)
		data, err := io.ReadAll(sr)
		if err != nil {
			return mr, err
		}
		if err := put(p, data); err != nil {
			return mr, err
		}
		if isSidecar(p) {
			continue
		}
		if im.Maven != nil {
			verify = append(verify, pending{p, data})
		}
		sha1hex, md5hex := maven.Sums(data)
		for ext, sum := range map[string]string{".sha1": sha1hex, ".md5": md5hex} {
			if !have[p+ext] {
				if err := put(p+ext, []byte(sum)); err != nil {
					return mr, err
				}
			}
		}
	}
	// Every file is served back with the right size and checksum.
	for _, v := range verify {
		ok, err := im.Maven.Identical(ctx, v.path, v.data)
		if err != nil {
			return mr, err
		}
		if !ok {
			return mr, fmt.Errorf("the Maven repository %s does not serve %s as it was uploaded: check the repository, then run the import again", im.Maven.URL, v.path)
		}
	}
	return mr, nil
}

func isSidecar(p string) bool {
	switch path.Ext(p) {
	case ".sha1", ".md5", ".sha256", ".sha512", ".asc":
		return true
	}
	return false
}

func unwrapURL(err error) error {
	type unwrapper interface{ Unwrap() error }
	if u, ok := err.(unwrapper); ok && u.Unwrap() != nil {
		return u.Unwrap()
	}
	return err
}
