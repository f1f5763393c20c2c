//go:build e2e

package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/containerstore"
	"ferry/artifacts/registrytest"
)

// entry is one tar entry of a hand-made layer.
type entry struct {
	name, body, link string
	kind             byte
	mode             int64
	uid              int
}

func craftLayer(t *testing.T, entries ...entry) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	when := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.kind, Mode: e.mode, Uid: e.uid, Gid: e.uid, Linkname: e.link, ModTime: when, Size: int64(len(e.body)), Format: tar.FormatPAX}
		if e.kind == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(e.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	// Compressed, as registries carry layers.
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }, tarball.WithMediaType(types.OCILayer))
	require.NoError(t, err)
	return l
}

func mustRef(t *testing.T, ref string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	require.NoError(t, err)
	return r
}

// onlyImage is the digest of a layout's one image.
func onlyImage(t *testing.T, ii v1.ImageIndex) v1.Hash {
	t.Helper()
	m, err := ii.IndexManifest()
	require.NoError(t, err)
	require.Len(t, m.Manifests, 1)
	return m.Manifests[0].Digest
}

// uncompressedDigest hashes what a layer unpacks to.
func uncompressedDigest(t *testing.T, l v1.Layer) string {
	t.Helper()
	rc, err := l.Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	h := sha256.New()
	_, err = io.Copy(h, rc)
	require.NoError(t, err)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func pushCrafted(t *testing.T, up *registrytest.Registry, ref string, plats map[string][]v1.Layer) (digest string, manifests map[string]string) {
	t.Helper()
	r, err := name.ParseReference(up.Host+"/"+ref, name.Insecure)
	require.NoError(t, err)
	opts := []remote.Option{remote.WithTransport(up.Transport()), remote.WithAuth(up.Auth())}
	manifests = map[string]string{}
	build := func(plat string, ls []v1.Layer) v1.Image {
		img, err := mutate.AppendLayers(empty.Image, ls...)
		require.NoError(t, err)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		os, arch, _ := strings.Cut(plat, "/")
		cf.OS, cf.Architecture = os, arch
		cf.Created = v1.Time{Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
		img, err = mutate.ConfigFile(img, cf)
		require.NoError(t, err)
		img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
		d, err := img.Digest()
		require.NoError(t, err)
		manifests[plat] = d.String()
		return img
	}
	if len(plats) == 1 {
		for plat, ls := range plats {
			img := build(plat, ls)
			require.NoError(t, remote.Write(r, img, opts...))
			return manifests[plat], manifests
		}
	}
	var adds []mutate.IndexAddendum
	for _, plat := range []string{"linux/amd64", "linux/arm64"} {
		os, arch, _ := strings.Cut(plat, "/")
		adds = append(adds, mutate.IndexAddendum{Add: build(plat, plats[plat]), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: os, Architecture: arch}}})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	require.NoError(t, remote.WriteIndex(r, idx, opts...))
	d, err := idx.Digest()
	require.NoError(t, err)
	return d.String(), manifests
}

// TestE2ELoadNodeNative writes an image store with ferry's own vfs writer
// and reads it back with skopeo and podman: digests by name and by digest,
// a copy back out whose layers unpack to the configs' diff IDs (the
// tar-split records), the trees as a container would see them (whiteouts,
// links, owners), a second run that skips everything, a delta over the
// store, and a store that cannot be written.
func TestE2ELoadNodeNative(t *testing.T) {
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Skip("skopeo is not installed: it reads the store back")
	}
	if os.Geteuid() != 0 {
		t.Skip("writing a store's owners and devices needs root, as on a node")
	}
	up := registrytest.StartInProcess(t)
	base := craftLayer(t,
		entry{name: "bin/", kind: tar.TypeDir, mode: 0o755},
		entry{name: "bin/tool", body: "#!/bin/true\n", mode: 0o4755},
		entry{name: "bin/tool-link", kind: tar.TypeLink, link: "bin/tool"},
		entry{name: "bin/sh", kind: tar.TypeSymlink, link: "tool"},
		entry{name: "etc/os-release", body: "ID=ferry\n"},
		entry{name: "etc/release", kind: tar.TypeSymlink, link: "/etc/os-release"},
		entry{name: "var/cache/old-a", body: "a"},
		entry{name: "var/cache/old-b", body: "b"},
		entry{name: "home/user/.profile", body: "PS1=$\n", uid: 1000},
		entry{name: "dev/null", kind: tar.TypeChar, mode: 0o666},
	)
	app1 := craftLayer(t,
		entry{name: "bin/.wh.tool-link"},
		entry{name: "var/cache/.wh..wh..opq"},
		entry{name: "var/cache/new", body: "fresh"},
		entry{name: "app/app.txt", body: "version 1"},
	)
	other := craftLayer(t, entry{name: "opt/other/readme", body: "other"})
	armOnly := craftLayer(t, entry{name: "opt/arm", body: "arm"})
	app2 := craftLayer(t, entry{name: "app/.wh.app.txt"}, entry{name: "app/app2.txt", body: "version 2"})

	type pushed struct{ ref, digest string }
	push := func(ref string, plats map[string][]v1.Layer) pushed {
		d, _ := pushCrafted(t, up, ref, plats)
		return pushed{up.Host + "/" + ref, d}
	}
	v1Images := []pushed{
		push("product/app:1", map[string][]v1.Layer{"linux/amd64": {base, app1}}),
		push("product/other:1", map[string][]v1.Layer{"linux/amd64": {base, other}}),
		push("product/multi:1", map[string][]v1.Layer{"linux/amd64": {base, app1, other}, "linux/arm64": {base, armOnly}}),
	}
	v2Images := []pushed{
		push("product/app:2", map[string][]v1.Layer{"linux/amd64": {base, app1, app2}}),
		push("product/other:2", map[string][]v1.Layer{"linux/amd64": {base, other}}),
		push("product/multi:2", map[string][]v1.Layer{"linux/amd64": {base, app1, other}, "linux/arm64": {base, armOnly}}),
	}
	list := func(v string, ims []pushed) string {
		var refs []string
		for _, p := range ims {
			refs = append(refs, p.ref)
		}
		return writeFile(t, "images-"+v+".txt", strings.Join(refs, "\n")+"\n")
	}
	cache := t.TempDir()
	prepare := func(v, bundleName string, ims []pushed, extra ...string) string {
		out := t.TempDir()
		args := append([]string{"prepare", "--images", list(v, ims), "--arch", "amd64", "--insecure-source", up.Host,
			"--cache", cache, "--output", out, "--name", bundleName, "--progress", "none", "--no-binary"}, extra...)
		code, _, stderr := ferry(t, args...)
		require.Equal(t, 0, code, stderr)
		return out
	}
	baseBundle := prepare("1", "product-1", v1Images)
	deltaBundle := prepare("2", "product-2", v2Images, "--have", baseBundle)

	store := t.TempDir()
	root, run := store+"/root", store+"/run"
	load := func(b string, extra ...string) (int, string, string) {
		args := append([]string{"load-node", b, "--via", "native", "--store", root, "--runroot", run, "--driver", "vfs", "--no-pin", "--progress", "none"}, extra...)
		return ferry(t, args...)
	}
	inspect := func(ref string) string { return driverStoreHas(t, "vfs", store, ref) }

	code, stdout, stderr := load(baseBundle)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "3 images copied, 0 already there")
	podman, _ := exec.LookPath("podman")
	for _, p := range v1Images {
		repo, _, _ := strings.Cut(p.ref, ":1")
		assert.Equal(t, p.digest, inspect(repo+"@"+p.digest), p.ref)
		assert.NotEmpty(t, inspect(p.ref), p.ref)
		if podman != "" {
			out, err := exec.Command(podman, "--root", root, "--runroot", run, "--storage-driver", "vfs", "image", "exists", p.ref).CombinedOutput()
			assert.NoError(t, err, "podman image exists %s: %s", p.ref, out)
		}
	}

	// The trees, as a container over the top layer sees them.
	cfgOf := func(ref string) *v1.ConfigFile {
		img, err := remote.Image(mustRef(t, ref), remote.WithTransport(up.Transport()), remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
		require.NoError(t, err)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		return cf
	}
	top := func(cf *v1.ConfigFile) string {
		id := ""
		for _, d := range cf.RootFS.DiffIDs {
			id = containerstore.LayerID(id, d.String())
		}
		return filepath.Join(root, "vfs/dir", id)
	}
	baseDir := filepath.Join(root, "vfs/dir", containerstore.LayerID("", cfgOf(v1Images[0].ref).RootFS.DiffIDs[0].String()))
	appDir := top(cfgOf(v1Images[0].ref))
	var a, b syscall.Stat_t
	require.NoError(t, syscall.Lstat(baseDir+"/bin/tool", &a))
	require.NoError(t, syscall.Lstat(baseDir+"/bin/tool-link", &b))
	assert.Equal(t, a.Ino, b.Ino, "the hard link shares its target's inode")
	assert.Equal(t, uint32(0o4755), a.Mode&0o7777)
	if link, err := os.Readlink(appDir + "/bin/sh"); assert.NoError(t, err) {
		assert.Equal(t, "tool", link)
	}
	assert.NoFileExists(t, appDir+"/bin/tool-link", "whited out")
	assert.NoFileExists(t, appDir+"/var/cache/old-a", "hidden by the opaque folder")
	assert.FileExists(t, appDir+"/var/cache/new")
	assert.FileExists(t, baseDir+"/var/cache/old-a", "the layer below keeps it")
	var home syscall.Stat_t
	require.NoError(t, syscall.Lstat(appDir+"/home/user/.profile", &home))
	assert.Equal(t, uint32(1000), home.Uid)
	var dev syscall.Stat_t
	require.NoError(t, syscall.Lstat(appDir+"/dev/null", &dev))
	assert.Equal(t, uint32(syscall.S_IFCHR), dev.Mode&syscall.S_IFMT)
	fi, err := os.Stat(appDir + "/app/app.txt")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), fi.ModTime().UTC())

	// Copied back out, every layer unpacks to its config's diff ID: the
	// tar-split records rebuild each tar byte for byte.
	for _, p := range v1Images {
		dir := t.TempDir()
		out, err := exec.Command("skopeo", "copy", "--quiet", "containers-storage:[vfs@"+root+"+"+run+"]"+p.ref, "oci:"+dir+":x").CombinedOutput()
		require.NoError(t, err, "%s", out)
		lp, err := layout.FromPath(dir)
		require.NoError(t, err)
		ii, err := lp.ImageIndex()
		require.NoError(t, err)
		im, err := ii.Image(onlyImage(t, ii))
		require.NoError(t, err)
		cf, err := im.ConfigFile()
		require.NoError(t, err)
		want := cfgOf(p.ref)
		assert.Equal(t, want.RootFS.DiffIDs, cf.RootFS.DiffIDs, p.ref)
		layers, err := im.Layers()
		require.NoError(t, err)
		for i, l := range layers {
			d, err := l.DiffID()
			require.NoError(t, err)
			assert.Equal(t, want.RootFS.DiffIDs[i], d, "%s layer %d", p.ref, i)
			assert.Equal(t, want.RootFS.DiffIDs[i].String(), uncompressedDigest(t, l), "%s layer %d unpacks to its diff ID", p.ref, i)
		}
	}

	// Again: everything is there already.
	code, stdout, stderr = load(baseBundle)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "0 images copied, 3 already there")

	// The delta alone into an empty store is refused, naming its base.
	empty := t.TempDir()
	code, _, stderr = ferry(t, "load-node", deltaBundle, "--via", "native", "--store", empty+"/root", "--runroot", empty+"/run", "--driver", "vfs", "--no-pin", "--progress", "none")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "product-1 (code ")
	t.Log(strings.TrimSpace(stderr))

	// The delta over the store holding its base.
	code, stdout, stderr = load(deltaBundle)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "3 images copied")
	for _, p := range v2Images {
		repo, _, _ := strings.Cut(p.ref, ":2")
		assert.Equal(t, p.digest, inspect(repo+"@"+p.digest), p.ref)
		assert.NotEmpty(t, inspect(p.ref), p.ref)
	}
	app2Dir := top(cfgOf(v2Images[0].ref))
	assert.NoFileExists(t, app2Dir+"/app/app.txt")
	assert.FileExists(t, app2Dir+"/app/app2.txt")
	// Version 1 is still there, by its own names.
	for _, p := range v1Images {
		assert.NotEmpty(t, inspect(p.ref), p.ref)
	}

	// A store that cannot be written: one sentence, nothing written.
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	code, stdout, stderr = ferry(t, "load-node", baseBundle, "--via", "native", "--store", blocker+"/root", "--runroot", blocker+"/run", "--driver", "vfs", "--no-pin", "--progress", "none")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "cannot be written")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, stderr)
	assert.Empty(t, stdout)
	t.Log(strings.TrimSpace(stderr))

	// The overlay driver is skopeo's alone.
	code, _, stderr = ferry(t, "load-node", baseBundle, "--via", "native", "--store", empty+"/o", "--runroot", empty+"/orun", "--driver", "overlay", "--no-pin", "--progress", "none")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "only vfs")
	t.Log(strings.TrimSpace(stderr))
}
