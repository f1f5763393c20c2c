//go:build e2e

package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven"
	"ferry/artifacts/maven/maventest"
	"ferry/artifacts/registrytest"
	"ferry/workflow/plan"
)

// demoImages is a small product: two multi-arch images and one single-arch
// image, all sharing a base layer, so de-duplication has work to do.
func demoImages() []registrytest.ImageSpec {
	return []registrytest.ImageSpec{
		{Repo: "apache/demo-operator", Tag: "1.0", Platforms: []string{"linux/amd64", "linux/arm64"}, Index: true,
			Layers: []registrytest.LayerSpec{{Name: "base", Size: 300_000}, {Name: "operator", Size: 120_000}}},
		{Repo: "apache/demo-builder", Tag: "1.0", Platforms: []string{"linux/amd64", "linux/arm64"}, Index: true,
			Layers: []registrytest.LayerSpec{{Name: "base", Size: 300_000}, {Name: "jdk", Size: 250_000}, {Name: "tools", Size: 40_000, SharedAcrossPlatforms: true}}},
		{Repo: "apache/demo-console", Tag: "1.0", Platforms: []string{"linux/amd64"},
			Layers: []registrytest.LayerSpec{{Name: "base", Size: 300_000}, {Name: "console", Size: 60_000}}},
	}
}

func demoCatalog(t *testing.T, host string) string {
	t.Helper()
	return writeFile(t, "catalog.yaml", fmt.Sprintf(`apiVersion: ferry/v1
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
        images: ["%[1]s/apache/demo-operator:${version}"]
        maven: ["org.example.demo:demo-api:${version}"]
      - name: builder
        title: Builder
        default: true
        images: ["%[1]s/apache/demo-builder:${version}"]
      - name: console
        title: Console
        images: ["%[1]s/apache/demo-console:${version}"]
`, host))
}

func planJSON(t *testing.T, args ...string) (plan.Plan, int, string) {
	t.Helper()
	code, out, errOut := ferry(t, append(args, "--output", "json")...)
	var p plan.Plan
	if out != "" {
		require.NoError(t, json.Unmarshal([]byte(out), &p), out)
	}
	return p, code, errOut
}

func TestE2EPlanAgainstDistributionRegistry(t *testing.T) {
	reg := registrytest.StartDistribution(t)
	pushed := reg.Push(t, demoImages()...)
	mavenRoot := t.TempDir()
	written := maventest.WriteArtifact(t, mavenRoot, maven.Coordinate{GroupID: "org.example.demo", ArtifactID: "demo-api", Version: "1.0"}, "jar", make([]byte, 54_321), "sha1", "md5")
	mvn := maventest.NewServer(t, mavenRoot)
	var mavenBytes int64
	for _, n := range written {
		mavenBytes += n
	}
	cat := demoCatalog(t, reg.Host)
	common := []string{"--catalog", cat, "plan", "--target", "demo", "--insecure-source", reg.Host, "--maven-repo", mvn.URL}

	// Default modules (operator, builder), one architecture.
	p, code, errOut := planJSON(t, append(common, "--arch", "amd64")...)
	require.Equal(t, 0, code, errOut)
	opBuilder := pushed[:2]
	assert.Equal(t, registrytest.ExpectedListed(opBuilder, "amd64"), p.Totals.Images.Listed)
	assert.Equal(t, registrytest.ExpectedUnique(opBuilder, "amd64"), p.Totals.Images.Unique)
	assert.Less(t, p.Totals.Images.Unique, p.Totals.Images.Listed, "the base layer is shared")
	assert.Equal(t, mavenBytes, p.Totals.Maven.Unique)
	assert.Equal(t, registrytest.ExpectedUnique(opBuilder, "amd64")+mavenBytes, p.Totals.Unique)
	require.Len(t, p.Images, 2)
	for i, im := range p.Images {
		assert.Equal(t, pushed[i].Digest, im.Digest, "the original index digest")
		assert.Equal(t, []string{"linux/amd64"}, im.Platforms)
		assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, im.AvailablePlatforms)
	}

	// Both architectures and every module.
	p, code, errOut = planJSON(t, append(common, "--arch", "amd64", "--arch", "arm64", "--modules", "builder,console")...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, registrytest.ExpectedListed(pushed), p.Totals.Images.Listed)
	assert.Equal(t, registrytest.ExpectedUnique(pushed), p.Totals.Images.Unique)
	assert.Equal(t, []string{"operator", "builder", "console"}, moduleNames(p))
	assert.Len(t, p.Totals.Archs, 2)

	// The console exists only for amd64: asking for arm64 alone names it.
	p, code, errOut = planJSON(t, append(common, "--arch", "arm64", "--modules", "console")...)
	assert.Equal(t, 1, code)
	require.Len(t, p.Errors, 1)
	assert.Contains(t, p.Errors[0].Message, "apache/demo-console:1.0 is built only for linux/amd64, not for arm64")
	assert.Contains(t, errOut, "is built only for linux/amd64")
	assert.Equal(t, registrytest.ExpectedUnique(pushed[:1], "arm64")+mavenBytes, p.Totals.Unique, "what resolved (the required operator) is still totalled")

	// The table says the same.
	code, out, _ := ferry(t, append(common, "--arch", "amd64")...)
	require.Equal(t, 0, code)
	assert.Contains(t, out, reg.Host+"/apache/demo-operator:1.0")
	assert.Contains(t, out, "org.example.demo:demo-api:1.0")
	assert.Contains(t, out, "fits on every common medium")
}

func moduleNames(p plan.Plan) []string {
	var out []string
	for _, m := range p.Selection.Modules {
		out = append(out, m.Name)
	}
	return out
}

