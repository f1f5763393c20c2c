//go:build e2e

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
)

// TestE2EDeltaIntoDistribution runs the upgrade journey against the
// distribution registry: base then delta gives every digest of the new
// version, the delta alone is refused with nothing pushed.
func TestE2EDeltaIntoDistribution(t *testing.T) {
	f := newDeltaFixture(t, registrytest.StartDistribution(t))
	out := deltaRoundTrip(t, f, registrytest.StartDistribution(t), registrytest.StartDistribution(t))
	// The distribution registry keeps blobs per repository: the new
	// repository's shared layers were mounted from the others.
	assert.Regexp(t, `blobs \d+ sent, \d+ already there, [1-9]\d* mounted`, out)
}

// TestE2EInventoryWithLoginHoldsNoCredential takes an inventory of a
// registry that needs a login, and makes a delta from it.
func TestE2EInventoryWithLoginHoldsNoCredential(t *testing.T) {
	f := newDeltaFixture(t, registrytest.StartDistribution(t))
	site := registrytest.StartDistribution(t, registrytest.WithBasicAuth("site-user", "s1te-s3cret"))
	base := f.prepare(t, "1", "product-1")
	env := []string{"NO_COLOR=1", "HOME=" + t.TempDir(), "DOCKER_CONFIG=" + t.TempDir(), "FERRY_REGISTRY_USERNAME=site-user", "FERRY_REGISTRY_PASSWORD=s1te-s3cret"}
	runEnv := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := runWithEnv(t, &out, &errOut, env, args...)
		return code, out.String() + errOut.String()
	}
	code, out := runEnv("import", base, "--registry", site.Host+"/mirror", "--ca-file", site.CAFile)
	require.Equal(t, 0, code, out)
	inv := filepath.Join(t.TempDir(), "inventory.json")
	code, out = runEnv("inventory", "--registry", site.Host+"/mirror", "--ca-file", site.CAFile, "--bundle", base, "--output", inv)
	require.Equal(t, 0, code, out)
	data, err := os.ReadFile(inv)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "s1te-s3cret")
	assert.NotContains(t, string(data), "site-user")

	delta := f.prepare(t, "2", "product-2", "--have", inv)
	assert.Less(t, openBundle(t, delta).Index.Size, openBundle(t, base).Index.Size/4)
	code, out = runEnv("import", delta, "--registry", site.Host+"/mirror", "--ca-file", site.CAFile)
	require.Equal(t, 0, code, out)
}
