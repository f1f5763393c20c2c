package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/maven"
	"ferry/artifacts/maven/maventest"
	"ferry/artifacts/registrytest"
	"ferry/artifacts/signature"
)

// TestAccessiblePromptsMakeABundle answers the plain prompts from a pipe,
// as a screen reader user would type them, against in-process servers.
func TestAccessiblePromptsMakeABundle(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	reg.Push(t, registrytest.ImageSpec{Repo: "apache/demo-operator", Tag: "1.0", Platforms: []string{"linux/amd64", "linux/arm64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 20_000}}})
	reg.Push(t, registrytest.ImageSpec{Repo: "apache/demo-builder", Tag: "1.0", Platforms: []string{"linux/amd64", "linux/arm64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 20_000}, {Name: "jdk", Size: 5_000}}})
	root := t.TempDir()
	maventest.WriteArtifact(t, root, maven.Coordinate{GroupID: "org.example.demo", ArtifactID: "demo-api", Version: "1.0"}, "jar", []byte("jar"), "sha1")
	mvn := maventest.NewServer(t, root)
	cat := writeFile(t, "catalog.yaml", `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: demo
    title: Demo
    archs: [amd64, arm64]
    versions: [{version: "1.0"}]
    modules:
      - name: operator
        title: Operator
        required: true
        images: ["`+reg.Host+`/apache/demo-operator:${version}"]
        maven: ["org.example.demo:demo-api:${version}"]
      - name: builder
        title: Builder
        images: ["`+reg.Host+`/apache/demo-builder:${version}"]
`)
	out := filepath.Join(t.TempDir(), "bundle")
	// the side (prepare), product 1 (demo), architectures 1,2, version
	// (latest), modules: back, then 1,2, a folder that does not exist yet,
	// no signing key, then yes.
	input := "1\n1\n1,2\n\nback\n\n1,2\n" + out + "\n\ny\n"
	var so, se bytes.Buffer
	code := runIO(context.Background(), []string{"--accessible", "--catalog", cat, "--insecure-source", reg.Host, "--maven-repo", mvn.URL, "--cache", t.TempDir()},
		strings.NewReader(input), &so, &se, []string{"NO_COLOR=1"})
	require.Equal(t, 0, code, so.String()+se.String())
	text := so.String()
	assert.Contains(t, text, "Question 1: which product?")
	assert.Equal(t, 2, strings.Count(text, "Question 3: which version?"), "back from the modules returns to the version")
	assert.Contains(t, text, "1. Demo (demo)")
	assert.Contains(t, text, "The bundle will carry 2 images, 1 Maven artifacts")
	assert.Contains(t, text, "Done. The bundle is in "+out)
	assertSuggestionsAreReal(t, text)
	assert.Contains(t, text, "Not signed.")
	b, err := bundle.Open(out)
	require.NoError(t, err)
	assert.Contains(t, text, "The bundle's code is "+strings.Join(strings.Split(b.Index.ShortCode, ""), " "))
	_, err = b.Verify(t.Context(), false, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"amd64", "arm64"}, b.Index.Archs)
	assert.Equal(t, []string{"operator", "builder"}, b.Index.Modules)

	// A wrong answer is asked again; an ended input is one sentence.
	so.Reset()
	se.Reset()
	code = runIO(context.Background(), []string{"--accessible", "--catalog", cat}, strings.NewReader("1\n9\n"), &so, &se, []string{"NO_COLOR=1"})
	assert.Equal(t, 1, code)
	assert.Contains(t, so.String(), "Please type a number from 1 to 4.")
	oneSentence(t, se.String(), "the input ended")
}

// TestAccessiblePromptsSignTheBundle: the key given with --sign-key is
// the signing question's default; FERRY_KEY_PASSWORD opens it; the
// bundle is signed at the end, verifies with the public key, and neither
// the key's name nor its password is anywhere in the bundle's folder.
func TestAccessiblePromptsSignTheBundle(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	reg.Push(t, registrytest.ImageSpec{Repo: "apache/demo-operator", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 20_000}}})
	cat := writeFile(t, "catalog.yaml", `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: demo
    title: Demo
    archs: [amd64]
    modules:
      - name: operator
        title: Operator
        required: true
        images: ["`+reg.Host+`/apache/demo-operator:1.0"]
`)
	keys, err := signature.Generate(filepath.Join(t.TempDir(), "engineer-signing"), "correct horse", "")
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "bundle")
	// the side, product, architecture, modules, folder, the key (the
	// default), yes.
	input := "1\n1\n\n\n" + out + "\n\ny\n"
	var so, se bytes.Buffer
	code := runIO(context.Background(), []string{"--accessible", "--catalog", cat, "--insecure-source", reg.Host, "--cache", t.TempDir(), "--sign-key", keys.Private},
		strings.NewReader(input), &so, &se, []string{"NO_COLOR=1", "FERRY_KEY_PASSWORD=correct horse"})
	require.Equal(t, 0, code, so.String()+se.String())
	text := so.String()
	assert.Contains(t, text, "Signing key ["+keys.Private+"]:")
	assert.Contains(t, text, "The bundle will be signed as "+keys.Fingerprint+".")
	assert.Contains(t, text, "Signed by "+keys.Fingerprint)
	code, _, stderr := ferry(t, "verify", out, "--key", keys.Public)
	require.Equal(t, 0, code, stderr)
	require.NoError(t, filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() || d.Name() == "ferry" { // the binary copied beside it is this test's
			return nil
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.False(t, strings.Contains(string(data), "engineer-signing"), "the key's name is in %s", p)
		assert.False(t, strings.Contains(string(data), "correct horse"), "the password is in %s", p)
		return nil
	}))
}

// TestAccessibleFarSideWithBack walks the far side's plain prompts against
// in-process registries: a bundle made by ferry prepare, loaded into a
// site registry, with "back" taken twice on the way.
func TestAccessibleFarSideWithBack(t *testing.T) {
	up := registrytest.StartInProcess(t)
	pushed := up.Push(t, registrytest.ImageSpec{Repo: "apache/demo-operator", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 20_000}}})
	cat := writeFile(t, "catalog.yaml", `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: demo
    title: Demo
    archs: [amd64]
    versions: [{version: "1.0"}]
    modules:
      - name: operator
        title: Operator
        required: true
        images: ["`+up.Host+`/apache/demo-operator:${version}"]
`)
	stick := filepath.Join(t.TempDir(), "stick")
	code, _, stderr := ferry(t, "--catalog", cat, "prepare", "--target", "demo", "--arch", "amd64", "--insecure-source", up.Host,
		"--cache", t.TempDir(), "--output", stick, "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	site := registrytest.StartInProcess(t)
	work := t.TempDir()
	t.Chdir(work)

	input := strings.Join([]string{
		stick,                     // Q1: the folder
		"back",                    // Q2: back to Q1
		stick,                     // Q1 again
		"y",                       // Q2: the codes match; verify
		"",                        // Q3: load into the registry
		site.Host + "/mirror", "", // Q4: registry, no Maven
		"", "", // Q5: no username, no CA file
		"back", // plain HTTP? back to Q4
		"", "", // Q4: keep the registry typed, no Maven
		"", "", "y", // Q5: plain HTTP
		"",  // load now
		"2", // Q6: crio
	}, "\n") + "\n"
	var so, se bytes.Buffer
	code = runIO(context.Background(), []string{"import", "--accessible"}, strings.NewReader(input), &so, &se,
		[]string{"NO_COLOR=1", "HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir()})
	text := so.String()
	require.Equal(t, 0, code, text+se.String())
	b, err := bundle.Open(stick)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(text, "Question 1: where is the bundle?"), "back returned to the first question")
	assert.Contains(t, text, "Its code is "+strings.Join(strings.Split(b.Index.ShortCode, ""), " "))
	assert.Contains(t, text, "The bundle is whole")
	assert.Equal(t, 2, strings.Count(text, "Question 4: where does it go?"), "once, and back to it from Question 5")
	assert.Contains(t, text, "Registry address (host:port, and a folder prefix if you like, e.g. registry.site:5000/mirror; empty for none) ["+site.Host+"/mirror]:")
	assert.Contains(t, text, "  ok: push allowed")
	assert.Contains(t, text, "Loaded 1 images into "+site.Host+"/mirror.")
	assert.Contains(t, text, "crio: written to "+filepath.Join(work, "mirror-config")+"/crio. Steps to apply it:")
	assert.Contains(t, text, "Report: "+filepath.Join(stick, b.Index.Name+"-import-report.md"))
	d, err := crane.Digest(site.Host+"/mirror/apache/demo-operator:1.0", crane.Insecure)
	require.NoError(t, err)
	assert.Equal(t, pushed[0].Digest, d)
	assert.FileExists(t, filepath.Join(work, "mirror-config", "crio", "STEPS.md"))
	assertSuggestionsAreReal(t, text)
}

// TestAccessibleAsksTheSideFirst: the wizard's plain prompts start with
// the side, so import is reachable there too; back on a side's first
// question asks the side again.
func TestAccessibleAsksTheSideFirst(t *testing.T) {
	t.Chdir(t.TempDir())
	var so, se bytes.Buffer
	code := runIO(context.Background(), []string{"--accessible"}, strings.NewReader("2\nback\n2\n/nowhere\n"), &so, &se,
		[]string{"NO_COLOR=1", "HOME=" + t.TempDir()})
	assert.Equal(t, 1, code)
	text := so.String()
	assert.Equal(t, 2, strings.Count(text, "which side of the gap are you on?"))
	assert.Contains(t, text, "  2. Import a bundle (this machine is on the site)")
	assert.Contains(t, text, "That is not a bundle ferry can read")
	oneSentence(t, se.String(), `no answer to "Type the folder the bundle is in": the input ended`)
}
