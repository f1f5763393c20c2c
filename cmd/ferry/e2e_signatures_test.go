//go:build e2e

package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
)

// The distribution registry 2.8 has no referrers API: the upstream's
// referrers are read through the fallback tag, and the site's fallback tag
// is written by the import.
func TestE2ESignedImageIntoDistribution(t *testing.T) {
	up := newSignedUpstream(t, registrytest.StartDistribution(t))
	p := up.plan(t)
	require.Len(t, p.Images, 7, "the image and six attached artifacts")

	out := t.TempDir()
	code, _, stderr := ferry(t, "prepare", "--images", up.images, "--arch", "amd64", "--arch", "arm64", "--insecure-source", up.reg.Host,
		"--cache", t.TempDir(), "--output", out, "--progress", "none", "--no-binary")
	require.Equal(t, 0, code, stderr)
	code, _, stderr = ferry(t, "verify", out, "--progress", "none")
	require.Equal(t, 0, code, stderr)

	site := registrytest.StartDistribution(t)
	for range 2 {
		code, _, stderr = ferry(t, "import", out, "--registry", site.Host+"/mirror", "--insecure", "--progress", "none")
		require.Equal(t, 0, code, stderr)
		up.assertArrived(t, site.Host, "mirror/", false)
	}
}
