package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/workflow/plan"
)

// ferry runs the command in-process and returns its exit code, stdout and
// stderr.
func ferry(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := []string{"NO_COLOR=1", "HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir()}
	code := run(context.Background(), args, &out, &errOut, env)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// oneSentence asserts a failure printed exactly one line, "ferry: …",
// besides any warnings given before it.
func oneSentence(t *testing.T, stderr, want string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !strings.HasPrefix(l, "ferry: warning: ") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 1, "one line on stderr, got:\n%s", stderr)
	assert.True(t, strings.HasPrefix(lines[0], "ferry: "), lines[0])
	assert.Contains(t, lines[0], want)
	assert.True(t, strings.HasSuffix(lines[0], "."), "ends like a sentence: %s", lines[0])
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := ferry(t, "version")
	assert.Equal(t, 0, code)
	assert.Equal(t, "ferry dev\n", out)

	code, out, _ = ferry(t, "--help")
	assert.Equal(t, 0, code)
	for _, c := range []string{"catalog", "plan", "version", "completion"} {
		assert.Contains(t, out, "  "+c)
	}
	assert.NotContains(t, strings.ToLower(out), "not implemented")
}

func TestCatalogListAndShow(t *testing.T) {
	code, out, _ := ferry(t, "catalog", "list")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "sonataflow")
	assert.Contains(t, out, "Apache KIE SonataFlow")
	assert.NotContains(t, out, "\x1b[", "NO_COLOR means no escape codes")

	code, out, _ = ferry(t, "--catalog", "../../testdata/catalogs/demo.yaml", "catalog", "show", "demo", "--version", "1.0")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "versions:      2.0 (latest), 1.0")
	assert.Contains(t, out, "image  registry.example.test/demo/extras-legacy:1.0")
	assert.Contains(t, out, "core (required)")
	assert.Contains(t, out, "needs: core")
}

