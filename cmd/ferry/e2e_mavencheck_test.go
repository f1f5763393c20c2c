//go:build e2e

package main

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/bundle/bundletest"
	"ferry/artifacts/maven/maventest"
	"ferry/artifacts/registrytest"
)

// TestE2EImportRefusesADamagedJar flips one byte inside the bundle's jar,
// in its part, as a bad medium would: import into a folder and into a
// WebDAV repository each fail with one sentence naming the jar and the
// part, and leave neither the jar nor its sidecars nor a temporary file.
func TestE2EImportRefusesADamagedJar(t *testing.T) {
	bdir, _ := demoBundle(t)
	b, err := bundle.Open(bdir)
	require.NoError(t, err)
	jar := "maven/org/example/demo/demo-api/1.0/demo-api-1.0.jar"
	part := bundletest.FlipStreamByte(t, bdir, b.Index, bundletest.ContentOffset(t, bdir, b.Index, jar)+12_345)
	want := jar + " in the bundle is damaged: it lies in part " + strconv.Itoa(part) + " of " + strconv.Itoa(len(b.Index.Parts)) +
		" (" + bundle.PartName("demo-1.0", part) + "), which no longer matches its checksum: copy that part again from the original media"
	rel := strings.TrimPrefix(jar, bundle.MavenDir+"/")

	t.Run("folder", func(t *testing.T) {
		mdir := t.TempDir()
		code, stdout, stderr := ferry(t, "import", bdir, "--maven-dir", mdir)
		assert.Equal(t, 1, code)
		assert.NotContains(t, stdout, "Imported")
		oneSentence(t, stderr, want)
		require.NoError(t, filepath.WalkDir(mdir, func(p string, d fs.DirEntry, err error) error {
			assert.False(t, strings.HasSuffix(p, ".ferry-tmp"), "temporary file left: %s", p)
			assert.False(t, strings.Contains(p, "demo-api-1.0.jar"), "damaged jar or its sidecar left: %s", p)
			return err
		}))
	})

	t.Run("repository", func(t *testing.T) {
		dav := maventest.StartNginxDAV(t, "deployer", "dav-s3cret")
		var out, errOut bytes.Buffer
		code := runWithEnv(t, &out, &errOut, []string{"NO_COLOR=1", "HOME=" + t.TempDir(), "FERRY_MAVEN_USERNAME=deployer", "FERRY_MAVEN_PASSWORD=dav-s3cret"},
			"import", bdir, "--maven-url", dav.URL+"/releases")
		assert.Equal(t, 1, code)
		assert.NotContains(t, out.String(), "Imported")
		oneSentence(t, errOut.String(), want)
		for _, ext := range []string{"", ".sha1", ".md5"} {
			assert.NoFileExists(t, filepath.Join(dav.Root, "releases", rel+ext))
		}
	})
}

// TestE2EImportWordsWhatItDid: a registry-only import of a bundle with
// Maven files says they were not loaded and how to load them, and a second
// import sends no bytes and says so.
func TestE2EImportWordsWhatItDid(t *testing.T) {
	bdir, _ := demoBundle(t)
	site := registrytest.StartDistribution(t)
	code, stdout, stderr := ferry(t, "import", bdir, "--registry", site.Host, "--insecure")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "every image digest checked at the registry; the bundle's")
	assert.Contains(t, stdout, "Maven files were not loaded (no Maven destination): run the import again with --maven-url or --maven-dir to load them")
	assert.NotContains(t, stdout, "Maven file checked")

	code, stdout, stderr = ferry(t, "import", bdir, "--registry", site.Host, "--insecure")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "blobs 0 sent")
	assert.Contains(t, stdout, "; 0 B sent\n", "skipped and mounted blobs are not counted as sent")
}
