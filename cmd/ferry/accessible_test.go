package main

import (
	"bytes"
	"context"
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
	// product 1 (demo), architectures 1,2, version (latest), modules 1,2,
	// a folder that does not exist yet, then yes.
	input := "1\n1,2\n\n1,2\n" + out + "\ny\n"
	var so, se bytes.Buffer
	code := runIO(context.Background(), []string{"--accessible", "--catalog", cat, "--insecure-source", reg.Host, "--maven-repo", mvn.URL, "--cache", t.TempDir()},
		strings.NewReader(input), &so, &se, []string{"NO_COLOR=1"})
	require.Equal(t, 0, code, so.String()+se.String())
	text := so.String()
	assert.Contains(t, text, "Question 1: which product?")
	assert.Contains(t, text, "1. Demo (demo)")
	assert.Contains(t, text, "The bundle will carry 2 images, 1 Maven artifacts")
	assert.Contains(t, text, "Done. The bundle is in "+out)
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
	code = runIO(context.Background(), []string{"--accessible", "--catalog", cat}, strings.NewReader("9\n"), &so, &se, []string{"NO_COLOR=1"})
	assert.Equal(t, 1, code)
	assert.Contains(t, so.String(), "Please type a number from 1 to 4.")
	oneSentence(t, se.String(), "the input ended")
}
