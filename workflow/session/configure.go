package session

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/afero"

	"ferry/artifacts/bundle"
	"ferry/artifacts/image"
	"ferry/artifacts/release"
	"ferry/targets/mirrorconfig"
	"ferry/workflow/plan"
)

// Carried are the images a bundle or a saved plan carries, under the name
// the mirror configuration is written for.
type Carried struct {
	Name   string
	Images []CarriedImage
	// Operators are the filtered operator catalogs carried, as the plan
	// lists them.
	Operators []plan.OperatorCatalog
	// Signatures are the OpenShift release signatures a bundle carries;
	// a plan names them without their content (SignaturesUnread).
	Signatures       []mirrorconfig.ReleaseSignature
	SignaturesUnread []string
}

// CarriedImage is one image: its original reference and digest.
type CarriedImage struct {
	Reference, Digest string
}

// BundleImages lists the images a bundle carries.
func (s *Session) BundleImages(ctx context.Context, b *bundle.Bundle) (Carried, error) {
	m, err := b.ReadManifest(ctx)
	if err != nil {
		return Carried{}, err
	}
	c := Carried{Name: b.Index.Name}
	for _, im := range m.Images {
		c.Images = append(c.Images, CarriedImage{im.Reference, im.Digest})
	}
	if len(m.Plan) > 0 {
		var p struct {
			Operators []plan.OperatorCatalog `json:"operators"`
		}
		if err := json.Unmarshal(m.Plan, &p); err != nil {
			return Carried{}, fmt.Errorf("the bundle's plan cannot be read: %w", err)
		}
		c.Operators = p.Operators
	}
	want := map[string]string{}
	for _, f := range m.Files {
		if d, ok := signatureDigest(f.Path); ok {
			want[f.Path] = d
		}
	}
	if len(want) == 0 {
		return c, nil
	}
	// Plain files come last in the stream: reading the signatures means
	// reading the bundle through once.
	err = b.Walk(ctx, func(hdr *tar.Header, r io.Reader) error {
		d, ok := want[hdr.Name]
		if !ok {
			return nil
		}
		data, err := io.ReadAll(io.LimitReader(r, 1<<20))
		if err != nil {
			return fmt.Errorf("reading %s from the bundle: %w", hdr.Name, err)
		}
		c.Signatures = append(c.Signatures, mirrorconfig.ReleaseSignature{Digest: d, Data: data})
		return nil
	})
	return c, err
}

// signatureDigest reads the digest a carried release signature signs from
// its path, files/openshift-release-signatures/sha256=HEX/signature-1.
func signatureDigest(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, bundle.FilePath(release.SignaturesDir)+"/sha256=")
	if !ok {
		return "", false
	}
	hexd, file, _ := strings.Cut(rest, "/")
	return "sha256:" + hexd, file == "signature-1" && len(hexd) == 64
}

// CarriedBy lists the images of the bundle at bundlePath or, when that is
// empty, of the plan saved at planPath.
func (s *Session) CarriedBy(ctx context.Context, bundlePath, planPath string) (Carried, error) {
	if bundlePath == "" {
		return s.PlanImages(planPath)
	}
	b, err := s.Open(bundlePath)
	if err != nil {
		return Carried{}, err
	}
	return s.BundleImages(ctx, b)
}

// PlanImages lists the images a plan saved with `ferry plan --output json`
// carries.
func (s *Session) PlanImages(path string) (Carried, error) {
	data, err := afero.ReadFile(s.FS, path)
	if err != nil {
		return Carried{}, fmt.Errorf("cannot read the plan %s: %w", path, err)
	}
	var p plan.Plan
	if err := json.Unmarshal(data, &p); err != nil || p.FormatVersion == 0 {
		return Carried{}, fmt.Errorf("%s is not a plan saved as JSON by ferry plan", path)
	}
	if p.FormatVersion != plan.FormatVersion {
		return Carried{}, fmt.Errorf("%s is plan format %d and this ferry reads format %d", path, p.FormatVersion, plan.FormatVersion)
	}
	c := Carried{Name: p.Selection.Target}
	if p.Selection.Version != "" {
		c.Name += "-" + p.Selection.Version
	}
	for _, im := range p.Images {
		c.Images = append(c.Images, CarriedImage{im.Reference, im.Digest})
	}
	c.Operators = p.Operators
	for _, f := range p.Files {
		if d, ok := signatureDigest(bundle.FilePath(f.Name)); ok {
			c.SignaturesUnread = append(c.SignaturesUnread, d)
		}
	}
	return c, nil
}

