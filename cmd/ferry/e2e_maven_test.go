//go:build e2e

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven/maventest"
	"ferry/workflow/plan"
)

// helloProject copies testdata/maven/hello into a fresh folder, since a
// build writes target/ beside its pom.xml.
func helloProject(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "hello")
	require.NoError(t, os.CopyFS(dst, os.DirFS("../../testdata/maven/hello")))
	return dst
}

// mavenBundle plans and prepares the hello project's offline build from
// Debian's Maven artifacts served on loopback.
func mavenBundle(t *testing.T) (string, plan.Plan, *maventest.Server) {
	t.Helper()
	up := maventest.ServeDebianRepository(t)
	pom := filepath.Join(helloProject(t), "pom.xml")
	args := []string{"--maven-pom", pom, "--maven-repo", up.URL, "--maven-version", "3.8.7", "--maven-phases", "clean,package"}
	p, code, stderr := planJSON(t, append([]string{"plan"}, args...)...)
	require.Equal(t, 0, code, stderr)
	out := filepath.Join(t.TempDir(), "bundle")
	code, _, stderr = ferry(t, append([]string{"prepare", "--output", out, "--no-binary", "--cache", t.TempDir(), "--progress", "none"}, args...)...)
	require.Equal(t, 0, code, stderr)
	return out, p, up
}

func TestE2EMavenProjectBuildsOfflineFromTheSiteRepository(t *testing.T) {
	mvn := maventest.NeedMvn(t)
	bundle, p, _ := mavenBundle(t)

	why := map[string]string{}
	for _, m := range p.Maven {
		why[m.Coordinates] = m.Why
	}
	assert.Contains(t, why["org.apache.commons:commons-lang3:3.12.0"], "direct dependency of")
	assert.Equal(t, "relocated to org.apache.maven.plugins:maven-clean-plugin:3.2.0", why["org.apache.maven.plugins:maven-clean-plugin:2.5:pom"], "Maven 3.8's default clean plugin, which Debian relocates")
	assert.Equal(t, "plugin for the clean phase", why["org.apache.maven.plugins:maven-clean-plugin:3.2.0:jar"])
	assert.Equal(t, "relocated to org.apache.maven.plugins:maven-compiler-plugin:3.10.1", why["org.apache.maven.plugins:maven-compiler-plugin:3.1:pom"])
	assert.Equal(t, "plugin for the compile phase", why["org.apache.maven.plugins:maven-compiler-plugin:3.10.1:jar"])
	assert.Contains(t, why, "org.apache.commons:commons-parent:debian:pom", "the parent POM travels")
	assert.Contains(t, why, "org.codehaus.plexus:plexus-utils:1.1", "Maven 3.8 adds plexus-utils 1.1 to plugins without their own")
	// Surefire's junit4 provider, which no POM names, at the version of the
	// surefire-booter it runs with (Debian rewrites it to "debian").
	assert.Contains(t, why["org.apache.maven.surefire:surefire-junit4:debian"], "test provider")

	// Into the site's repository (nginx WebDAV standing in for Nexus).
	dav := maventest.StartNginxDAV(t, "deployer", "dav-s3cret")
	var out, errOut bytes.Buffer
	env := []string{"NO_COLOR=1", "HOME=" + t.TempDir(), "FERRY_MAVEN_USERNAME=deployer", "FERRY_MAVEN_PASSWORD=dav-s3cret"}
	code := runWithEnv(t, &out, &errOut, env, "import", bundle, "--maven-url", dav.URL+"/releases")
	require.Equal(t, 0, code, errOut.String())

	// On a machine with no route anywhere: only loopback, where the site
	// repository is served.
	ns := maventest.NewIsolated(t)
	siteURL := ns.ServeFolder(t, filepath.Join(dav.Root, "releases"))
	cfg := filepath.Join(t.TempDir(), "cfg")
	code, _, stderr := ferry(t, "configure", "--bundle", bundle, "--platform", "maven", "--maven-url", siteURL, "--output", cfg)
	require.Equal(t, 0, code, stderr)
	settings := filepath.Join(cfg, "maven", "settings.xml")

	proj := helloProject(t)
	local := t.TempDir() // an empty local repository
	build := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := ns.Command(ctx, mvn, append([]string{"-B", "-f", filepath.Join(proj, "pom.xml"), "-Dmaven.repo.local=" + local}, args...)...)
		outb, err := cmd.CombinedOutput()
		require.NoError(t, err, "mvn %v:\n%s", args, tail(string(outb), 60))
		return string(outb)
	}
	log := build("-s", settings, "clean", "package")
	assert.Contains(t, log, "BUILD SUCCESS")
	assert.Contains(t, log, "Tests run: 1, Failures: 0")
	assert.NotContains(t, log, "Checksum validation failed", "every file arrived with its checksums")
	assert.FileExists(t, filepath.Join(proj, "target", "hello-1.0.jar"))
}

func TestE2EMavenProjectBuildsOfflineFromAFolder(t *testing.T) {
	mvn := maventest.NeedMvn(t)
	bundle, _, _ := mavenBundle(t)
	dir := filepath.Join(t.TempDir(), "m2")
	code, _, stderr := ferry(t, "import", bundle, "--maven-dir", dir)
	require.Equal(t, 0, code, stderr)

	ns := maventest.NewIsolated(t)
	proj := helloProject(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := ns.Command(ctx, mvn, "-B", "-o", "-f", filepath.Join(proj, "pom.xml"), "-Dmaven.repo.local="+dir, "clean", "package")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "mvn -o:\n%s", tail(string(out), 60))
	assert.Contains(t, string(out), "BUILD SUCCESS")
}

// The closure ferry plans matches what Maven itself resolves for the
// project's dependencies.
func TestE2EMavenClosureMatchesMavenDependencyList(t *testing.T) {
	mvn := maventest.NeedMvn(t)
	up := maventest.ServeDebianRepository(t)
	proj := helloProject(t)
	pom := filepath.Join(proj, "pom.xml")
	p, code, stderr := planJSON(t, "plan", "--maven-pom", pom, "--maven-repo", up.URL, "--maven-version", "3.8.7")
	require.Equal(t, 0, code, stderr)
	var ours []string
	for _, m := range p.Maven {
		if m.Scope != "" {
			gav := strings.SplitN(m.Coordinates, ":", 4)[:3]
			ours = append(ours, strings.Join(gav, ":")+":"+m.Scope)
		}
	}
	slices.Sort(ours)

	settings := writeFile(t, "settings.xml", `<settings><mirrors><mirror><id>up</id><mirrorOf>*</mirrorOf><url>`+up.URL+`</url></mirror></mirrors></settings>`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mvn, "-B", "-s", settings, "-f", pom, "-Dmaven.repo.local="+t.TempDir(),
		"org.apache.maven.plugins:maven-dependency-plugin:3.5.0:list", "-DoutputAbsoluteArtifactFilename=false")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "mvn dependency:list:\n%s", tail(string(out), 60))
	line := regexp.MustCompile(`(?m)^\[INFO\]\s+([\w.-]+):([\w.-]+):(\w+):(?:[\w.-]+:)?([\w.-]+):(\w+)`)
	var theirs []string
	for _, m := range line.FindAllStringSubmatch(string(out), -1) {
		theirs = append(theirs, m[1]+":"+m[2]+":"+m[4]+":"+m[5])
	}
	slices.Sort(theirs)
	require.NotEmpty(t, theirs, "mvn listed dependencies:\n%s", out)
	assert.Equal(t, theirs, ours)
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
