package plainfile

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseList(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	es, err := ParseList("files.txt", strings.NewReader("# tools\nhttps://x.test/a/helm-v3.tgz "+sum+"\n\nhttps://x.test/dl?id=1 "+strings.ToUpper(sum)+" tool.bin # renamed\n"))
	require.NoError(t, err)
	assert.Equal(t, []Entry{{URL: "https://x.test/a/helm-v3.tgz", SHA256: sum, Name: "helm-v3.tgz"}, {URL: "https://x.test/dl?id=1", SHA256: sum, Name: "tool.bin"}}, es)
	for line, want := range map[string]string{
		"https://x.test/a":                  `files.txt:1: "https://x.test/a" must be URL SHA256 [NAME]`,
		"ftp://x.test/a " + sum:             `files.txt:1: "ftp://x.test/a" is not an http(s) URL`,
		"https://x.test/a abc":              `files.txt:1: "abc" is not a sha256`,
		"https://x.test/ " + sum:            `files.txt:1: give a file name for https://x.test/`,
		"https://x.test/a " + sum + " ../x": `files.txt:1: give a file name`,
	} {
		_, err := ParseList("files.txt", strings.NewReader(line+"\n"))
		require.Error(t, err, line)
		assert.Contains(t, err.Error(), want)
	}
}
