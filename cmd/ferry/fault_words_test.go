package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/fault"
	"ferry/artifacts/registrytest"
	"ferry/tui/farside"
	"ferry/tui/wizard"
)

// flagInText is a flag named in a sentence.
var flagInText = regexp.MustCompile(`(?:^|[^\w-])--([a-z][a-z0-9-]*)`)

// flagsIn lists the flags a text names.
func flagsIn(s string) []string {
	var out []string
	for _, m := range flagInText.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// hasFlag says whether cmd takes --name, its own or inherited.
func hasFlag(cmd *cobra.Command, name string) bool {
	return cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil
}

// everyCommand walks the command tree.
func everyCommand(c *cobra.Command, visit func(*cobra.Command)) {
	visit(c)
	for _, sub := range c.Commands() {
		everyCommand(sub, visit)
	}
}

// assertOnlyItsFlags fails for every flag text names that cmd does not
// take.
func assertOnlyItsFlags(t *testing.T, cmd *cobra.Command, text string) {
	t.Helper()
	for _, f := range flagsIn(text) {
		assert.True(t, hasFlag(cmd, f), "%q names --%s, which %q does not take", text, f, cmd.CommandPath())
	}
}

// TestFaultWordingNamesOnlyTheCommandsFlags words every setting as every
// command does and checks each flag it names is one of that command's.
func TestFaultWordingNamesOnlyTheCommandsFlags(t *testing.T) {
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	worded := 0
	everyCommand(root, func(cmd *cobra.Command) {
		words := wordsOf(cmd)
		for _, s := range fault.Settings() {
			text := words(s, "registry.site:5000")
			worded += len(flagsIn(text))
			assertOnlyItsFlags(t, cmd, text)
		}
	})
	assert.Positive(t, worded, "the tables name flags")

	// The wizard words source settings with the flags ferry starts with,
	// and the far-side wizard runs under import: what they name must be
	// there too.
	importCmd, _, err := root.Find([]string{"import"})
	require.NoError(t, err)
	for _, s := range fault.Settings() {
		assertOnlyItsFlags(t, root, wizard.Words(s, "registry.site:5000"))
		assertOnlyItsFlags(t, importCmd, farside.Words(s, "registry.site:5000"))
	}

	// The same setting is worded by each command with its own flag.
	plan, _, _ := root.Find([]string{"plan"})
	assert.Equal(t, "add --insecure-source registry.site:5000", wordsOf(plan)(fault.InsecureHost, "registry.site:5000"))
	assert.Equal(t, "add --insecure", wordsOf(importCmd)(fault.InsecureHost, "registry.site:5000"))
	verify, _, _ := root.Find([]string{"verify"})
	assert.Empty(t, wordsOf(verify)(fault.CAFile), "verify has no --ca-file: the neutral wording stays")
}

// refusing is a registry that asks for a login and accepts none.
func refusing(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="site"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// smallBundle prepares one image from a plain-HTTP loopback registry.
func smallBundle(t *testing.T) string {
	t.Helper()
	up := registrytest.StartInProcess(t)
	up.Push(t, registrytest.ImageSpec{Repo: "apache/demo-console", Tag: "1.0", Platforms: []string{"linux/amd64"},
		Layers: []registrytest.LayerSpec{{Name: "base", Size: 20_000}}})
	out := t.TempDir()
	code, _, stderr := ferry(t, "prepare", "--images", writeFile(t, "i.txt", up.Host+"/apache/demo-console:1.0\n"), "--arch", "amd64",
		"--insecure-source", up.Host, "--cache", t.TempDir(), "--output", out, "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	return out
}

// TestFaultSentencesNameOnlyTheCommandsFlags walks real failures on
// loopback and checks each sentence printed names only flags of the
// command that printed it.
func TestFaultSentencesNameOnlyTheCommandsFlags(t *testing.T) {
	bundleDir := smallBundle(t)
	site := registrytest.StartInProcess(t)
	untrusted := httptest.NewTLSServer(registry.New())
	t.Cleanup(untrusted.Close)
	tlsHost := strings.TrimPrefix(untrusted.URL, "https://")
	locked := refusing(t)
	maven := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="nexus"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(maven.Close)
	images := func(ref string) string { return writeFile(t, "images.txt", ref+"\n") }
	// A copy of the bundle with a damaged part, one signed by a key kept
	// in its own folder, and an address already taken.
	copyBundle := func() string {
		dir := t.TempDir()
		entries, err := os.ReadDir(bundleDir)
		require.NoError(t, err)
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(bundleDir, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644))
		}
		return dir
	}
	damaged := copyBundle()
	parts, _ := filepath.Glob(filepath.Join(damaged, "*.part001"))
	require.Len(t, parts, 1)
	f, err := os.OpenFile(parts[0], os.O_RDWR, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("X"), 700)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	keyInside := copyBundle()
	code, _, stderr := ferry(t, "keygen", filepath.Join(keyInside, "site"))
	require.Equal(t, 0, code, stderr)
	other := filepath.Join(t.TempDir(), "other")
	code, _, stderr = ferry(t, "keygen", other)
	require.Equal(t, 0, code, stderr)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = taken.Close() })

	cases := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"plain-HTTP registry imported without --insecure", []string{"import", bundleDir, "--registry", site.Host + "/mirror"}, "",
			"if it is a plain-HTTP registry, add --insecure."},
		{"registry address with a scheme", []string{"import", bundleDir, "--registry", "http://" + site.Host + "/mirror"}, "",
			"give --registry as HOST[:PORT][/PREFIX] without http://; add --insecure for plain HTTP"},
		{"registry address with a scheme on configure", []string{"configure", "--bundle", bundleDir, "--registry", "http://" + site.Host, "--platform", "crio", "--output", t.TempDir()}, "",
			"give --registry as HOST[:PORT][/PREFIX] without http://; add --insecure for plain HTTP"},
		{"untrusted certificate on plan", []string{"plan", "--images", images(tlsHost + "/a/b:1"), "--arch", "amd64"}, "",
			"give its CA with --ca-file"},
		{"refused login on import", []string{"import", bundleDir, "--registry", locked, "--insecure", "--username", "loader", "--password-stdin"}, "wrong\n",
			"check --username and the password (--password-stdin), or your docker config"},
		{"refused login on prepare", []string{"prepare", "--images", images(locked + "/a/b:1"), "--arch", "amd64", "--insecure-source", locked,
			"--cache", t.TempDir(), "--output", t.TempDir(), "--progress", "none", "--no-binary"}, "",
			"check the login in your docker config or --pull-secret"},
		{"unresolvable name", []string{"plan", "--images", images("no-such-host.invalid/a/b:1"), "--arch", "amd64"}, "",
			"(DNS lookup failed)"},
		{"damaged part on verify", []string{"verify", damaged}, "", "is damaged"},
		{"bundle not signed on verify --key", []string{"verify", bundleDir, "--key", other + ".pub"}, "", "not signed"},
		{"private key in the bundle's folder on sign", []string{"sign", keyInside, "--key", filepath.Join(keyInside, "site.key")}, "", "private key"},
		{"address taken on serve", []string{"serve", bundleDir, "--listen", taken.Addr().String()}, "", "choose another address with --listen"},
		{"refused login on inventory", []string{"inventory", "--registry", locked, "--insecure", "--bundle", bundleDir, "--output", filepath.Join(t.TempDir(), "inv.json"),
			"--username", "loader", "--password-stdin"}, "wrong\n", "check --username and the password (--password-stdin), or your docker config"},
		{"overlay store written natively on load-node", []string{"load-node", bundleDir, "--via", "native", "--driver", "overlay", "--store", t.TempDir(), "--runroot", t.TempDir(), "--no-pin"}, "",
			"install skopeo"},
		{"Maven repository refusing credentials", []string{"import", bundleDir, "--maven-url", maven.URL + "/repository/releases", "--maven-username", "deployer", "--check"}, "",
			"check --maven-username and the password (--maven-password-stdin)"},
	}
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd, _, err := root.Find(tc.args)
			require.NoError(t, err)
			var out, errOut bytes.Buffer
			env := []string{"NO_COLOR=1", "HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir()}
			code := runIO(context.Background(), tc.args, strings.NewReader(tc.stdin), &out, &errOut, env)
			assert.NotEqual(t, exitOK, code)
			stderr := errOut.String()
			t.Log(stderr)
			assert.Contains(t, stderr, tc.want)
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				if strings.HasPrefix(line, "ferry: warning: ") {
					continue
				}
				assertOnlyItsFlags(t, cmd, line)
			}
		})
	}
}
