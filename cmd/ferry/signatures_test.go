package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"ferry/artifacts/image"
	"ferry/artifacts/registrytest"
	"ferry/workflow/plan"
)

// signedUpstream is an upstream registry with the referrers API holding a
// two-platform image whose index and amd64 manifest are each signed,
// attested and referred to.
type signedUpstream struct {
	reg             *registrytest.Registry
	ref             string
	pushed          registrytest.Pushed
	onIndex, onAmd  registrytest.Attached
	images          string // an --images file naming ref
	attachedDigests map[string]string
}

func newSignedUpstream(t *testing.T, reg *registrytest.Registry) *signedUpstream {
	t.Helper()
	pushed := reg.Push(t, registrytest.ImageSpec{Repo: "apache/signed", Tag: "1.0", Platforms: []string{"linux/amd64", "linux/arm64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 40_000}}})[0]
	u := &signedUpstream{reg: reg, ref: reg.Host + "/apache/signed:1.0", pushed: pushed}
	u.onIndex = reg.Sign(t, "apache/signed", pushed.Digest)
	u.onAmd = reg.Sign(t, "apache/signed", pushed.Platforms["linux/amd64"].ManifestDigest)
	u.images = writeFile(t, "images.txt", u.ref+"\n")
	// Where each attached artifact lives in the repository (tag or
	// digest) and the digest it must keep.
	u.attachedDigests = map[string]string{}
	for _, a := range []registrytest.Attached{u.onIndex, u.onAmd} {
		u.attachedDigests[":"+image.CosignTag(a.Subject, ".sig")] = a.Signature
		u.attachedDigests[":"+image.CosignTag(a.Subject, ".att")] = a.Attestation
		u.attachedDigests["@"+a.Referrer] = a.Referrer
	}
	return u
}

func (u *signedUpstream) plan(t *testing.T, extra ...string) plan.Plan {
	t.Helper()
	args := append([]string{"plan", "--images", u.images, "--arch", "amd64", "--arch", "arm64", "--insecure-source", u.reg.Host, "--output", "json"}, extra...)
	code, stdout, stderr := ferry(t, args...)
	require.Equal(t, 0, code, stderr)
	var p plan.Plan
	require.NoError(t, json.Unmarshal([]byte(stdout), &p))
	return p
}

// assertArrived checks that every attached artifact is at host/prefix
// with its upstream digest, and that the referrers are listable there.
// configType says the registry lists a referrer's config media type
// rather than its artifactType, as go-containerregistry's registry does.
func (u *signedUpstream) assertArrived(t *testing.T, host, prefix string, configType bool) {
	t.Helper()
	repo := host + "/" + prefix + "apache/signed"
	d, err := crane.Digest(repo+":1.0", crane.Insecure)
	require.NoError(t, err)
	assert.Equal(t, u.pushed.Digest, d, "the image keeps its digest")
	for at, want := range u.attachedDigests {
		got, err := crane.Digest(repo+at, crane.Insecure)
		require.NoError(t, err, at)
		assert.Equal(t, want, got, at)
	}
	for _, a := range []registrytest.Attached{u.onIndex, u.onAmd} {
		subject, err := name.NewDigest(repo+"@"+a.Subject, name.Insecure)
		require.NoError(t, err)
		idx, err := remote.Referrers(subject)
		require.NoError(t, err)
		m, err := idx.IndexManifest()
		require.NoError(t, err)
		var listed []string
		for _, d := range m.Manifests {
			listed = append(listed, d.Digest.String())
			want := registrytest.SPDXType
			if configType {
				want = registrytest.EmptyConfigType
			}
			assert.Equal(t, want, d.ArtifactType)
		}
		assert.Equal(t, []string{a.Referrer}, listed, "the referrers of %s are listable", a.Subject)
	}
}

func TestSignaturesArePlannedCarriedImportedAndServed(t *testing.T) {
	up := newSignedUpstream(t, registrytest.StartWithReferrers(t))

	// Planned: each artifact right after its image, with why, role,
	// subject and size; the totals count them.
	p := up.plan(t)
	require.Len(t, p.Images, 7, "the image and six attached artifacts")
	assert.Equal(t, up.ref, p.Images[0].Reference)
	var attached int64
	whys := map[string]string{}
	for _, im := range p.Images[1:] {
		assert.NotEmpty(t, im.Role, im.Reference)
		assert.Contains(t, []string{up.pushed.Digest, up.pushed.Platforms["linux/amd64"].ManifestDigest}, im.Subject, im.Reference)
		assert.Positive(t, im.Size, im.Reference)
		assert.Equal(t, []string{""}, im.Modules, "needed by what needs the image")
		whys[strings.TrimPrefix(im.Reference, up.reg.Host+"/apache/signed")] = im.Why
		attached += im.Size
	}
	assert.Equal(t, up.onIndex.Size+up.onAmd.Size, attached)
	assert.Equal(t, "signature of "+up.ref, whys[":"+image.CosignTag(up.pushed.Digest, ".sig")])
	assert.Equal(t, "attestation of "+up.ref+" (linux/amd64)", whys[":"+image.CosignTag(up.onAmd.Subject, ".att")])
	assert.Equal(t, "referrer of "+up.ref+" ("+registrytest.SPDXType+")", whys["@"+up.onIndex.Referrer])
	assert.Equal(t, p.Images[0].Size+attached, p.Totals.Images.Listed)

	code, table, stderr := ferry(t, "plan", "--images", up.images, "--arch", "amd64", "--arch", "arm64", "--insecure-source", up.reg.Host)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, table, "signature of "+up.ref, "the table says why each artifact is there")

	// --no-signatures leaves them out.
	bare := up.plan(t, "--no-signatures")
	require.Len(t, bare.Images, 1)
	assert.Less(t, bare.Totals.Unique, p.Totals.Unique)

	// Prepared and verified.
	out := t.TempDir()
	code, stdout, stderr := ferry(t, "prepare", "--images", up.images, "--arch", "amd64", "--arch", "arm64", "--insecure-source", up.reg.Host,
		"--cache", t.TempDir(), "--output", out, "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	// What came with the image is counted apart from it.
	assert.Regexp(t, `· 1 images with [1-9][0-9]* signature\(s\), attestation\(s\) and referrer\(s\),`, stdout)
	code, _, stderr = ferry(t, "verify", out, "--progress", "none")
	require.Equal(t, 0, code, stderr)

	// Imported into a registry with the referrers API and into one
	// without it (which gets the fallback tag), digests kept.
	for _, site := range []struct {
		reg        *registrytest.Registry
		configType bool
	}{{registrytest.StartWithReferrers(t), true}, {registrytest.StartInProcess(t), false}} {
		code, stdout, stderr = ferry(t, "import", out, "--registry", site.reg.Host+"/mirror", "--insecure", "--progress", "none")
		require.Equal(t, 0, code, stderr)
		assert.Regexp(t, `images: 1 into .* \(1 tagged\) with [1-9][0-9]* signature\(s\)`, stdout)
		up.assertArrived(t, site.reg.Host, "mirror/", site.configType)
		// Again: the fallback tag is not rewritten with duplicates.
		code, _, stderr = ferry(t, "import", out, "--registry", site.reg.Host+"/mirror", "--insecure", "--progress", "none")
		require.Equal(t, 0, code, stderr)
		up.assertArrived(t, site.reg.Host, "mirror/", site.configType)
	}

	// Served: the referrers API answers from the bundle, the cosign tags
	// are tags.
	host, _ := startServe(t, out)
	up.assertArrived(t, host, "", false)
	resp, err := http.Get("http://" + host + "/v2/apache/signed/referrers/" + up.pushed.Digest + "?artifactType=application/other")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "artifactType", resp.Header.Get("OCI-Filters-Applied"))
	assert.NotContains(t, string(body), up.onIndex.Referrer, "filtered out by artifact type")

	// Configured: podman reads the attachments at the mirror.
	cfg := t.TempDir()
	code, _, stderr = ferry(t, "configure", "--bundle", out, "--registry", "registry.site:5000/mirror", "--platform", "podman", "--output", cfg)
	require.Equal(t, 0, code, stderr)
	data, err := os.ReadFile(filepath.Join(cfg, "podman/registries.d/ferry-registry.site-5000.yaml"))
	require.NoError(t, err)
	var rd map[string]map[string]map[string]bool
	require.NoError(t, yaml.Unmarshal(data, &rd))
	assert.Equal(t, map[string]map[string]map[string]bool{"docker": {"registry.site:5000": {"use-sigstore-attachments": true}}}, rd)
	steps, err := os.ReadFile(filepath.Join(cfg, "podman/STEPS.md"))
	require.NoError(t, err)
	assert.Contains(t, string(steps), "/etc/containers/registries.d/")
}

// An image with no signature plans as before; --no-signatures in an
// answers file is honoured like the flag.
func TestNoSignaturesFromAnAnswersFile(t *testing.T) {
	up := newSignedUpstream(t, registrytest.StartInProcess(t))
	answers := writeFile(t, "answers.yaml", "apiVersion: ferry/v1\nkind: Answers\narchs: [amd64, arm64]\nnoSignatures: true\n")
	p := up.plan(t, "--answers", answers)
	require.Len(t, p.Images, 1)
	p = up.plan(t)
	assert.Len(t, p.Images, 7, "without the API, the referrers are found by the fallback tag")
}
