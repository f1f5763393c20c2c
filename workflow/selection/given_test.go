package selection

import (
	"testing"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGivenSettingsWinOverTheAnswersFile(t *testing.T) {
	fs := afero.NewMemMapFs()
	require.NoError(t, SaveFS(fs, "/a.yaml", Selection{Target: "sonataflow", Version: "1.0", Archs: []string{"arm64"}, MavenScopes: []string{"test"}}))
	require.NoError(t, afero.WriteFile(fs, "/images.txt", []byte("quay.io/a/b:1\n"), 0o644))
	g := Given{
		Answers:  "/a.yaml",
		Settings: Selection{Version: "2.0", Target: "ignored, not given", NoSignatures: true},
		Keys:     []string{"version", "noSignatures"},
		Lists:    Lists{Images: "/images.txt"},
	}
	s, err := g.Selection(fs, "amd64", "https://repo.example.test")
	require.NoError(t, err)
	assert.Equal(t, Selection{Target: "sonataflow", Version: "2.0", Archs: []string{"arm64"}, MavenScopes: []string{"test"}, NoSignatures: true,
		Images: []string{"quay.io/a/b:1"}, MavenRepositories: []string{"https://repo.example.test"}}, s)
}

func TestGivenChoiceFerryCannotCarryIsInvalid(t *testing.T) {
	g := Given{Settings: Selection{MavenScopes: []string{"system"}}, Keys: []string{"mavenScopes"}}
	_, err := g.Selection(afero.NewMemMapFs(), "amd64", "")
	assert.ErrorIs(t, err, ErrInvalid)
}

func TestOverlayKnowsEveryAnswersFileKey(t *testing.T) {
	var s Selection
	s.Overlay(Selection{MavenRepositories: []string{"r"}, MavenDirectOnly: true}, "mavenRepositories", "mavenDirectOnly")
	assert.Equal(t, Selection{MavenRepositories: []string{"r"}, MavenDirectOnly: true}, s)
	assert.Panics(t, func() { s.Overlay(Selection{}, "maven-repo") })
}
