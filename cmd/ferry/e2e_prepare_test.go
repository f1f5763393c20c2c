//go:build e2e

package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/maven"
	"ferry/artifacts/maven/maventest"
	"ferry/artifacts/registrytest"
)

// extract unpacks a bundle into dir through ferry's own reader.
func extract(t *testing.T, bundleDir, dir string) {
	t.Helper()
	b, err := bundle.Open(bundleDir)
	require.NoError(t, err)
	require.NoError(t, b.Walk(t.Context(), func(hdr *tar.Header, r io.Reader) error {
		p := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		f, err := os.Create(p)
		require.NoError(t, err)
		defer f.Close()
		_, err = io.Copy(f, r)
		return err
	}))
}

func partSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.part*"))
	for _, m := range matches {
		data, err := os.ReadFile(m)
		require.NoError(t, err)
		s := sha256.Sum256(data)
		out[filepath.Base(m)] = hex.EncodeToString(s[:])
	}
	return out
}

func TestE2EPrepareVerifyAndSkopeoReadsTheLayout(t *testing.T) {
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("skopeo is not installed: apt-get install skopeo")
		}
		t.Skip("skopeo is not installed")
	}
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, demoImages()...)
	mavenRoot := t.TempDir()
	maventest.WriteArtifact(t, mavenRoot, maven.Coordinate{GroupID: "org.example.demo", ArtifactID: "demo-api", Version: "1.0"}, "jar", make([]byte, 20_000), "sha1", "md5")
	mvn := maventest.NewServer(t, mavenRoot)
	cat := demoCatalog(t, up.Host)
	cache := t.TempDir()
	args := func(out string, extra ...string) []string {
		return append([]string{"--catalog", cat, "prepare", "--target", "demo", "--arch", "amd64", "--modules", "builder,console",
			"--insecure-source", up.Host, "--maven-repo", mvn.URL, "--cache", cache, "--output", out, "--split", "200K", "--progress", "plain"}, extra...)
	}
	outA := t.TempDir()
	code, stdout, stderr := ferry(t, args(outA)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Code:")
	assert.FileExists(t, filepath.Join(outA, "READ-ME-FIRST.txt"))
	assert.FileExists(t, filepath.Join(outA, "demo-1.0.answers.yaml"))

	code, stdout, stderr = ferry(t, "verify", outA)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "OK demo-1.0")

	// Deterministic: a second prepare into another folder (all cached) gives
	// byte-identical parts.
	outB := t.TempDir()
	code, _, stderr = ferry(t, args(outB)...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, partSums(t, outA), partSums(t, outB))
	assert.Greater(t, len(partSums(t, outA)), 3, "200K parts")

	// Extracted, images/ is an OCI layout skopeo reads, with the upstream digests.
	dir := t.TempDir()
	extract(t, outA, dir)
	layout := filepath.Join(dir, "images")
	for i, p := range pushed {
		ref := up.Host + "/" + []string{"apache/demo-operator", "apache/demo-builder", "apache/demo-console"}[i] + ":1.0"
		raw, err := exec.Command(skopeo, "inspect", "--raw", "oci:"+layout+":"+ref).Output()
		require.NoError(t, err, ref)
		assert.Equal(t, p.Digest, bundle.Digest(raw), "the original index or manifest, byte for byte: %s", ref)
	}
	// The maven folder is a repository layout with its sidecars.
	assert.FileExists(t, filepath.Join(dir, "maven/org/example/demo/demo-api/1.0/demo-api-1.0.jar"))
	assert.FileExists(t, filepath.Join(dir, "maven/org/example/demo/demo-api/1.0/demo-api-1.0.jar.sha1"))

	// skopeo copies from the layout into another registry: the amd64 image
	// of a sparse index arrives with the upstream child's digest.
	site := registrytest.StartDistribution(t)
	opRef := up.Host + "/apache/demo-builder:1.0"
	dest := "docker://" + site.Host + "/apache/demo-builder:1.0"
	out, err := exec.Command(skopeo, "copy", "--preserve-digests", "--override-arch", "amd64", "--override-os", "linux", "--dest-tls-verify=false", "oci:"+layout+":"+opRef, dest).CombinedOutput()
	require.NoError(t, err, string(out))
	raw, err := exec.Command(skopeo, "inspect", "--raw", "--tls-verify=false", dest).Output()
	require.NoError(t, err)
	assert.Equal(t, pushed[1].Platforms["linux/amd64"].ManifestDigest, bundle.Digest(raw))

	// With every architecture carried, every platform's image copies out of
	// the layout with its upstream digest. (skopeo 1.9 re-serialises an OCI
	// index on `copy --all`, so --preserve-digests refuses a whole-list
	// copy; the index bytes themselves were checked with inspect --raw.)
	outAll := t.TempDir()
	code, _, stderr = ferry(t, "--catalog", cat, "prepare", "--target", "demo", "--arch", "amd64", "--arch", "arm64", "--modules", "operator",
		"--insecure-source", up.Host, "--maven-repo", mvn.URL, "--cache", cache, "--output", outAll, "--progress", "none")
	require.Equal(t, 0, code, stderr)
	dirAll := t.TempDir()
	extract(t, outAll, dirAll)
	opRefAll := up.Host + "/apache/demo-operator:1.0"
	for _, arch := range []string{"amd64", "arm64"} {
		destAll := "docker://" + site.Host + "/apache/demo-operator:" + arch
		out, err = exec.Command(skopeo, "copy", "--preserve-digests", "--override-arch", arch, "--override-os", "linux", "--dest-tls-verify=false",
			"oci:"+filepath.Join(dirAll, "images")+":"+opRefAll, destAll).CombinedOutput()
		require.NoError(t, err, string(out))
		raw, err = exec.Command(skopeo, "inspect", "--raw", "--tls-verify=false", destAll).Output()
		require.NoError(t, err)
		assert.Equal(t, pushed[0].Platforms["linux/"+arch].ManifestDigest, bundle.Digest(raw), arch)
	}
	raw, err = exec.Command(skopeo, "inspect", "--raw", "oci:"+filepath.Join(dirAll, "images")+":"+opRefAll).Output()
	require.NoError(t, err)
	assert.Equal(t, pushed[0].Digest, bundle.Digest(raw))

	// The manifest records the absent arm64 child.
	b, err := bundle.Open(outA)
	require.NoError(t, err)
	m, err := b.ReadManifest(t.Context())
	require.NoError(t, err)
	for _, im := range m.Images {
		if strings.Contains(im.Reference, "demo-builder") {
			assert.Equal(t, []string{pushed[1].Platforms["linux/arm64"].ManifestDigest}, im.Missing)
		}
	}
	var idx bundle.Index
	data, _ := os.ReadFile(filepath.Join(outA, "demo-1.0.ferry.json"))
	require.NoError(t, json.Unmarshal(data, &idx))
	assert.Equal(t, "demo", idx.Target)
}
