//go:build e2e

package maventest_test

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven/maventest"
)

func TestDebianRepository(t *testing.T) {
	root := maventest.DebianRepository(t)
	start := time.Now()
	assert.Equal(t, root, maventest.DebianRepository(t), "one copy per test process")
	assert.Less(t, time.Since(start), time.Second, "the second call does not copy again")

	pom := filepath.Join(root, "org/apache/maven/maven-core/3.8.7/maven-core-3.8.7.pom")
	data, err := os.ReadFile(pom)
	require.NoError(t, err)
	sha, md := sha1.Sum(data), md5.Sum(data)
	assertFile(t, pom+".sha1", hex.EncodeToString(sha[:]))
	assertFile(t, pom+".md5", hex.EncodeToString(md[:]))

	var core struct {
		GroupID    string   `xml:"groupId"`
		ArtifactID string   `xml:"artifactId"`
		Release    string   `xml:"versioning>release"`
		Versions   []string `xml:"versioning>versions>version"`
	}
	meta := filepath.Join(root, "org/apache/maven/maven-core/maven-metadata.xml")
	data, err = os.ReadFile(meta)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(data, &core))
	assert.Equal(t, "org.apache.maven", core.GroupID)
	assert.Equal(t, "maven-core", core.ArtifactID)
	assert.Contains(t, core.Versions, "3.8.7")
	assert.Contains(t, core.Versions, "3.x", "Debian's alias versions are listed too")
	assert.Equal(t, "3.8.7", core.Release)
	sha = sha1.Sum(data)
	assertFile(t, meta+".sha1", hex.EncodeToString(sha[:]))

	var compiler struct {
		Versions []string `xml:"versioning>versions>version"`
	}
	data, err = os.ReadFile(filepath.Join(root, "org/apache/maven/plugins/maven-compiler-plugin/maven-metadata.xml"))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(data, &compiler))
	assert.Equal(t, []string{"3.1", "3.2", "3.6.2", "3.10.1"}, compiler.Versions, "Maven's order, not the strings'")

	var group struct {
		Plugins []struct {
			Prefix     string `xml:"prefix"`
			ArtifactID string `xml:"artifactId"`
		} `xml:"plugins>plugin"`
	}
	data, err = os.ReadFile(filepath.Join(root, "org/apache/maven/plugins/maven-metadata.xml"))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(data, &group))
	prefixes := map[string]string{}
	for _, p := range group.Plugins {
		prefixes[p.Prefix] = p.ArtifactID
	}
	for _, prefix := range []string{"clean", "resources", "compiler", "surefire", "jar", "install", "deploy", "dependency"} {
		assert.Equal(t, "maven-"+prefix+"-plugin", prefixes[prefix], prefix)
	}
	assert.NotContains(t, prefixes, "s", "the parent maven-plugins is no plugin")

	var jars, links int
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			links++
			return nil
		}
		if strings.HasSuffix(p, ".jar") || strings.HasSuffix(p, ".pom") {
			if strings.HasSuffix(p, ".jar") {
				jars++
			}
			_, err := os.Stat(p + ".sha1")
			assert.NoError(t, err, "every artifact file has a .sha1")
		}
		return nil
	}))
	assert.Zero(t, links, "the copy holds no symlinks")
	assert.Greater(t, jars, 100)
	st, err := os.Lstat(filepath.Join(root, "org/apache/maven/maven-core/3.8.7/maven-core-3.8.7.jar"))
	require.NoError(t, err)
	assert.True(t, st.Mode().IsRegular(), "a JAR is a regular file, not a link into the system")
	assert.Greater(t, st.Size(), int64(100_000))
}

func TestServeDebianRepository(t *testing.T) {
	srv := maventest.ServeDebianRepository(t)
	resp, err := http.Get(srv.URL + "/org/apache/maven/plugins/maven-clean-plugin/maven-metadata.xml.sha1")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, string(body), 40)
}

func assertFile(t *testing.T, file, want string) {
	t.Helper()
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, want, string(got), file)
}

// TestDebianRepositoryBuildsOffline is the harness's promise: real Maven,
// with no network but loopback, builds a project from the copy alone, with
// no checksum warning, and finds a plugin that no lifecycle binds by its
// prefix (group metadata) and its version (artifact metadata).
func TestDebianRepositoryBuildsOffline(t *testing.T) {
	maventest.NeedMvn(t)
	n := maventest.NewIsolated(t)
	url := n.ServeFolder(t, maventest.DebianRepository(t))

	work := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(work, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	write("settings.xml", `<settings>
  <mirrors>
    <mirror><id>site</id><mirrorOf>*</mirrorOf><url>`+url+`</url></mirror>
  </mirrors>
</settings>
`)
	write("demo/pom.xml", `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example.demo</groupId>
  <artifactId>demo</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.source>8</maven.compiler.source>
    <maven.compiler.target>8</maven.compiler.target>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
</project>
`)
	write("demo/src/main/java/org/example/demo/Demo.java", `package org.example.demo;

public class Demo {
    public static void main(String[] args) { System.out.println("demo"); }
}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	mvn := n.Command(ctx, "mvn", "-B", "--strict-checksums", "-s", filepath.Join(work, "settings.xml"),
		"-Dmaven.repo.local="+filepath.Join(work, "m2"), "-f", filepath.Join(work, "demo/pom.xml"),
		"clean:clean", "package", "plugin:help")
	mvn.Env = append(os.Environ(), "HOME="+work)
	out, err := mvn.CombinedOutput()
	log := string(out)
	require.NoError(t, err, log)
	assert.Contains(t, log, "BUILD SUCCESS")
	assert.Contains(t, log, "Downloaded from site: "+url+"/org/apache/maven/plugins/maven-metadata.xml", "the prefix plugin: resolves through group metadata")
	assert.Contains(t, log, "Downloaded from site: "+url+"/org/apache/maven/plugins/maven-plugin-plugin/maven-metadata.xml", "its version through artifact metadata")
	assert.Contains(t, log, "--- maven-plugin-plugin:")
	assert.NotContains(t, strings.ToLower(log), "checksum", log)
	_, err = os.Stat(filepath.Join(work, "demo/target/demo-1.0.jar"))
	assert.NoError(t, err)
}
