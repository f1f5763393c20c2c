// Package importer is the far side's engine: it checks the destination
// before the first byte (preflight), loads a bundle's images into the site's
// registry and its Maven files into the site's Maven repository (or a
// folder), straight from the parts, then checks that everything arrived and
// writes a report with no secrets in it.
package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/maven"
	"ferry/artifacts/progress"
	"ferry/artifacts/push"
	"ferry/workflow/prepare"
)

// Importer loads bundles. Images, Maven and MavenDir are each optional.
type Importer struct {
	Images   *push.Pusher
	Maven    *maven.Uploader
	MavenDir string
	// Progress receives the images' push events (progress.StageImages)
	// and each Maven file's outcome (progress.StageMaven: Uploaded or
	// Skipped, with the files and bytes done of all to load).
	Progress progress.Sink
	// Space reads the free space of the file system holding MavenDir;
	// nil is prepare.StatSpace.
	Space func(path string) (prepare.Space, error)
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
	// Checked lists what was checked against the bundle at the
	// destination after loading: CheckedImages, CheckedMaven.
	Checked []string `json:"checked,omitempty"`
	// MavenSkipped is how many Maven files the bundle carries that were
	// not loaded because no Maven destination was given.
	MavenSkipped int `json:"mavenSkipped,omitempty"`
	// Path is where the report was written, once it is.
	Path string `json:"-"`
}

// What Report.Checked lists.
const (
	// CheckedImages: every image is served by its digest.
	CheckedImages = "image digests"
	// CheckedMaven: every Maven file matched the sha256 the bundle's
	// manifest records as it was read, and is served (or stored) as sent.
	CheckedMaven = "Maven files"
)

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
			checks = append(checks, push.Check{Name: "Maven repository reachable", Problem: err.Error(), Err: err})
			return checks, err
		}
		resp.Body.Close()
		// 401 is a refused login; 403 on the base URL is usually only a
		// forbidden folder listing.
		if resp.StatusCode == http.StatusUnauthorized {
			err := fault.New(maven.ErrUnauthorized, "the Maven repository %s refused the credentials (HTTP %d): check %s", im.Maven.URL, resp.StatusCode, fault.Use(fault.MavenLogin))
			checks = append(checks, push.Check{Name: "Maven repository reachable", OK: true}, push.Check{Name: "Maven login accepted", Problem: err.Error(), Err: err})
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
	m, err := b.ReadManifest(ctx)
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
		r.Checked = append(r.Checked, CheckedImages)
	}
	switch {
	case im.Maven != nil || im.MavenDir != "":
		mr, err := im.maven(ctx, b, m)
		r.Maven = mr
		if err != nil {
			return r, err
		}
		r.Checked = append(r.Checked, CheckedMaven)
	default:
		r.MavenSkipped = len(m.Maven)
	}
	r.Verified = true
	return r, nil
}

// mavenFile is one Maven file of the bundle: its path in the repository
// layout, where its content lies, and what the manifest records of it.
type mavenFile struct {
	rel   string
	src   *io.SectionReader
	entry bundle.Entry
}

