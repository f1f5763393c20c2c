//go:build e2e

package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/maven"
	"ferry/artifacts/maven/maventest"
	"ferry/artifacts/registrytest"
	"ferry/workflow/importer"
)

// demoBundle prepares the demo images (every architecture unless archs
// says otherwise) and a Maven artifact into a bundle.
func demoBundle(t *testing.T, archs ...string) (string, []registrytest.Pushed) {
	t.Helper()
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, demoImages()...)
	root := t.TempDir()
	maventest.WriteArtifact(t, root, maven.Coordinate{GroupID: "org.example.demo", ArtifactID: "demo-api", Version: "1.0"}, "jar", make([]byte, 30_000), "sha1")
	mvn := maventest.NewServer(t, root)
	if len(archs) == 0 {
		archs = []string{"amd64", "arm64"}
	}
	args := []string{"--catalog", demoCatalog(t, up.Host), "prepare", "--target", "demo", "--modules", "builder,console",
		"--insecure-source", up.Host, "--maven-repo", mvn.URL, "--cache", t.TempDir(), "--output", t.TempDir(), "--progress", "none", "--no-binary", "--split", "256K"}
	for _, a := range archs {
		args = append(args, "--arch", a)
	}
	outDir := t.TempDir()
	for i, a := range args {
		if a == "--output" {
			args[i+1] = outDir
		}
	}
	code, _, stderr := ferry(t, args...)
	require.Equal(t, 0, code, stderr)
	return outDir, pushed
}

