package release

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/registrytest"
	"ferry/artifacts/source"
)

func tarLayer(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for n, c := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c)), Typeflag: tar.TypeReg}))
		_, _ = tw.Write([]byte(c))
	}
	require.NoError(t, tw.Close())
	return static.NewLayer(buf.Bytes(), types.OCIUncompressedLayer)
}

// PushRelease pushes a fake release payload naming components.
func pushRelease(t *testing.T, host, tag string, components []string) string {
	t.Helper()
	var tags string
	for i, c := range components {
		if i > 0 {
			tags += ","
		}
		tags += fmt.Sprintf(`{"name":"c%d","from":{"kind":"DockerImage","name":%q}}`, i, c)
	}
	refs := `{"kind":"ImageStream","apiVersion":"image.openshift.io/v1","metadata":{"name":"4.16.0"},"spec":{"tags":[` + tags + `]}}`
	img, err := mutate.AppendLayers(empty.Image,
		tarLayer(t, map[string]string{"release-manifests/image-references": `{"kind":"ImageStream","spec":{"tags":[]}}`}),
		tarLayer(t, map[string]string{"release-manifests/image-references": refs, "release-manifests/other.yaml": "x"}))
	require.NoError(t, err)
	ref, _ := name.ParseReference(host+"/openshift-release-dev/ocp-release:"+tag, name.Insecure)
	require.NoError(t, remote.Write(ref, img))
	return ref.String()
}

func TestComponentsFromTheNewestLayer(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	comps := []string{reg.Host + "/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + fmt.Sprintf("%064d", 1), reg.Host + "/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + fmt.Sprintf("%064d", 2)}
	ref := pushRelease(t, reg.Host, "4.16.0-x86_64", comps)
	acc, err := source.New(source.Options{InsecureHosts: []string{reg.Host}})
	require.NoError(t, err)
	r := &Reader{Access: acc}
	got, err := r.Components(context.Background(), ref)
	require.NoError(t, err)
	assert.Equal(t, []Component{{Name: "c0", Image: comps[0]}, {Name: "c1", Image: comps[1]}}, got, "each with its tag's name")

	// An image that is not a release payload says so.
	plain, _ := mutate.AppendLayers(empty.Image, tarLayer(t, map[string]string{"etc/hostname": "x"}))
	pref, _ := name.ParseReference(reg.Host+"/other/image:1", name.Insecure)
	require.NoError(t, remote.Write(pref, plain))
	_, err = r.Components(context.Background(), pref.String())
	require.ErrorIs(t, err, ErrNoReferences)
	assert.Contains(t, err.Error(), "it is not an OpenShift release payload")
}
