package maventest

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DebianMavenRepo is where Debian's Java packages install their artifacts
// in Maven repository layout.
const DebianMavenRepo = "/usr/share/maven-repo"

// pluginGroups are the groups Maven searches for a plugin prefix when the
// settings name none, so only they get group-level metadata.
var pluginGroups = []string{"org/apache/maven/plugins", "org/codehaus/mojo"}

// DebianRepository is a copy of Debian's Maven repository with what Debian
// leaves out added, so that real Maven takes it as a remote repository
// without a checksum warning: .sha1 and .md5 beside every file,
// maven-metadata.xml in every artifact folder, the plugin prefixes of
// Maven's plugin groups, and the plexus-utils 1.1 Maven adds to plugins.
// Symlinks are copied as the files they point to;
// dangling ones are left out. Copying takes seconds, so the test process
// makes one copy and every caller gets the same folder: callers must not
// write into it. The copy is removed when the test process exits. Without
// Debian's maven package the test is skipped, or fails under CI.
func DebianRepository(t testing.TB) string {
	t.Helper()
	if st, err := os.Stat(DebianMavenRepo); err != nil || !st.IsDir() {
		Missing(t, "Debian's Maven repository is missing: install the Debian package maven and the plugin packages .ci/run lists (apt-get install maven libmaven-compiler-plugin-java ...)")
	}
	debianCopy.once.Do(func() {
		start := time.Now()
		debianCopy.dir, debianCopy.err = copyDebianRepository()
		if debianCopy.err == nil {
			t.Logf("copied Debian's Maven repository in %v", time.Since(start).Round(time.Millisecond))
		}
	})
	if debianCopy.err != nil {
		t.Fatal(debianCopy.err)
	}
	return debianCopy.dir
}

// debianCopy is the one copy a test process makes, shared because making
// it takes seconds.
var debianCopy struct {
	once sync.Once
	dir  string
	err  error
}