func readReport(t *testing.T, base string) importer.Report {
	t.Helper()
	var r importer.Report
	data, err := os.ReadFile(base + ".json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

func TestE2EImportIntoDistributionAndAgain(t *testing.T) {
	bdir, pushed := demoBundle(t)
	site := registrytest.StartDistribution(t)
	proxy := registrytest.NewFaultProxy(t, site)
	dav := maventest.StartNginxDAV(t, "deployer", "dav-s3cret")
	rep := filepath.Join(t.TempDir(), "import")
	run := func() (int, string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		env := []string{"NO_COLOR=1", "HOME=" + t.TempDir(), "FERRY_MAVEN_USERNAME=deployer", "FERRY_MAVEN_PASSWORD=dav-s3cret"}
		code := runWithEnv(t, &out, &errOut, env, "import", bdir, "--registry", proxy.Host+"/mirror", "--insecure",
			"--maven-url", dav.URL+"/releases", "--report", rep)
		return code, out.String(), errOut.String()
	}
	code, stdout, stderr := run()
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Imported demo-1.0")
	first := proxy.UploadBytes()
	assert.Greater(t, first, registrytest.ExpectedUnique(pushed)-200_000, "the blobs crossed the wire once")

	// Every image at its upstream digest, tags kept, paths kept under the prefix.
	for i, n := range []string{"apache/demo-operator", "apache/demo-builder", "apache/demo-console"} {
		d, err := crane.Digest(site.Host+"/mirror/"+n+":1.0", crane.Insecure)
		require.NoError(t, err, n)
		assert.Equal(t, pushed[i].Digest, d, n)
	}
	// Maven files arrived with their sidecars, .md5 added where the bundle had none.
	jar := filepath.Join(dav.Root, "releases/org/example/demo/demo-api/1.0/demo-api-1.0.jar")
	data, err := os.ReadFile(jar)
	require.NoError(t, err)
	sha1hex, md5hex := maven.Sums(data)
	got, _ := os.ReadFile(jar + ".sha1")
	assert.Equal(t, sha1hex, string(got))
	got, _ = os.ReadFile(jar + ".md5")
	assert.Equal(t, md5hex, string(got))

	r := readReport(t, rep)
	assert.True(t, r.Verified)
	assert.Len(t, r.Images, 3)
	assert.Positive(t, r.Blobs.BlobsMounted, "the shared base layer is sent once and mounted into the other repositories")
	md, _ := os.ReadFile(rep + ".md")
	assert.Contains(t, string(md), "# ferry import report")
	assert.NotContains(t, string(md)+string(mustJSON(t, r)), "dav-s3cret", "no secret in the report")

	// Again: nothing is sent.
	code, stdout, stderr = run()
	require.Equal(t, 0, code, stdout+stderr)
	assert.Equal(t, first, proxy.UploadBytes(), "a second import sends no blob bytes")
	r = readReport(t, rep)
	assert.Zero(t, r.Blobs.BlobsSent)
	assert.Zero(t, r.Maven.Uploaded)
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// runWithEnv is ferry() with a chosen environment.
func runWithEnv(t *testing.T, out, errOut *bytes.Buffer, env []string, args ...string) int {
	t.Helper()
	return run(t.Context(), args, out, errOut, env)
}

func TestE2EImportSparseIndexIsReported(t *testing.T) {
	bdir, pushed := demoBundle(t, "amd64")
	site := registrytest.StartDistribution(t)
	code, _, stderr := ferry(t, "import", bdir, "--registry", site.Host, "--insecure")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "refused the index of")
	assert.Contains(t, stderr, "prepare the bundle again with every architecture")
	// The carried platform images are there by digest.
	for i, n := range []string{"apache/demo-operator", "apache/demo-builder"} {
		d := pushed[i].Platforms["linux/amd64"].ManifestDigest
		_, err := crane.Head(site.Host+"/"+n+"@"+d, crane.Insecure)
		assert.NoError(t, err, n)
	}
	// The single-platform console is tagged as usual.
	d, err := crane.Digest(site.Host+"/apache/demo-console:1.0", crane.Insecure)
	require.NoError(t, err)
	assert.Equal(t, pushed[2].Digest, d)
}

func TestE2EImportRefusesBadDestinationsAndBundles(t *testing.T) {
	bdir, _ := demoBundle(t)
	secure := registrytest.StartDistribution(t, registrytest.WithBasicAuth("ferry", "right-password"))
	plain := registrytest.StartDistribution(t)
	denied := registrytest.NewFaultProxy(t, plain)
	denied.DenyPush()
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"wrong password", []string{"FERRY_REGISTRY_USERNAME=ferry", "FERRY_REGISTRY_PASSWORD=wrong"},
			[]string{"--registry", secure.Host, "--ca-file", secure.CAFile}, "refused the credentials"},
		{"untrusted CA", []string{"FERRY_REGISTRY_USERNAME=ferry", "FERRY_REGISTRY_PASSWORD=right-password"},
			[]string{"--registry", secure.Host}, "the certificate of " + secure.Host + " is not trusted"},
		{"no push permission", nil, []string{"--registry", denied.Host, "--insecure"}, "does not let these credentials push"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := runWithEnv(t, &out, &errOut, append([]string{"NO_COLOR=1", "HOME=" + t.TempDir()}, tc.env...), append([]string{"import", bdir}, tc.args...)...)
			assert.Equal(t, 1, code)
			oneSentence(t, errOut.String(), tc.want)
			importCmd, _, err := newRoot(&app{stdout: &out, stderr: &errOut}).Find([]string{"import"})
			require.NoError(t, err)
			assertOnlyItsFlags(t, importCmd, errOut.String())
			assert.NotContains(t, out.String(), "Imported")
			assert.NotContains(t, out.String()+errOut.String(), "right-password")
		})
	}
	// The same with --check: the checklist and the sentence.
	var out, errOut bytes.Buffer
	code := runWithEnv(t, &out, &errOut, []string{"NO_COLOR=1", "FERRY_REGISTRY_USERNAME=ferry", "FERRY_REGISTRY_PASSWORD=right-password"},
		"import", bdir, "--registry", secure.Host, "--ca-file", secure.CAFile, "--check")
	require.Equal(t, 0, code, errOut.String())
	for _, c := range []string{"reachable", "certificate trusted", "login accepted", "push allowed"} {
		assert.Contains(t, out.String(), "✓ "+c)
	}

	// A damaged part: the damaged blob is found, nothing reported as loaded.
	idx, err := bundle.Open(bdir)
	require.NoError(t, err)
	p := filepath.Join(bdir, idx.Index.Parts[2].Name)
	data, _ := os.ReadFile(p)
	data[3000] ^= 0xff
	require.NoError(t, os.WriteFile(p, data, 0o644))
	code, stdout, stderr := ferry(t, "import", bdir, "--registry", plain.Host, "--insecure", "--progress", "none")
	assert.Equal(t, 1, code)
	assert.NotContains(t, stdout, "Imported")
	oneSentence(t, stderr, "part 3 of "+strconv.Itoa(len(idx.Index.Parts))+" ("+idx.Index.Parts[2].Name+") is damaged (its checksum does not match): copy it again")
	data[3000] ^= 0xff
	require.NoError(t, os.WriteFile(p, data, 0o644))

	// A missing part.
	require.NoError(t, os.Rename(p, p+".away"))
	code, _, stderr = ferry(t, "import", bdir, "--registry", plain.Host, "--insecure")
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "part 3 of")
	assert.Contains(t, stderr, "is missing: copy it again from the original media")
	require.NoError(t, os.Rename(p+".away", p))

	// Another format version.
	ip := filepath.Join(bdir, bundle.IndexName(idx.Index.Name))
	raw, _ := os.ReadFile(ip)
	require.NoError(t, os.WriteFile(ip, bytes.Replace(raw, []byte(`"formatVersion": 1`), []byte(`"formatVersion": 3`), 1), 0o644))
	code, _, stderr = ferry(t, "import", bdir, "--registry", plain.Host, "--insecure")
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "is bundle format 3 and this ferry reads formats 1 and 2")
	// An index of the delta format over a full bundle's parts.
	require.NoError(t, os.WriteFile(ip, bytes.Replace(raw, []byte(`"formatVersion": 1`), []byte(`"formatVersion": 2`), 1), 0o644))
	code, _, stderr = ferry(t, "import", bdir, "--registry", plain.Host, "--insecure")
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "the bundle index says format 2 and its manifest format 1")
	require.NoError(t, os.WriteFile(ip, raw, 0o644))
}

