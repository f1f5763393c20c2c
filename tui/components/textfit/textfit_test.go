package textfit

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMiddleKeepsTheTag(t *testing.T) {
	got := Middle("docker.io/apache/kie-sonataflow-data-index-postgresql:1.0", 30)
	assert.Equal(t, 30, ansi.StringWidth(got))
	assert.True(t, strings.HasSuffix(got, "/kie-sonataflow-data-index-postgresql:1.0") || strings.HasSuffix(got, ":1.0"), got)
	assert.True(t, strings.HasPrefix(got, "docker.io/"), got)
	got = Middle("docker.io/apache/x:1.0", 18)
	assert.Equal(t, 18, ansi.StringWidth(got))
	assert.True(t, strings.HasPrefix(got, "docker.io") && strings.HasSuffix(got, "/x:1.0"), got)
	assert.Equal(t, "short", Middle("short", 10))
}

func TestWordsNeverSplitsAToken(t *testing.T) {
	s := "replay: ferry prepare --answers /srv/bundles/demo/demo-2.0.answers.yaml --output DIR"
	got := Words(s, 50)
	assert.Contains(t, got, "/srv/bundles/demo/demo-2.0.answers.yaml")
	for _, l := range strings.Split(got, "\n") {
		assert.LessOrEqual(t, ansi.StringWidth(l), 50)
	}
}

func TestCommandContinuesWithBackslash(t *testing.T) {
	cmd := "ferry prepare --target demo --version 1.0 --arch amd64 --modules core,ui --output /srv/bundles/demo"
	got := Command(cmd, 40)
	lines := strings.Split(got, "\n")
	assert.Greater(t, len(lines), 1)
	for i, l := range lines {
		assert.LessOrEqual(t, ansi.StringWidth(l), 40)
		if i < len(lines)-1 {
			assert.True(t, strings.HasSuffix(l, " \\"), l)
		}
	}
	joined := strings.Join(strings.Fields(strings.ReplaceAll(got, "\\\n", "")), " ")
	assert.Equal(t, cmd, joined)
}

// TestCommandKeepsQuotedWords: a quoted word is never split where the
// shell would see two words; one longer than a line is cut inside its
// quotes so the shell joins it again. The shell itself checks: the
// wrapped command gives the same words as the one line.
func TestCommandKeepsQuotedWords(t *testing.T) {
	cmd := `ferry prepare --target flow --modules olm --operator 'registry.example.test/redhat/operator-index:v4.17 serverless-operator stable-1.33' --have 'a  b'\''s inventory.json' --output /srv/bundles/flow`
	for _, w := range []int{20, 60, 80, 200} {
		got := Command(cmd, w)
		for _, l := range strings.Split(got, "\n") {
			if w >= 60 { // the catalog reference alone is 50 cells
				assert.LessOrEqual(t, ansi.StringWidth(l), w, "w=%d: %q", w, l)
			}
		}
		sh, err := exec.LookPath("sh")
		if err != nil {
			continue
		}
		words := func(c string) string {
			out, err := exec.Command(sh, "-c", "set -- "+c+"\nfor a; do printf '[%s]\\n' \"$a\"; done").Output()
			require.NoError(t, err, c)
			return string(out)
		}
		assert.Equal(t, words(cmd), words(got), "w=%d:\n%s", w, got)
	}
	assert.Contains(t, Command(cmd, 60), "--operator \\\n  'registry.example.test/redhat/operator-index:v4.17 '\\\n'serverless-operator stable-1.33'")
}