func copyDebianRepository() (string, error) {
	dir, err := os.MkdirTemp("", "ferry-debian-maven-repo-")
	if err != nil {
		return "", err
	}
	if err := removeAfterExit(dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if err := copyDereferenced(DebianMavenRepo, dir, nil); err != nil {
		return "", fmt.Errorf("copy %s: %w", DebianMavenRepo, err)
	}
	if err := addInjectedPlexusUtils(dir); err != nil {
		return "", err
	}
	if err := writeMetadata(dir, time.Now().UTC()); err != nil {
		return "", fmt.Errorf("metadata for the copy of %s: %w", DebianMavenRepo, err)
	}
	return dir, nil
}

// removeAfterExit starts a small shell, in a session of its own and with
// no stdio (so go test does not wait for it), that removes dir once this
// process has exited: no test's cleanup can, since the folder outlives
// every test, and a helper package has no TestMain.
func removeAfterExit(dir string) error {
	cmd := exec.Command("/bin/sh", "-c", `while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec rm -rf -- "$2"`,
		"sh", strconv.Itoa(os.Getpid()), dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the remover of %s: %w", dir, err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

// ServeDebianRepository serves DebianRepository on loopback, read-only,
// until the test ends.
func ServeDebianRepository(t testing.TB) *Server {
	t.Helper()
	return NewServer(t, DebianRepository(t))
}

// copyDereferenced copies the tree at src into the existing folder dst,
// following symlinks. ancestors are the folders above src, so that a link
// back up the tree is not followed forever.
func copyDereferenced(src, dst string, ancestors []fs.FileInfo) error {
	here, err := os.Stat(src)
	if err != nil {
		return err
	}
	ancestors = append(ancestors, here)
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		st, err := os.Stat(from)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ELOOP) {
			continue // a dangling link
		}
		if err != nil {
			return err
		}
		switch {
		case st.IsDir():
			if slices.ContainsFunc(ancestors, func(a fs.FileInfo) bool { return os.SameFile(a, st) }) {
				continue
			}
			if err := os.Mkdir(to, 0o755); err != nil {
				return err
			}
			if err := copyDereferenced(from, to, ancestors); err != nil {
				return err
			}
		case st.Mode().IsRegular():
			if isSidecar(e.Name()) {
				continue // written afresh from the content
			}
			if err := copyWithSidecars(from, to); err != nil {
				return err
			}
		}
	}
	return nil
}

// addInjectedPlexusUtils adds the plexus-utils 1.1 that Maven 3 puts on
// the class path of every plugin not depending on plexus-utils itself, which
// Debian does not ship: Debian's newest plexus-utils under that version, as
// Debian stands its plugins in for the old versions Maven's lifecycle names.
func addInjectedPlexusUtils(root string) error {
	dir := filepath.Join(root, "org", "codehaus", "plexus", "plexus-utils")
	versions, err := versionsIn(dir)
	if errors.Is(err, fs.ErrNotExist) || len(versions) == 0 || slices.Contains(versions, "1.1") {
		return nil
	}
	if err != nil {
		return err
	}
	newest := versioningOf(versions, time.Time{}).Release
	jar, err := os.ReadFile(filepath.Join(dir, newest, "plexus-utils-"+newest+".jar"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pom := `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.codehaus.plexus</groupId>
  <artifactId>plexus-utils</artifactId>
  <version>1.1</version>
</project>
`
	if err := os.Mkdir(filepath.Join(dir, "1.1"), 0o755); err != nil {
		return err
	}
	if err := writeFileWithSidecars(filepath.Join(dir, "1.1", "plexus-utils-1.1.pom"), []byte(pom)); err != nil {
		return err
	}
	return writeFileWithSidecars(filepath.Join(dir, "1.1", "plexus-utils-1.1.jar"), jar)
}

// isSidecar tells the checksum files written here from the files they vouch
// for.
func isSidecar(name string) bool {
	return strings.HasSuffix(name, ".sha1") || strings.HasSuffix(name, ".md5")
}

func copyWithSidecars(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	s1, m5 := sha1.New(), md5.New()
	if _, err := io.Copy(io.MultiWriter(out, s1, m5), in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return writeSidecars(to, s1.Sum(nil), m5.Sum(nil))
}

// writeSidecars writes the checksums as Maven does: bare lowercase hex, no
// file name, no newline.
func writeSidecars(file string, sha1Sum, md5Sum []byte) error {
	if err := os.WriteFile(file+".sha1", []byte(hex.EncodeToString(sha1Sum)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(file+".md5", []byte(hex.EncodeToString(md5Sum)), 0o644)
}

func writeFileWithSidecars(file string, data []byte) error {
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return err
	}
	s1, m5 := sha1.Sum(data), md5.Sum(data)
	return writeSidecars(file, s1[:], m5[:])
}

// metadata is maven-metadata.xml, at artifact level (groupId, artifactId,
// versioning) or group level (plugins), or both when a folder is both.
type metadata struct {
	XMLName    xml.Name    `xml:"metadata"`
	GroupID    string      `xml:"groupId,omitempty"`
	ArtifactID string      `xml:"artifactId,omitempty"`
	Versioning *versioning `xml:"versioning,omitempty"`
	Plugins    *plugins    `xml:"plugins,omitempty"`
}

type versioning struct {
	Latest      string   `xml:"latest,omitempty"`
	Release     string   `xml:"release,omitempty"`
	Versions    []string `xml:"versions>version"`
	LastUpdated string   `xml:"lastUpdated"`
}

type plugins struct {
	Plugin []plugin `xml:"plugin"`
}

type plugin struct {
	Name       string `xml:"name"`
	Prefix     string `xml:"prefix"`
	ArtifactID string `xml:"artifactId"`
}

// writeMetadata writes maven-metadata.xml, with sidecars, into every
// artifact folder under root and into the plugin groups' folders.
func writeMetadata(root string, now time.Time) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		var md metadata
		if versions, err := versionsIn(p); err != nil {
			return err
		} else if len(versions) > 0 && strings.Contains(rel, "/") {
			md.GroupID = strings.ReplaceAll(path.Dir(rel), "/", ".")
			md.ArtifactID = path.Base(rel)
			md.Versioning = versioningOf(versions, now)
		}
		if slices.Contains(pluginGroups, rel) {
			found, err := pluginsIn(p)
			if err != nil {
				return err
			}
			if len(found) > 0 {
				md.Plugins = &plugins{Plugin: found}
			}
		}
		if md.Versioning == nil && md.Plugins == nil {
			return nil
		}
		data, err := xml.MarshalIndent(md, "", "  ")
		if err != nil {
			return err
		}
		data = append([]byte(xml.Header), append(data, '\n')...)
		if err := writeFileWithSidecars(filepath.Join(p, "maven-metadata.xml"), data); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		return nil
	})
}

// versionsIn lists the subfolders of an artifact folder that hold a
// version of it (a file named artifactId-version...), in Maven's order.
func versionsIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	artifactID := filepath.Base(dir)
	var versions []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		prefix := artifactID + "-" + e.Name()
		if slices.ContainsFunc(files, func(f fs.DirEntry) bool {
			return !f.IsDir() && strings.HasPrefix(f.Name(), prefix) && !isSidecar(f.Name())
		}) {
			versions = append(versions, e.Name())
		}
	}
	slices.SortStableFunc(versions, compareVersions)
	return versions, nil
}