func TestE2EImportRefusesAPathThatEscapes(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	m := []byte(`{"formatVersion":1,"kind":"FerryBundle","plan":{},"images":[],"maven":[],"files":[]}`)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: bundle.ManifestName, Mode: 0o644, Size: int64(len(m)), Typeflag: tar.TypeReg}))
	_, _ = tw.Write(m)
	evil := []byte("owned")
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "maven/../../etc/evil", Mode: 0o644, Size: int64(len(evil)), Typeflag: tar.TypeReg}))
	_, _ = tw.Write(evil)
	require.NoError(t, tw.Close())
	part := buf.Bytes()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "evil.part001"), part, 0o644))
	idx := bundle.Index{FormatVersion: 1, Kind: bundle.IndexKind, Name: "evil", ManifestDigest: bundle.Digest(m), Size: int64(len(part)), PartSize: int64(len(part)),
		Parts: []bundle.Part{{Name: "evil.part001", Size: int64(len(part)), SHA256: strings.TrimPrefix(bundle.Digest(part), "sha256:")}}}
	ij, _ := json.Marshal(idx)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "evil.ferry.json"), ij, 0o644))
	mdir := t.TempDir()
	code, _, stderr := ferry(t, "import", dir, "--maven-dir", mdir)
	assert.Equal(t, 1, code)
	oneSentence(t, stderr, "path escapes the bundle")
	code, _, stderr = ferry(t, "verify", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "path escapes the bundle")
	entries, _ := os.ReadDir(mdir)
	assert.Empty(t, entries)
}