// Configure generates the mirror configuration of each platform for the
// images carried, loaded into d as ferry import loads them, and writes it
// under dir. It returns what it wrote, up to the first failure.
func (s *Session) Configure(c Carried, d Destination, platforms []string, dir string, o mirrorconfig.Options) ([]*mirrorconfig.Result, error) {
	in, err := s.mirrorInput(c, d)
	if err != nil {
		return nil, err
	}
	var out []*mirrorconfig.Result
	for _, p := range platforms {
		r, err := mirrorconfig.Generate(p, in, o)
		if err != nil {
			return out, err
		}
		if err := mirrorconfig.Write(s.FS, dir, r); err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// mirrorInput builds the configuration writers' input: one mirror per
// source repository, mapped as ferry import loads it.
func (s *Session) mirrorInput(c Carried, d Destination) (mirrorconfig.Input, error) {
	if err := d.Check(); err != nil {
		return mirrorconfig.Input{}, err
	}
	host, prefix, _ := strings.Cut(d.Registry, "/")
	in := mirrorconfig.Input{Registry: host, Insecure: d.Insecure, MavenURL: d.MavenURL, Name: dnsName(c.Name),
		ReleaseSignatures: c.Signatures, SignaturesUnread: c.SignaturesUnread}
	seen := map[string]bool{}
	for _, im := range c.Images {
		h, repo, _, err := image.Origin(im.Reference)
		if err != nil {
			return in, err
		}
		src := h + "/" + repo
		in.DigestRefs = append(in.DigestRefs, src+"@"+im.Digest)
		if !seen[src] && host != "" {
			seen[src] = true
			target, err := image.MapRepo(im.Reference, prefix, d.Flat)
			if err != nil {
				return in, err
			}
			in.Mirrors = append(in.Mirrors, mirrorconfig.Mirror{Source: src, Target: host + "/" + target})
		}
	}
	sort.Slice(in.Mirrors, func(i, j int) bool { return in.Mirrors[i].Source < in.Mirrors[j].Source })
	sort.Strings(in.DigestRefs)
	for _, oc := range c.Operators {
		if host == "" {
			break
		}
		target, err := image.MapRepo(oc.Catalog, prefix, d.Flat)
		if err != nil {
			return in, err
		}
		mc := mirrorconfig.Catalog{Source: oc.Catalog, Image: host + "/" + target + "@" + oc.Digest}
		for _, p := range oc.Packages {
			mc.Packages = append(mc.Packages, mirrorconfig.CatalogPackage{Name: p.Name, Channel: p.Channel, Listed: strings.HasPrefix(p.Why, "listed")})
		}
		in.Catalogs = append(in.Catalogs, mc)
	}
	if len(d.CAFiles) > 0 {
		in.CAFile = d.CAFiles[0]
		pem, err := afero.ReadFile(s.FS, d.CAFiles[0])
		if err != nil {
			return in, fmt.Errorf("cannot read the CA file %s: %w", d.CAFiles[0], err)
		}
		in.CAPEM = pem
	}
	return in, nil
}

var nonDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsName makes a DNS-1123 label out of a bundle name.
func dnsName(s string) string {
	s = strings.Trim(nonDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 50 {
		s = strings.Trim(s[:50], "-")
	}
	if s == "" {
		return "ferry"
	}
	return s
}