func TestE2EMirrorKeepsOriginalReferences(t *testing.T) {
	reg := registrytest.StartDistribution(t)
	pushed := reg.Push(t, demoImages()[0])
	imgs := writeFile(t, "images.txt", "upstream.example.test/apache/demo-operator:1.0\n")
	p, code, errOut := planJSON(t, "plan", "--images", imgs, "--arch", "arm64",
		"--source-mirror", "upstream.example.test="+reg.Host, "--insecure-source", reg.Host)
	require.Equal(t, 0, code, errOut)
	require.Len(t, p.Images, 1)
	assert.Equal(t, "upstream.example.test/apache/demo-operator:1.0", p.Images[0].Reference)
	assert.Equal(t, pushed[0].Digest, p.Images[0].Digest)
	assert.Equal(t, registrytest.ExpectedUnique(pushed, "arm64"), p.Totals.Unique)
}

func TestE2EBadRegistryInput(t *testing.T) {
	plain := registrytest.StartDistribution(t)
	plain.Push(t, demoImages()[2])
	secure := registrytest.StartDistribution(t, registrytest.WithTLS(), registrytest.WithBasicAuth("ferry", "right-password"))
	secure.Push(t, demoImages()[2])
	secret := func(user, pass string) string {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		return writeFile(t, "pull.json", fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, secure.Host, auth))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	l.Close()

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing tag", []string{"--arch", "amd64", "--insecure-source", plain.Host, "--images", writeFile(t, "i", plain.Host+"/apache/demo-console:9.9\n")},
			plain.Host + "/apache/demo-console:9.9 does not exist on " + plain.Host + ": check the repository name and the tag"},
		{"plain HTTP not named", []string{"--arch", "amd64", "--images", writeFile(t, "i", plain.Host+"/apache/demo-console:1.0\n")},
			"add --insecure-source " + plain.Host},
		{"untrusted certificate", []string{"--arch", "amd64", "--pull-secret", secret("ferry", "right-password"), "--images", writeFile(t, "i", secure.Host+"/apache/demo-console:1.0\n")},
			"the certificate of " + secure.Host + " is not trusted"},
		{"wrong password", []string{"--arch", "amd64", "--ca-file", secure.CAFile, "--pull-secret", secret("ferry", "wrong-password"), "--images", writeFile(t, "i", secure.Host+"/apache/demo-console:1.0\n")},
			secure.Host + " refused the credentials for " + secure.Host + "/apache/demo-console:1.0"},
		{"unreachable", []string{"--arch", "amd64", "--images", writeFile(t, "i", closed+"/apache/demo-console:1.0\n")},
			"cannot reach " + closed + " (connection refused)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := ferry(t, append([]string{"plan"}, tc.args...)...)
			assert.Equal(t, 1, code)
			oneSentence(t, errOut, tc.want)
			assert.Contains(t, out, "1 item could not be resolved")
			assert.NotContains(t, out+errOut, "password", "no credential is ever printed")
		})
	}

	// With the CA and the right password, the same image resolves.
	code, _, errOut := ferry(t, "plan", "--arch", "amd64", "--ca-file", secure.CAFile, "--pull-secret", secret("ferry", "right-password"),
		"--images", writeFile(t, "i", secure.Host+"/apache/demo-console:1.0\n"))
	assert.Equal(t, 0, code, errOut)
}

func TestE2EMavenFailures(t *testing.T) {
	root := t.TempDir()
	maventest.WriteArtifact(t, root, maven.Coordinate{GroupID: "org.example", ArtifactID: "lib", Version: "1.0"}, "jar", []byte("jar"), "sha1")
	srv := maventest.NewServer(t, root)
	srv.RequireAuth("reader", "letmein")
	list := writeFile(t, "maven.txt", "org.example:lib:1.0\n")

	code, _, errOut := ferry(t, "plan", "--maven", list, "--maven-repo", strings.Replace(srv.URL, "://", "://reader:nope@", 1))
	assert.Equal(t, 1, code)
	oneSentence(t, errOut, "refused the credentials")
	assert.NotContains(t, errOut, "nope")

	p, code, errOut := planJSON(t, "plan", "--maven", list, "--maven-repo", strings.Replace(srv.URL, "://", "://reader:letmein@", 1))
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, srv.URL, p.Maven[0].Repository, "credentials never reach the plan")

	missing := writeFile(t, "maven.txt", "org.example:other:2.0\n")
	code, _, errOut = ferry(t, "plan", "--maven", missing, "--maven-repo", strings.Replace(srv.URL, "://", "://reader:letmein@", 1))
	assert.Equal(t, 1, code)
	oneSentence(t, errOut, "org.example:other:2.0 was not found in any Maven repository (tried "+srv.URL+")")
}

// TestE2EBinary builds bin/ferry the way users do and runs it once.
func TestE2EBinary(t *testing.T) {
	reg := registrytest.StartDistribution(t)
	pushed := reg.Push(t, demoImages()...)
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	cmd := exec.Command(bin, "--catalog", demoCatalog(t, reg.Host), "plan", "--target", "demo", "--arch", "arm64",
		"--modules", "operator", "--insecure-source", reg.Host, "--maven-repo", "http://127.0.0.1:1", "-o", "json")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.Output()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the Maven repository is unreachable, so the plan is incomplete")
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, string(ee.Stderr), "cannot reach the Maven repository http://127.0.0.1:1")
	var p plan.Plan
	require.NoError(t, json.Unmarshal(out, &p))
	assert.Equal(t, registrytest.ExpectedUnique(pushed[:1], "arm64"), p.Totals.Images.Unique)
}