func TestE2EMavenRedeployConflictIsClear(t *testing.T) {
	bdir, _ := demoBundle(t)
	// The repository already holds a different jar at the same path, and
	// refuses redeploys as Nexus does.
	conflict := maventest.NewRejectingRedeploy(t)
	jar := "org/example/demo/demo-api/1.0/demo-api-1.0.jar"
	conflict.Hold(jar, []byte("another jar"))
	var out, errOut bytes.Buffer
	code := runWithEnv(t, &out, &errOut, []string{"NO_COLOR=1"}, "import", bdir, "--maven-url", conflict.URL)
	assert.Equal(t, 1, code)
	oneSentence(t, errOut.String(), "already holds "+jar+" with different content and refuses to replace it (HTTP 409")
}

func TestE2EKilledImportCompletesWhenRunAgain(t *testing.T) {
	up := registrytest.StartDistribution(t)
	pushed := up.Push(t, bigImages()...)
	out := t.TempDir()
	code, _, stderr := ferry(t, "--catalog", noMavenCatalog(t, up.Host), "prepare", "--target", "demo", "--arch", "amd64",
		"--insecure-source", up.Host, "--cache", t.TempDir(), "--output", out, "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	site := registrytest.StartDistribution(t)
	proxy := registrytest.NewFaultProxy(t, site)
	proxy.ThrottleUploads(2_000_000)
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	cmd := exec.Command(bin, "import", out, "--registry", proxy.Host, "--insecure")
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(20 * time.Second)
	for proxy.UploadBytes() < 1_500_000 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	_, err := crane.Head(proxy.Host+"/apache/demo-operator:1.0", crane.Insecure)
	require.Error(t, err, "nothing tagged yet")

	proxy.ThrottleUploads(0)
	code, stdout, stderr := ferry(t, "import", out, "--registry", proxy.Host, "--insecure")
	require.Equal(t, 0, code, stdout+stderr)
	d, err := crane.Digest(proxy.Host+"/apache/demo-operator:1.0", crane.Insecure)
	require.NoError(t, err)
	assert.Equal(t, pushed[0].Digest, d)
}

func TestE2EImportMavenIntoAFolder(t *testing.T) {
	bdir, _ := demoBundle(t)
	mdir := t.TempDir()
	code, stdout, stderr := ferry(t, "import", bdir, "--maven-dir", mdir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Maven: ")
	jar := filepath.Join(mdir, "org/example/demo/demo-api/1.0/demo-api-1.0.jar")
	data, err := os.ReadFile(jar)
	require.NoError(t, err)
	sha1hex, _ := maven.Sums(data)
	got, err := os.ReadFile(jar + ".sha1")
	require.NoError(t, err)
	assert.Equal(t, sha1hex, string(got))
	assert.FileExists(t, jar+".md5", "added where the bundle had none")
	// Again: nothing copied.
	code, stdout, _ = ferry(t, "import", bdir, "--maven-dir", mdir)
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "(0 uploaded")
}

func TestE2EImportFlatRepoMapping(t *testing.T) {
	bdir, pushed := demoBundle(t)
	site := registrytest.StartDistribution(t)
	code, _, stderr := ferry(t, "import", bdir, "--registry", site.Host+"/mirror", "--insecure", "--repo-mapping", "flat")
	require.Equal(t, 0, code, stderr)
	d, err := crane.Digest(site.Host+"/mirror/apache-demo-operator:1.0", crane.Insecure)
	require.NoError(t, err)
	assert.Equal(t, pushed[0].Digest, d)
	cfg := t.TempDir()
	code, _, stderr = ferry(t, "configure", "--bundle", bdir, "--registry", site.Host+"/mirror", "--repo-mapping", "flat", "--insecure", "--platform", "crio", "--output", cfg)
	require.Equal(t, 0, code, stderr)
	conf, err := os.ReadFile(filepath.Join(cfg, "crio/registries.conf.d/50-ferry-demo-1-0.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(conf), `location = "`+site.Host+`/mirror/apache-demo-operator"`)
}