// mavenFiles lists the bundle's Maven files, sorted (each artifact's file
// before its sidecars), each matched with its manifest entry: a file the
// manifest does not list, a size other than the recorded one or a listed
// file the bundle lacks ends the import before anything is loaded (a file
// carried twice never gets here: Scan refuses the bundle).
func (im *Importer) mavenFiles(ctx context.Context, b *bundle.Bundle, c *bundle.Contents, m *bundle.Manifest) ([]mavenFile, error) {
	listed := make(map[string]bundle.Entry, len(m.Maven))
	for _, e := range m.Maven {
		listed[e.Path] = e
	}
	seen := map[string]bool{}
	var files []mavenFile
	for _, n := range c.Names() {
		rel, ok := strings.CutPrefix(n, bundle.MavenDir+"/")
		if !ok {
			continue
		}
		seen[n] = true
		e, ok := listed[n]
		if !ok {
			return nil, fault.New(bundle.ErrDigest, "the bundle carries %s, which its manifest does not list: make the bundle again", n)
		}
		sr, _ := c.Open(n)
		if sr.Size() != e.Size {
			return nil, damaged(ctx, b, n, sr)
		}
		files = append(files, mavenFile{rel: rel, src: sr, entry: e})
	}
	for _, e := range m.Maven {
		if !seen[e.Path] {
			return nil, fault.New(bundle.ErrIncomplete, "%s is missing from the bundle: make the bundle again", e.Path)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	return files, nil
}

// maven loads the bundle's Maven files in stream order (each artifact's
// file, its sidecars, then its POM), adding .sha1 and .md5 sidecars where
// the bundle has none, then checks each arrived. Every file is checked
// against the manifest's sha256 as it is read, and is made visible only
// when it matches: a damaged file stops the import before its sidecars
// are written.
func (im *Importer) maven(ctx context.Context, b *bundle.Bundle, m *bundle.Manifest) (*MavenReport, error) {
	c, err := b.Scan(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	mr := &MavenReport{Destination: im.MavenDir}
	if im.Maven != nil {
		mr.Destination = im.Maven.URL
	}
	files, err := im.mavenFiles(ctx, b, c, m)
	if err != nil {
		return mr, err
	}
	have := make(map[string]bool, len(files))
	for _, f := range files {
		have[f.rel] = true
	}
	if im.Maven == nil {
		// What a failed copy, or an earlier run that was killed, left
		// half-written goes; every finished file was renamed into place.
		defer func() {
			for _, f := range files {
				for _, p := range []string{f.rel, f.rel + ".sha1", f.rel + ".md5"} {
					os.Remove(filepath.Join(im.MavenDir, filepath.FromSlash(p)) + maven.TempSuffix)
				}
			}
		}()
		if err := im.fits(files, have); err != nil {
			return mr, err
		}
	}
	type pending struct {
		path string
		size int64
		sha1 string
	}
	var verify []pending
	// What will be put, for the progress figures: every file, and the
	// sidecars made for those without.
	var total int64
	count := 0
	for _, f := range files {
		total += f.src.Size()
		count++
		if isSidecar(f.rel) {
			continue
		}
		for ext, n := range map[string]int64{".sha1": 40, ".md5": 32} {
			if !have[f.rel+ext] {
				total += n
				count++
			}
		}
	}
	var bytesDone int64
	put := func(p string, src maven.Source) (maven.Checksums, error) {
		var out string
		var sums maven.Checksums
		var err error
		if im.Maven != nil {
			out, sums, err = im.Maven.Put(ctx, p, src)
		} else {
			out, sums, err = maven.CopyToDir(ctx, im.MavenDir, p, src)
		}
		if err != nil {
			return sums, err
		}
		mr.Files++
		if out == maven.Uploaded {
			mr.Uploaded++
		} else {
			mr.Skipped++
		}
		bytesDone += src.Size
		im.Progress.Send(progress.Event{Stage: progress.StageMaven, Item: p, State: out,
			BytesDone: bytesDone, BytesTotal: total, ItemsDone: mr.Files, ItemsTotal: count})
		return sums, nil
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return mr, err
		}
		sums, err := put(f.rel, maven.Source{Content: f.src, Size: f.src.Size(), SHA256: f.entry.SHA256})
		if errors.Is(err, maven.ErrDamaged) {
			return mr, damaged(ctx, b, bundle.MavenPath(f.rel), f.src)
		}
		if err != nil {
			return mr, err
		}
		if isSidecar(f.rel) {
			continue
		}
		if im.Maven != nil {
			verify = append(verify, pending{f.rel, f.src.Size(), sums.SHA1})
		}
		for ext, sum := range map[string]string{".sha1": sums.SHA1, ".md5": sums.MD5} {
			if !have[f.rel+ext] {
				if _, err := put(f.rel+ext, maven.BytesSource([]byte(sum))); err != nil {
					return mr, err
				}
			}
		}
	}
	// Every file is served back with the right size and checksum.
	for _, v := range verify {
		ok, err := im.Maven.Identical(ctx, v.path, v.size, v.sha1)
		if err != nil {
			return mr, err
		}
		if !ok {
			return mr, fmt.Errorf("the Maven repository %s does not serve %s as it was uploaded: check the repository, then run the import again", im.Maven.URL, v.path)
		}
	}
	return mr, nil
}

// block is the allocation unit assumed for each file written.
const block = 4096

// fits checks that the Maven folder's file system has room for every file
// not already there, with the sidecars that will be added.
func (im *Importer) fits(files []mavenFile, have map[string]bool) error {
	stat := im.Space
	if stat == nil {
		stat = prepare.StatSpace
	}
	sp, err := stat(im.MavenDir)
	if err != nil || sp.Unknown {
		// A file system that does not say is written to and its
		// errors reported as they come.
		return nil
	}
	var need int64
	add := func(rel string, size int64) {
		if st, err := os.Stat(filepath.Join(im.MavenDir, filepath.FromSlash(rel))); err == nil && st.Size() == size {
			return
		}
		need += (size + block - 1) / block * block
	}
	for _, f := range files {
		add(f.rel, f.src.Size())
		if !isSidecar(f.rel) {
			for _, ext := range []string{".sha1", ".md5"} {
				if !have[f.rel+ext] {
					add(f.rel+ext, map[string]int64{".sha1": 40, ".md5": 32}[ext])
				}
			}
		}
	}
	if need > sp.Free {
		return &prepare.SpaceError{Path: im.MavenDir, Need: need, Free: sp.Free, What: "loading the Maven files",
			Fixes: fault.Say("free space there or choose another folder (%s)", fault.Use(fault.MavenDir))}
	}
	return nil
}

// DamagedFileError says a file read from the bundle did not match the
// sha256 its manifest records (or had another size), and why: the part
// that holds it no longer matches its checksum, or, when every part does,
// the bundle was made that way.
type DamagedFileError struct {
	// Path is the file's name in the bundle.
	Path string
	// Part is the damaged part holding it; nil when every part holding
	// it matches its checksum.
	Part *bundle.PartError
}

func (e *DamagedFileError) Error() string {
	if e.Part != nil {
		return fmt.Sprintf("%s in the bundle is damaged: it lies in part %d of %d (%s), which no longer matches its checksum: copy that part again from the original media, then run the import again",
			e.Path, e.Part.N, e.Part.Of, e.Part.Name)
	}
	return fmt.Sprintf("%s in the bundle does not match the size and sha256 its manifest records, though the parts holding it are intact: make the bundle again", e.Path)
}

// Unwrap returns maven.ErrDamaged and the part's error, or bundle.ErrDigest.
func (e *DamagedFileError) Unwrap() []error {
	if e.Part != nil {
		return []error{maven.ErrDamaged, e.Part}
	}
	return []error{maven.ErrDamaged, bundle.ErrDigest}
}

// damaged finds which part holding an entry's content no longer matches
// its checksum, reading only those parts.
func damaged(ctx context.Context, b *bundle.Bundle, name string, sr *io.SectionReader) error {
	_, off, n := sr.Outer()
	e := &DamagedFileError{Path: name}
	for _, sp := range b.Index.Spans(off, max(n, 1)) {
		p := b.Index.Parts[sp.Part]
		ok, err := partIntact(ctx, filepath.Join(b.Dir, p.Name), p.SHA256)
		if err != nil {
			return err
		}
		if !ok {
			e.Part = &bundle.PartError{N: sp.Part + 1, Of: len(b.Index.Parts), Name: p.Name, Kind: bundle.ErrDamagedPart, What: "is damaged (its checksum does not match)"}
			break
		}
	}
	return e
}

func partIntact(ctx context.Context, path, sha256hex string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, nil
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, nil
		}
	}
	return hex.EncodeToString(h.Sum(nil)) == sha256hex, nil
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
