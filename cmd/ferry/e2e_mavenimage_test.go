//go:build e2e

package main

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven/maventest"
	"ferry/artifacts/registrytest"
)

// tarOf writes dir's files under prefix in a layer, with extra entries.
func tarOf(t *testing.T, dir, prefix string, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if err := tw.WriteHeader(&tar.Header{Name: prefix + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	}))
	for name, content := range extra {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(content))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// The SonataFlow case: a builder image holds the offline Maven repository
// a build needs; ferry carries that repository without the image, and the
// far side builds offline from it.
func TestE2EMavenRepositoryFromAnImageBuildsOffline(t *testing.T) {
	mvn := maventest.NeedMvn(t)

	// A complete offline repository for the hello project, as a builder
	// image would hold it after `mvn dependency:go-offline`.
	bundle, _, _ := mavenBundle(t)
	repo := filepath.Join(t.TempDir(), "m2")
	code, _, stderr := ferry(t, "import", bundle, "--maven-dir", repo)
	require.Equal(t, 0, code, stderr)
	const inImage = "home/kogito/.m2/repository"
	base := tarOf(t, repo, inImage, map[string]string{
		inImage + "/org/apache/commons/commons-lang3/3.12.0/_remote.repositories": "commons-lang3-3.12.0.jar>central=\n",
		inImage + "/junk/leftover/1.0/leftover-1.0.jar":                           "removed by the next layer",
		"etc/motd": "not in the repository",
	})
	var top bytes.Buffer
	tw := tar.NewWriter(&top)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: inImage + "/junk/.wh.leftover", Typeflag: tar.TypeReg}))
	require.NoError(t, tw.Close())
	img, err := mutate.AppendLayers(empty.Image,
		static.NewLayer(base, types.OCIUncompressedLayer), static.NewLayer(top.Bytes(), types.OCIUncompressedLayer))
	require.NoError(t, err)
	reg := registrytest.StartInProcess(t)
	ref, err := name.ParseReference(reg.Host+"/kogito/builder:1.0", name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, img, remote.WithTransport(reg.Transport())))

	cat := writeFile(t, "catalog.yaml", `apiVersion: ferry/v1
kind: Catalog
targets:
  - name: flow
    title: Workflows
    archs: [amd64]
    versions: [{version: "1.0"}]
    modules:
      - name: maven
        title: Maven repository of the builder
        required: true
        mavenFromImages:
          - image: `+reg.Host+`/kogito/builder:${version}
            path: /home/kogito/.m2/repository
`)
	args := []string{"--catalog", cat, "--target", "flow", "--arch", "amd64", "--insecure-source", reg.Host}
	p, code, stderr := planJSON(t, append([]string{"plan"}, args...)...)
	require.Equal(t, 0, code, stderr)
	require.Empty(t, p.Images, "the image itself is not carried")
	paths := map[string]bool{}
	for _, m := range p.Maven {
		require.NotNil(t, m.Image, m.Coordinates)
		assert.Equal(t, "/home/kogito/.m2/repository", m.Image.Path)
		for _, f := range m.Files {
			paths[f.Path] = true
		}
	}
	assert.True(t, paths["org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0.jar"])
	assert.False(t, paths["org/apache/commons/commons-lang3/3.12.0/_remote.repositories"], "the local repository's bookkeeping stays behind")
	assert.False(t, paths["junk/leftover/1.0/leftover-1.0.jar"], "a file an upper layer deleted is not there")
	require.NotEmpty(t, p.Notes)
	assert.Contains(t, p.Notes[0].Text, "Maven artifacts from /home/kogito/.m2/repository")

	out := filepath.Join(t.TempDir(), "bundle")
	code, _, stderr = ferry(t, append([]string{"prepare", "--output", out, "--no-binary", "--cache", t.TempDir(), "--progress", "none"}, args...)...)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = ferry(t, "verify", out)
	require.Equal(t, 0, code, stderr)
	dir := filepath.Join(t.TempDir(), "site-m2")
	code, _, stderr = ferry(t, "import", out, "--maven-dir", dir)
	require.Equal(t, 0, code, stderr)

	ns := maventest.NewIsolated(t)
	proj := helloProject(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build, err := ns.Command(ctx, mvn, "-B", "-o", "-f", filepath.Join(proj, "pom.xml"), "-Dmaven.repo.local="+dir, "clean", "package").CombinedOutput()
	require.NoError(t, err, "mvn -o:\n%s", tail(string(build), 60))
	assert.True(t, strings.Contains(string(build), "BUILD SUCCESS"))
}