func versioningOf(sorted []string, now time.Time) *versioning {
	v := &versioning{
		Latest:      sorted[len(sorted)-1],
		Versions:    sorted,
		LastUpdated: now.Format("20060102150405"),
	}
	for i := len(sorted) - 1; i >= 0; i-- {
		if !strings.HasSuffix(sorted[i], "-SNAPSHOT") {
			v.Release = sorted[i]
			break
		}
	}
	return v
}

// pluginsIn lists the plugins in a group folder, named as Maven names
// them (maven-X-plugin or X-maven-plugin), with the prefix Maven derives.
func pluginsIn(dir string) ([]plugin, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var found []plugin
	for _, e := range entries {
		id := e.Name()
		if !e.IsDir() {
			continue
		}
		var prefix string
		switch {
		case strings.HasPrefix(id, "maven-") && strings.HasSuffix(id, "-plugin") && len(id) > len("maven--plugin"):
			prefix = strings.TrimSuffix(strings.TrimPrefix(id, "maven-"), "-plugin")
		case strings.HasSuffix(id, "-maven-plugin") && len(id) > len("-maven-plugin"):
			prefix = strings.TrimSuffix(id, "-maven-plugin")
		default:
			continue
		}
		versions, err := versionsIn(filepath.Join(dir, id))
		if err != nil {
			return nil, err
		}
		if len(versions) == 0 {
			continue
		}
		v := versions[len(versions)-1]
		found = append(found, plugin{
			Name:       pomName(filepath.Join(dir, id, v, id+"-"+v+".pom"), id),
			Prefix:     prefix,
			ArtifactID: id,
		})
	}
	return found, nil
}

// pomName is the project name a POM declares, or fallback.
func pomName(pomFile, fallback string) string {
	data, err := os.ReadFile(pomFile)
	if err != nil {
		return fallback
	}
	var p struct {
		Name string `xml:"name"`
	}
	if xml.Unmarshal(data, &p) != nil || strings.TrimSpace(p.Name) == "" || strings.Contains(p.Name, "${") {
		return fallback
	}
	return strings.TrimSpace(p.Name)
}

// compareVersions orders versions roughly as Maven's ComparableVersion
// does: split at dots, dashes and digit-letter changes; numbers compare as
// numbers and rank above words; the known qualifiers rank alpha < beta <
// milestone < rc < snapshot < release < sp, and other words (Debian's
// "debian", the "x" of "3.x") rank after them, alphabetically.
func compareVersions(a, b string) int {
	x, y := versionItems(a), versionItems(b)
	for i := range max(len(x), len(y)) {
		var p, q versionItem
		if i < len(x) {
			p = x[i]
		}
		if i < len(y) {
			q = y[i]
		}
		if c := p.compare(q); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}

// versionItem is one part of a version: a number, a word, or nothing (the
// zero value, for a version that has run out of parts).
type versionItem struct {
	numeric bool
	num     uint64
	word    string
}

func versionItems(v string) []versionItem {
	var items []versionItem
	v = strings.ToLower(v)
	for i := 0; i < len(v); {
		if v[i] == '.' || v[i] == '-' || v[i] == '_' {
			i++
			continue
		}
		digits := isDigit(v[i])
		j := i
		for j < len(v) && v[j] != '.' && v[j] != '-' && v[j] != '_' && isDigit(v[j]) == digits {
			j++
		}
		if digits {
			n, err := strconv.ParseUint(v[i:j], 10, 64)
			if err != nil {
				n = ^uint64(0)
			}
			items = append(items, versionItem{numeric: true, num: n})
		} else {
			items = append(items, versionItem{word: v[i:j]})
		}
		i = j
	}
	return items
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// qualifierRank places the known qualifiers; a missing part ranks as a
// release and unknown words rank after sp.
func qualifierRank(word string) int {
	switch word {
	case "alpha", "a":
		return 0
	case "beta", "b":
		return 1
	case "milestone", "m":
		return 2
	case "rc", "cr":
		return 3
	case "snapshot":
		return 4
	case "", "ga", "final", "release":
		return 5
	case "sp":
		return 6
	}
	return 7
}

func (p versionItem) compare(q versionItem) int {
	switch {
	case p.numeric && q.numeric:
		switch {
		case p.num < q.num:
			return -1
		case p.num > q.num:
			return 1
		}
		return 0
	case p.numeric:
		if q.word == "" && p.num == 0 {
			return 0 // 1.0 is 1
		}
		return 1
	case q.numeric:
		return -q.compare(p)
	}
	if c := qualifierRank(p.word) - qualifierRank(q.word); c != 0 {
		return c
	}
	return strings.Compare(p.word, q.word)
}
