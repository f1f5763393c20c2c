package maven_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/maven"
)

func TestLocalFolderResolvesLikeARepository(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"org/example/lib/1.0/lib-1.0.pom":      "<project><packaging>jar</packaging></project>",
		"org/example/lib/1.0/lib-1.0.jar":      "jar bytes",
		"org/example/lib/1.0/lib-1.0.jar.sha1": "0123456789abcdef0123456789abcdef01234567",
	}
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	client := &http.Client{Transport: maven.LocalTransport(nil)}

	for _, repo := range []string{dir, "file://" + filepath.ToSlash(dir)} {
		repos := maven.LocalRepositories([]string{repo, "https://repo.example.test/maven2"})
		assert.True(t, strings.HasPrefix(repos[0], "file:///"), repos[0])
		assert.Equal(t, "https://repo.example.test/maven2", repos[1], "URLs stay as they are")

		r := &maven.Resolver{Repositories: repos[:1], Client: client}
		a, err := r.Resolve(context.Background(), lib)
		require.NoError(t, err, repo)
		assert.Equal(t, "jar", a.Packaging)
		var paths []string
		for _, f := range a.Files {
			paths = append(paths, f.Path)
			assert.Equal(t, int64(len(files[f.Path])), f.Size, f.Path)
		}
		assert.Equal(t, []string{"org/example/lib/1.0/lib-1.0.jar", "org/example/lib/1.0/lib-1.0.jar.sha1", "org/example/lib/1.0/lib-1.0.pom"}, paths)

		_, err = r.Resolve(context.Background(), maven.Coordinate{GroupID: "org.example", ArtifactID: "absent", Version: "1"})
		assert.ErrorIs(t, err, maven.ErrNotFound)
	}
}