func TestBadInputIsOneSentence(t *testing.T) {
	badCatalog := writeFile(t, "bad.yaml", "apiVersion: ferry/v1\nkind: Catalog\ntargets:\n  - name: x\n    title: X\n    modules:\n      - name: m\n        title: M\n        image: [quay.io/a/b:1]\n")
	badImages := writeFile(t, "images.txt", "quay.io/a/b:1\n# fine\nnot a reference\n")
	badMaven := writeFile(t, "maven.txt", "org.example:lib:1.0\norg.example:only-two\n")
	goodMaven := writeFile(t, "good-maven.txt", "org.example:lib:1.0\n")
	badAnswers := writeFile(t, "answers.yaml", "apiVersion: ferry/v1\nkind: Answers\ntarget: sonataflow\ncolour: blue\n")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown target", []string{"plan", "--target", "nope"}, 2, `there is no target "nope" in the catalog`},
		{"unknown version", []string{"plan", "--target", "sonataflow", "--version", "9.9"}, 2, `sonataflow has no version "9.9" (versions: 10.1.0, 10.0.0)`},
		{"unknown module", []string{"plan", "--target", "sonataflow", "--arch", "amd64", "--modules", "operator,nope"}, 2, `sonataflow has no module "nope"`},
		{"unknown arch", []string{"plan", "--target", "sonataflow", "--arch", "s390x"}, 2, "sonataflow is not built for s390x (architectures: amd64, arm64)"},
		{"no selection", []string{"plan"}, 2, "choose a target with --target"},
		{"malformed catalog", []string{"--catalog", badCatalog, "catalog", "list"}, 1, badCatalog + `:9: unknown field "image" in module`},
		{"missing catalog", []string{"--catalog", "/nonexistent/catalog.yaml", "catalog", "list"}, 1, "catalog /nonexistent/catalog.yaml does not exist"},
		{"malformed image list", []string{"plan", "--images", badImages}, 1, badImages + `:3: "not a reference" holds more than one word`},
		{"malformed maven list", []string{"plan", "--maven", badMaven}, 1, badMaven + `:2: "org.example:only-two" is not a Maven coordinate`},
		{"missing image list", []string{"plan", "--images", "/nonexistent/images.txt"}, 1, "the image list /nonexistent/images.txt does not exist"},
		{"bad answers", []string{"plan", "--answers", badAnswers}, 1, badAnswers + `: line 4: field colour not found`},
		{"bad output", []string{"plan", "--target", "sonataflow", "--output", "xml"}, 2, "--output must be table or json"},
		{"bad mirror", []string{"plan", "--target", "sonataflow", "--source-mirror", "docker.io"}, 2, "--source-mirror \"docker.io\" must be FROM=TO"},
		{"bad flag", []string{"plan", "--colour"}, 2, "unknown flag: --colour"},
		{"show without name", []string{"catalog", "show"}, 2, "name the target to show"},
		{"prepare without a selection", []string{"prepare", "--output", "out"}, 2, "choose a target with --target"},
		{"prepare unknown target", []string{"prepare", "--target", "nope", "--output", "out"}, 2, `there is no target "nope" in the catalog`},
		{"bad split", []string{"prepare", "--target", "sonataflow", "--output", "out", "--split", "3x"}, 2, `--split "3x" is not a size or a preset`},
		{"split too small", []string{"prepare", "--target", "sonataflow", "--output", "out", "--split", "1K"}, 2, "--split 1K is too small"},
		{"bad progress", []string{"prepare", "--target", "sonataflow", "--output", "out", "--progress", "loud"}, 2, "--progress must be auto, plain, json or none"},
		{"bad cache copies", []string{"prepare", "--target", "sonataflow", "--output", "out", "--cache-copies", "sometimes"}, 2, "--cache-copies must be auto, always or never, not \"sometimes\""},
		{"bad repo mapping", []string{"import", "bundle", "--registry", "registry.site", "--repo-mapping", "deep"}, 2, `--repo-mapping must be nested or flat, not "deep"`},
		{"bad progress on verify", []string{"verify", "bundle", "--progress", "loud"}, 2, `--progress must be auto, plain, json or none, not "loud"`},
		{"maven repo of another scheme", []string{"plan", "--target", "sonataflow", "--maven-repo", "ftp://repo.example/m2"}, 2, `"ftp://repo.example/m2" is not a Maven repository ferry can read: --maven-repo takes an http(s):// URL or a local folder`},
		{"maven repo not a folder", []string{"plan", "--target", "sonataflow", "--maven-repo", "/no/such/m2"}, 1, "the Maven repository /no/such/m2 is not a folder here"},
		{"registry as a URL", []string{"import", "bundle", "--registry", "http://registry.site:5000"}, 2, `the registry address "http://registry.site:5000" starts with http://: give --registry as HOST[:PORT][/PREFIX] without http://; add --insecure for plain HTTP`},
		{"registry not an address", []string{"configure", "--platform", "crio", "--plan", "p.json", "--output", "out", "--registry", "registry site"}, 2, `"registry site" is not a registry address: write it as HOST[:PORT][/PREFIX], in lower case, in --registry`},
		{"maven url of another scheme", []string{"import", "bundle", "--maven-url", "ftp://nexus.site/m2"}, 2, `"ftp://nexus.site/m2" is not a Maven repository URL: --maven-url takes http(s)://HOST/PATH`},
		{"listen not an address", []string{"serve", "bundle", "--listen", ":99999"}, 2, `--listen must be HOST:PORT with a port up to 65535 (0.0.0.0:5000 for the whole network), not ":99999"`},
		{"unknown writer of a node's store", []string{"load-node", "bundle", "--via", "docker"}, 2, `--via must be skopeo or native, not "docker"`},
		{"bundle name with a folder", []string{"prepare", "--target", "sonataflow", "--output", "out", "--name", "../up"}, 2, `--name must be a file name without / or a leading dot, like product-1.0, not "../up"`},
		{"a built-in flag keeps pflag's wording", []string{"import", "bundle", "--insecure=maybe"}, 2, `invalid argument "maybe" for "--insecure" flag`},
		{"bad concurrency", []string{"plan", "--target", "sonataflow", "--concurrency", "0"}, 2, "--concurrency must be at least 1"},
		{"bad scope", []string{"plan", "--target", "sonataflow", "--maven-scopes", "system"}, 2, `"system" is not a Maven scope`},
		{"bad phase", []string{"plan", "--maven", goodMaven, "--maven-phases", "deploy-it"}, 2, `"deploy-it" is not a Maven lifecycle phase`},
		{"unknown platform", []string{"configure", "--platform", "nope", "--plan", "p.json", "--output", "out"}, 2, `there is no platform "nope"`},
		{"configure without output", []string{"configure", "--platform", "crio", "--plan", "p.json"}, 2, "say where the files go with --output DIR"},
		{"show unknown", []string{"catalog", "show", "nope"}, 2, `there is no target "nope"`},
		{"verify without a bundle", []string{"verify"}, 2, "name the bundle to verify"},
		{"verify what is no bundle", []string{"verify", "/no/such/bundle"}, 1, "/no/such/bundle does not exist"},
		{"sign without a key", []string{"sign", "bundle"}, 2, "say which private key signs with --key KEY"},
		{"keygen without a prefix", []string{"keygen"}, 2, "name the key files to write"},
		{"inventory without a registry", []string{"inventory", "--plan", "p.json", "--output", "inv.json"}, 2, "say which registry to ask with --registry"},
		{"serve half of TLS", []string{"serve", "bundle", "--tls-cert", "c.pem"}, 2, "give both --tls-cert and --tls-key, or neither"},
		{"keys where there is no folder", []string{"keygen", "/no/such/folder/site"}, 1, "cannot write /no/such/folder/site.key: the folder /no/such/folder does not exist: make it first, or name the keys in a folder that does"},
		{"catalog lint of nothing", []string{"catalog", "lint"}, 2, "name the catalog files to check"},
	}
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := ferry(t, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Empty(t, out)
			oneSentence(t, errOut, tc.want)
			// What the sentence tells to fix is a flag of this command
			// (but the unknown one it quotes back).
			cmd, _, err := root.Find(tc.args)
			require.NoError(t, err)
			if !strings.Contains(errOut, "unknown flag") {
				assertOnlyItsFlags(t, cmd, errOut)
			}
		})
	}
}

func TestAnswersFileAndFlagsCombine(t *testing.T) {
	imgs := writeFile(t, "images.txt", "127.0.0.1:1/a/b:1\n")
	answers := writeFile(t, "answers.yaml", "apiVersion: ferry/v1\nkind: Answers\narchs: [arm64]\nimages: [127.0.0.1:1/x/y:2]\n")
	// Nothing listens on port 1: both images fail, and both are reported.
	code, out, errOut := ferry(t, "plan", "--answers", answers, "--images", imgs, "--output", "json")
	assert.Equal(t, 1, code)
	var p plan.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	assert.Equal(t, []string{"arm64"}, p.Selection.Archs)
	assert.Equal(t, "custom", p.Selection.Target)
	require.Len(t, p.Errors, 2)
	assert.Equal(t, 2, strings.Count(errOut, "ferry: "), errOut)
	assert.Contains(t, errOut, "127.0.0.1:1/x/y:2")
}
