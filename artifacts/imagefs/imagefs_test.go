package imagefs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/progress"
	"ferry/artifacts/registrytest"
)

const repo = "/home/kogito/.m2/repository"

// ent is one tar entry; typ 0 means a regular file.
type ent struct {
	name, body, link string
	typ              byte
	mode             int64
}

func file(name, body string) ent       { return ent{name: name, body: body} }
func dir(name string) ent              { return ent{name: name, typ: tar.TypeDir} }
func hardlink(name, target string) ent { return ent{name: name, link: target, typ: tar.TypeLink} }
func symlink(name, target string) ent  { return ent{name: name, link: target, typ: tar.TypeSymlink} }

func tarBytes(t testing.TB, entries ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: e.mode}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		require.NoError(t, tw.WriteHeader(h))
		if h.Typeflag == tar.TypeReg {
			_, err := io.WriteString(tw, e.body)
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// gzipLayer is a gzip-compressed layer, as registries mostly serve.
func gzipLayer(t testing.TB, entries ...ent) v1.Layer {
	t.Helper()
	return openerLayer(t, tarBytes(t, entries...))
}

func openerLayer(t testing.TB, raw []byte, opts ...tarball.LayerOption) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, append(opts, tarball.WithCompressedCaching)...)
	require.NoError(t, err)
	return l
}

func zstdLayer(t testing.TB, entries ...ent) v1.Layer {
	t.Helper()
	return openerLayer(t, tarBytes(t, entries...), tarball.WithCompression(compression.ZStd))
}

// plainLayer is an uncompressed layer.
func plainLayer(t testing.TB, entries ...ent) v1.Layer {
	t.Helper()
	return static.NewLayer(tarBytes(t, entries...), types.OCIUncompressedLayer)
}

func imageOf(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	require.NoError(t, err)
	return img
}

func layerSizes(t testing.TB, img v1.Image) (sizes []int64, sum int64) {
	t.Helper()
	ls, err := img.Layers()
	require.NoError(t, err)
	for _, l := range ls {
		s, err := l.Size()
		require.NoError(t, err)
		sizes = append(sizes, s)
		sum += s
	}
	return sizes, sum
}

// want computes the expected File for content, without the package.
func want(path, body string, mode fs.FileMode) File {
	s1, s256 := sha1.Sum([]byte(body)), sha256.Sum256([]byte(body))
	return File{Path: path, Size: int64(len(body)), Mode: mode, SHA1: hex.EncodeToString(s1[:]), SHA256: hex.EncodeToString(s256[:])}
}

func paths(files []File) []string {
	out := []string{}
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

// onDisk reads every file under dest, failing on anything but folders and
// regular files.
func onDisk(t testing.TB, dest string) map[string]string {
	t.Helper()
	got := map[string]string{}
	require.NoError(t, filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			t.Errorf("%s is not a regular file (%v)", p, d.Type())
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dest, p)
		got[filepath.ToSlash(rel)] = string(b)
		return nil
	}))
	return got
}

// layered is three layers over the repository: the base one gzip, an
// upper one zstd, the top one uncompressed.
func layered(t testing.TB) (v1.Image, map[string]string) {
	t.Helper()
	base := gzipLayer(t,
		dir("home/"), dir("home/kogito/"), dir("home/kogito/.m2/"), dir("home/kogito/.m2/repository/"),
		file("home/kogito/.m2/repository/org/a/1/a-1.jar", "jar a version one"),
		file("home/kogito/.m2/repository/org/a/1/a-1.pom", "<project>a</project>"),
		file("home/kogito/.m2/repository/org/b/2/b-2.jar", "jar b, removed above"),
		file("home/kogito/.m2/repository/org/c/3/old.jar", "hidden by an opaque folder above"),
		file("home/kogito/.m2/repository/org/c/3/old.pom", "hidden too"),
		file("home/kogito/.m2/settings.xml", "outside the folder"),
		file("etc/passwd", "root:x:0:0"),
		// Climbs above the root: ignored, not clamped into the folder.
		file("../home/kogito/.m2/repository/escaped.jar", "must not appear"),
		file("home/kogito/.m2/repository/../../../../../escaped-too", "must not appear"),
		// Cleans to a path beside the folder: not part of it.
		file("home/kogito/.m2/repository/org/../../beside.txt", "beside the folder"),
		// Other spellings of paths inside it.
		file("./home/kogito/.m2/repository/dot.jar", "dot"),
		file("/home/kogito/.m2/repository/abs//x/./y.jar", "absolute"),
	)
	middle := zstdLayer(t,
		file("home/kogito/.m2/repository/org/a/1/a-1.jar", "jar a version two, from the middle layer"),
		file("home/kogito/.m2/repository/org/b/2/.wh.b-2.jar", ""),
		file("home/kogito/.m2/repository/org/d/4/d-4.jar", "jar d"),
	)
	top := plainLayer(t,
		dir("home/kogito/.m2/repository/org/c/3/"),
		file("home/kogito/.m2/repository/org/c/3/.wh..wh..opq", ""),
		file("home/kogito/.m2/repository/org/c/3/new.jar", "the only file left in c/3"),
		file("home/kogito/.m2/repository/org/e/5/e-5.jar", "jar e"),
		hardlink("home/kogito/.m2/repository/org/e/5/e-5-copy.jar", "home/kogito/.m2/repository/org/e/5/e-5.jar"),
		ent{name: "home/kogito/.m2/repository/bin/run.sh", body: "#!/bin/sh\n", mode: 0o755},
	)
	return imageOf(t, base, middle, top), map[string]string{
		"org/a/1/a-1.jar":      "jar a version two, from the middle layer",
		"org/a/1/a-1.pom":      "<project>a</project>",
		"org/c/3/new.jar":      "the only file left in c/3",
		"org/d/4/d-4.jar":      "jar d",
		"org/e/5/e-5.jar":      "jar e",
		"org/e/5/e-5-copy.jar": "jar e",
		"dot.jar":              "dot",
		"abs/x/y.jar":          "absolute",
		"bin/run.sh":           "#!/bin/sh\n",
	}
}

func expected(t testing.TB, bodies map[string]string) []File {
	t.Helper()
	var out []File
	for p, b := range bodies {
		mode := fs.FileMode(0o644)
		if strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		out = append(out, want(p, b, mode))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func TestListGivesTheFinalFilesystem(t *testing.T) {
	img, bodies := layered(t)
	var events []progress.Event
	res, err := List(context.Background(), img, repo, Options{Progress: func(e progress.Event) { events = append(events, e) }})
	require.NoError(t, err)

	assert.Equal(t, repo, res.Dir)
	assert.Equal(t, expected(t, bodies), res.Files, "overwritten, whited-out, opaque, hard-linked and escaping entries")
	assert.Empty(t, res.Symlinks)

	_, sum := layerSizes(t, img)
	assert.Equal(t, 3, res.LayerReads)
	assert.Equal(t, sum, res.BytesRead, "every compressed byte of every layer, once")

	require.NotEmpty(t, events)
	last := events[len(events)-1]
	assert.Equal(t, progress.Checked, last.State)
	assert.Equal(t, progress.Event{Item: last.Item, ItemsDone: 3, ItemsTotal: 3, BytesDone: sum, BytesTotal: sum, State: progress.Checked}, last)
	done := 0
	for _, e := range events {
		if e.State == progress.Checked {
			done++
		}
	}
	assert.Equal(t, 3, done, "one Checked event per layer")
}

func TestExtractWritesWhatListReports(t *testing.T) {
	img, bodies := layered(t)
	dest := filepath.Join(t.TempDir(), "repo")
	res, err := Extract(context.Background(), img, repo, dest, Options{})
	require.NoError(t, err)
	assert.Equal(t, expected(t, bodies), res.Files)
	assert.Equal(t, bodies, onDisk(t, dest), "exactly the final files, nothing else")

	listed, err := List(context.Background(), img, repo, Options{})
	require.NoError(t, err)
	assert.Equal(t, listed, res)

	st, err := os.Stat(filepath.Join(dest, "bin", "run.sh"))
	require.NoError(t, err)
	assert.NotZero(t, st.Mode().Perm()&0o100, "executables stay executable")
}

func TestExtractNeedsAnEmptyFolder(t *testing.T) {
	img, _ := layered(t)
	dest := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dest, "x"), nil, 0o600))
	_, err := Extract(context.Background(), img, repo, dest, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not empty")
}

func TestFolderPathSpellings(t *testing.T) {
	img, bodies := layered(t)
	for _, d := range []string{repo, "home/kogito/.m2/repository", repo + "/", "//home/kogito/./.m2/x/../repository"} {
		res, err := List(context.Background(), img, d, Options{})
		require.NoError(t, err, d)
		assert.Equal(t, repo, res.Dir, d)
		assert.Len(t, res.Files, len(bodies), d)
	}
	_, err := List(context.Background(), img, "", Options{})
	assert.EqualError(t, err, "no folder given: name the folder inside the image, for example /home/kogito/.m2/repository")
	for _, d := range []string{"../home", "/../home"} {
		_, err := List(context.Background(), img, d, Options{})
		require.Error(t, err, d)
		assert.Contains(t, err.Error(), "climbs out of the image's root", d)
	}

	// A parent of the repository holds it and the files beside it.
	res, err := List(context.Background(), img, "/home/kogito", Options{})
	require.NoError(t, err)
	assert.Contains(t, paths(res.Files), ".m2/repository/org/a/1/a-1.jar")
	assert.Contains(t, paths(res.Files), ".m2/settings.xml")
	assert.Contains(t, paths(res.Files), ".m2/beside.txt")

	// The root is the whole filesystem, and nothing climbed out of it.
	res, err = List(context.Background(), img, "/", Options{})
	require.NoError(t, err)
	assert.Equal(t, "/", res.Dir)
	assert.Contains(t, paths(res.Files), "etc/passwd")
	for _, p := range paths(res.Files) {
		assert.NotContains(t, p, "escaped")
	}
}

func TestMissingFolder(t *testing.T) {
	base := gzipLayer(t, file("home/kogito/.m2/repository/a.jar", "a"), file("opt/m2/b.jar", "b"))
	cases := map[string]struct {
		img v1.Image
		dir string
		msg string
	}{
		"never there": {
			imageOf(t, base), "/home/kogito/.m2/repositry",
			"the image has no folder /home/kogito/.m2/repositry: check the path in the catalog",
		},
		"no leading slash": {
			imageOf(t, base), "usr/share/maven",
			"the image has no folder /usr/share/maven: check the path in the catalog",
		},
		"no layers": {
			empty.Image, repo,
			"the image has no folder /home/kogito/.m2/repository: check the path in the catalog",
		},
		"whited out": {
			imageOf(t, base, gzipLayer(t, file("home/kogito/.m2/.wh.repository", ""))), repo,
			"the image has no folder /home/kogito/.m2/repository: check the path in the catalog",
		},
		"a parent whited out": {
			imageOf(t, base, gzipLayer(t, file("home/.wh.kogito", ""))), repo,
			"the image has no folder /home/kogito/.m2/repository: check the path in the catalog",
		},
		"a parent made opaque": {
			imageOf(t, base, gzipLayer(t, dir("home/kogito/"), file("home/kogito/.wh..wh..opq", ""), file("home/kogito/.bashrc", ""))), repo,
			"the image has no folder /home/kogito/.m2/repository: check the path in the catalog",
		},
		"a parent replaced by a symbolic link": {
			imageOf(t, base, gzipLayer(t, symlink("home/kogito/.m2", "/opt/m2"))), repo,
			"the image has no folder /home/kogito/.m2/repository (/home/kogito/.m2 is a symbolic link to /opt/m2): check the path in the catalog",
		},
		"replaced by a file": {
			imageOf(t, base, gzipLayer(t, file("home/kogito/.m2/repository", "not a folder"))), repo,
			"the image has no folder /home/kogito/.m2/repository (/home/kogito/.m2/repository is a file, not a folder): check the path in the catalog",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := List(context.Background(), c.img, c.dir, Options{})
			require.Error(t, err)
			assert.Equal(t, c.msg, err.Error())
			assert.ErrorIs(t, err, ErrNoFolder)
			var nf *NoFolderError
			require.ErrorAs(t, err, &nf)
		})
	}
}

func TestWhiteoutsOnTheFolderAndItsParents(t *testing.T) {
	base := gzipLayer(t,
		file("home/kogito/.m2/repository/old/a.jar", "old a"),
		file("home/kogito/.m2/repository/keep.jar", "kept by a merge"),
	)
	cases := map[string]struct {
		upper []v1.Layer
		want  map[string]string
	}{
		"the folder whited out, then made again": {
			[]v1.Layer{
				gzipLayer(t, file("home/kogito/.m2/.wh.repository", "")),
				gzipLayer(t, file("home/kogito/.m2/repository/new.jar", "new")),
			},
			map[string]string{"new.jar": "new"},
		},
		"a parent opaque in a layer that brings the folder again": {
			[]v1.Layer{gzipLayer(t,
				file("home/kogito/.m2/repository/new.jar", "new"),
				file("home/kogito/.wh..wh..opq", ""), // after the folder's entries: order within a layer does not matter
			)},
			map[string]string{"new.jar": "new"},
		},
		"a whiteout hides only lower layers, wherever it stands in its layer": {
			[]v1.Layer{gzipLayer(t,
				file("home/kogito/.m2/repository/old/b.jar", "b"),
				file("home/kogito/.m2/repository/keep.jar", "keep, again"),
				file("home/kogito/.m2/repository/.wh.old", ""),
				file("home/kogito/.m2/repository/.wh.keep.jar", ""),
			)},
			map[string]string{"old/b.jar": "b", "keep.jar": "keep, again"},
		},
		"the folder whited out in the layer that brings it again": {
			[]v1.Layer{gzipLayer(t,
				file("home/kogito/.m2/repository/new.jar", "new"),
				file("home/kogito/.m2/.wh.repository", ""),
			)},
			map[string]string{"new.jar": "new"},
		},
		"the folder itself opaque": {
			[]v1.Layer{gzipLayer(t,
				file("home/kogito/.m2/repository/.wh..wh..opq", ""),
				file("home/kogito/.m2/repository/old/b.jar", "b"),
			)},
			map[string]string{"old/b.jar": "b"},
		},
		"the root opaque": {
			[]v1.Layer{gzipLayer(t, file(".wh..wh..opq", ""), file("home/kogito/.m2/repository/r.jar", "r"))},
			map[string]string{"r.jar": "r"},
		},
		"a parent replaced by a file, then by a folder": {
			[]v1.Layer{
				gzipLayer(t, file("home/kogito/.m2", "a file now")),
				gzipLayer(t, dir("home/kogito/.m2/"), file("home/kogito/.m2/repository/n.jar", "n")),
			},
			map[string]string{"n.jar": "n"},
		},
		"a sub-folder replaced by a file, then by a folder": {
			[]v1.Layer{
				gzipLayer(t, file("home/kogito/.m2/repository/old", "a file now")),
				gzipLayer(t, dir("home/kogito/.m2/repository/old"), file("home/kogito/.m2/repository/old/c.jar", "c")),
			},
			map[string]string{"old/c.jar": "c", "keep.jar": "kept by a merge"},
		},
		"a file replaced by a folder": {
			[]v1.Layer{gzipLayer(t, dir("home/kogito/.m2/repository/keep.jar"), file("home/kogito/.m2/repository/keep.jar/inside", "i"))},
			map[string]string{"old/a.jar": "old a", "keep.jar/inside": "i"},
		},
		"an entry under a file is ignored, as a runtime refuses it": {
			[]v1.Layer{gzipLayer(t,
				file("home/kogito/.m2/repository/keep.jar/inside", "i"),
				file("home/kogito/.m2/repository/keep.jar/.wh..wh..opq", ""),
				file("home/kogito/.m2/repository/keep.jar/.wh.x", ""),
			)},
			map[string]string{"old/a.jar": "old a", "keep.jar": "kept by a merge"},
		},
		"an entry under a symbolic link is ignored, as it would land elsewhere": {
			[]v1.Layer{
				gzipLayer(t, symlink("home/kogito/.m2/repository/current", "old")),
				gzipLayer(t, file("home/kogito/.m2/repository/current/b.jar", "b")),
			},
			map[string]string{"old/a.jar": "old a", "keep.jar": "kept by a merge"},
		},
		"merge without whiteouts": {
			[]v1.Layer{gzipLayer(t, dir("home/kogito/.m2/repository/old/"), file("home/kogito/.m2/repository/old/d.jar", "d"))},
			map[string]string{"old/a.jar": "old a", "old/d.jar": "d", "keep.jar": "kept by a merge"},
		},
		"a symbolic link replaced": {
			[]v1.Layer{
				gzipLayer(t, symlink("home/kogito/.m2/repository/keep.jar", "old/a.jar")),
				gzipLayer(t, file("home/kogito/.m2/repository/keep.jar", "a file again")),
			},
			map[string]string{"old/a.jar": "old a", "keep.jar": "a file again"},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			img := imageOf(t, append([]v1.Layer{base}, c.upper...)...)
			dest := filepath.Join(t.TempDir(), "out")
			res, err := Extract(context.Background(), img, repo, dest, Options{})
			require.NoError(t, err)
			var wantFiles []File
			for p, b := range c.want {
				wantFiles = append(wantFiles, want(p, b, 0o644))
			}
			sort.Slice(wantFiles, func(i, j int) bool { return wantFiles[i].Path < wantFiles[j].Path })
			assert.Equal(t, wantFiles, res.Files)
			assert.Equal(t, c.want, onDisk(t, dest))
		})
	}
}

func TestLayersAreReadToTheirEnd(t *testing.T) {
	// GNU tar pads archives to whole records; what follows the end marker
	// is still part of the blob, whose digest a registry layer checks only
	// once it is read to the end.
	raw := append(tarBytes(t, file("home/kogito/.m2/repository/a.jar", "a")), make([]byte, 64<<10)...)
	img := imageOf(t, static.NewLayer(raw, types.OCIUncompressedLayer))
	res, err := List(context.Background(), img, repo, Options{})
	require.NoError(t, err)
	assert.Equal(t, []File{want("a.jar", "a", 0o644)}, res.Files)
	assert.EqualValues(t, len(raw), res.BytesRead)
}

func TestSymlinksAreReportedNotFollowed(t *testing.T) {
	img := imageOf(t, gzipLayer(t,
		file("usr/share/java/lib.jar", "lib"),
		file("home/kogito/.m2/repository/org/x/1/x-1.jar", "x"),
		symlink("home/kogito/.m2/repository/org/lib/1/lib-1.jar", "/usr/share/java/lib.jar"),
		symlink("home/kogito/.m2/repository/org/x/latest.jar", "1/x-1.jar"),
	))
	dest := filepath.Join(t.TempDir(), "out")
	res, err := Extract(context.Background(), img, repo, dest, Options{})
	require.NoError(t, err)
	assert.Equal(t, []File{want("org/x/1/x-1.jar", "x", 0o644)}, res.Files)
	assert.Equal(t, []Symlink{
		{Path: "org/lib/1/lib-1.jar", Target: "/usr/share/java/lib.jar"},
		{Path: "org/x/latest.jar", Target: "1/x-1.jar"},
	}, res.Symlinks)
	assert.Equal(t, map[string]string{"org/x/1/x-1.jar": "x"}, onDisk(t, dest), "no link is made on disk")
}

func TestHardLinks(t *testing.T) {
	t.Run("inside the folder, to a lower layer's file", func(t *testing.T) {
		img := imageOf(t,
			gzipLayer(t, file("home/kogito/.m2/repository/a.jar", "a")),
			gzipLayer(t, hardlink("home/kogito/.m2/repository/b.jar", "/home/kogito/.m2/repository/a.jar")),
		)
		res, err := List(context.Background(), img, repo, Options{})
		require.NoError(t, err)
		assert.Equal(t, []File{want("a.jar", "a", 0o644), want("b.jar", "a", 0o644)}, res.Files)
	})

	t.Run("a later version of the target does not change the link", func(t *testing.T) {
		img := imageOf(t,
			gzipLayer(t, file("home/kogito/.m2/repository/a.jar", "a"), hardlink("home/kogito/.m2/repository/b.jar", "home/kogito/.m2/repository/a.jar")),
			gzipLayer(t, file("home/kogito/.m2/repository/a.jar", "a, rebuilt")),
		)
		dest := filepath.Join(t.TempDir(), "out")
		res, err := Extract(context.Background(), img, repo, dest, Options{})
		require.NoError(t, err)
		assert.Equal(t, []File{want("a.jar", "a, rebuilt", 0o644), want("b.jar", "a", 0o644)}, res.Files)
		assert.Equal(t, map[string]string{"a.jar": "a, rebuilt", "b.jar": "a"}, onDisk(t, dest))
	})

	t.Run("to a file outside the folder: that layer is read again", func(t *testing.T) {
		linked := gzipLayer(t,
			file("usr/share/java/lib.jar", "first version, replaced before the link"),
			file("usr/share/java/lib.jar", "lib"),
			file("usr/share/java/other.jar", "other"),
			hardlink("home/kogito/.m2/repository/org/lib/1/lib-1.jar", "usr/share/java/lib.jar"),
			hardlink("home/kogito/.m2/repository/org/lib/1/lib-1-copy.jar", "home/kogito/.m2/repository/org/lib/1/lib-1.jar"),
			hardlink("home/kogito/.m2/repository/org/lib/1/gone.jar", "usr/share/java/other.jar"),
			file("home/kogito/.m2/repository/org/lib/1/gone.jar", "replaced later in the layer"),
			file("usr/share/java/lib.jar", "a version after the link"),
		)
		img := imageOf(t, gzipLayer(t, file("home/kogito/.m2/repository/a.jar", "a")), linked, gzipLayer(t, file("etc/motd", "hi")))
		var again []progress.Event
		dest := filepath.Join(t.TempDir(), "out")
		res, err := Extract(context.Background(), img, repo, dest, Options{Progress: func(e progress.Event) {
			if strings.Contains(e.Label, "again") {
				again = append(again, e)
			}
		}})
		require.NoError(t, err)
		assert.Equal(t, []File{
			want("a.jar", "a", 0o644),
			want("org/lib/1/gone.jar", "replaced later in the layer", 0o644),
			want("org/lib/1/lib-1-copy.jar", "lib", 0o644),
			want("org/lib/1/lib-1.jar", "lib", 0o644),
		}, res.Files)
		assert.Equal(t, map[string]string{
			"a.jar": "a", "org/lib/1/gone.jar": "replaced later in the layer",
			"org/lib/1/lib-1.jar": "lib", "org/lib/1/lib-1-copy.jar": "lib",
		}, onDisk(t, dest), "no temporary file left behind")

		sizes, sum := layerSizes(t, img)
		assert.Equal(t, 4, res.LayerReads)
		assert.Equal(t, sum+sizes[1], res.BytesRead, "the linked layer counts twice")
		require.NotEmpty(t, again)
		assert.Equal(t, 2, again[0].ItemsDone)
		assert.Equal(t, sum+sizes[1], again[len(again)-1].BytesTotal)
	})

	t.Run("a target the layer does not hold", func(t *testing.T) {
		img := imageOf(t, gzipLayer(t, hardlink("home/kogito/.m2/repository/a.jar", "usr/share/java/none.jar")))
		_, err := List(context.Background(), img, repo, Options{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the hard link /home/kogito/.m2/repository/a.jar points to /usr/share/java/none.jar, which is not a file earlier in that layer")
	})

	t.Run("a target above the root is ignored", func(t *testing.T) {
		img := imageOf(t, gzipLayer(t, file("home/kogito/.m2/repository/a.jar", "a"), hardlink("home/kogito/.m2/repository/b.jar", "../../etc/shadow")))
		res, err := List(context.Background(), img, repo, Options{})
		require.NoError(t, err)
		assert.Equal(t, []string{"a.jar"}, paths(res.Files))
	})
}

func TestRemoteImage(t *testing.T) {
	reg := registrytest.StartInProcess(t)
	proxy := registrytest.NewFaultProxy(t, reg)
	img, bodies := layered(t)
	ref, err := name.ParseReference(reg.Host+"/sonataflow/builder:1", name.Insecure)
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, img, remote.WithTransport(reg.Transport())))

	viaProxy, err := name.ParseReference(proxy.Host+"/sonataflow/builder:1", name.Insecure)
	require.NoError(t, err)
	remoteImg, err := remote.Image(viaProxy, remote.WithContext(context.Background()))
	require.NoError(t, err)
	before := proxy.BlobBytes()
	res, err := List(context.Background(), remoteImg, repo, Options{})
	require.NoError(t, err)
	assert.Equal(t, expected(t, bodies), res.Files)

	_, sum := layerSizes(t, img)
	assert.Equal(t, sum, res.BytesRead)
	assert.Equal(t, sum, proxy.BlobBytes()-before, "the registry served the layers once, and nothing else")

	local, err := List(context.Background(), img, repo, Options{})
	require.NoError(t, err)
	assert.Equal(t, local, res)
}

// bigImage has one gzip layer of n incompressible bytes in the folder.
func bigImage(t testing.TB, n int) v1.Image {
	t.Helper()
	body := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(body)
	raw := tarBytes(t, file("home/kogito/.m2/repository/big.jar", string(body)))
	return imageOf(t, openerLayer(t, raw, tarball.WithCompressionLevel(gzip.BestSpeed)))
}

func TestCancel(t *testing.T) {
	img := bigImage(t, 4<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var events []progress.Event
	_, err := List(ctx, img, repo, Options{Progress: func(e progress.Event) {
		if ctx.Err() != nil {
			t.Errorf("an event after the cancel: %+v", e)
		}
		events = append(events, e)
		if e.BytesDone > 0 {
			cancel() // in the middle of the layer
		}
	}})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	require.NotEmpty(t, events)
	last := events[len(events)-1]
	assert.NotEqual(t, progress.Checked, last.State)
	assert.Less(t, last.BytesDone, last.BytesTotal, "cancelled before the end")

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = Extract(ctx, img, repo, filepath.Join(t.TempDir(), "out"), Options{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLargeFileStreams(t *testing.T) {
	const n = 6 << 20
	img := bigImage(t, n)
	var events int
	res, err := List(context.Background(), img, repo, Options{Progress: func(progress.Event) { events++ }})
	require.NoError(t, err)
	require.Len(t, res.Files, 1)
	assert.EqualValues(t, n, res.Files[0].Size)
	assert.Greater(t, events, 4, "progress while the one file streams, about every MiB")
}

func TestCleanName(t *testing.T) {
	for in, out := range map[string]string{
		"a/b":          "a/b",
		"./a/b":        "a/b",
		"/a/b/":        "a/b",
		"//a//./b":     "a/b",
		"a/../b":       "b",
		"a/b/../../c":  "c",
		".wh..wh..opq": ".wh..wh..opq",
	} {
		got, ok := cleanName(in)
		assert.True(t, ok, in)
		assert.Equal(t, out, got, in)
	}
	for _, in := range []string{"", ".", "/", "./", "..", "../a", "a/../../b", "/../a"} {
		_, ok := cleanName(in)
		assert.False(t, ok, in)
	}
}

// FuzzEntries builds a layer from fuzzed entry names and link targets
// over a fixed lower layer, extracts the folder, and checks that whatever
// the names, every reported path is local to the folder, what is on disk
// is exactly what is reported, and the sums match the bytes written.
func FuzzEntries(f *testing.F) {
	f.Add("home/kogito/.m2/repository/a.jar", "home/kogito/.m2/repository/x/b.jar", "home/kogito/.m2/repository/a.jar", byte(0))
	f.Add("../home/kogito/.m2/repository/a.jar", "home/kogito/.m2/repository/../../x", "etc/passwd", byte(1))
	f.Add("home/kogito/.m2/repository/.wh.lower.jar", "home/kogito/.m2/repository/sub/.wh..wh..opq", "", byte(2))
	f.Add("home/kogito/.wh..m2", "/home/kogito/.m2/repository/c.jar", "/etc/passwd", byte(1))
	f.Add("home/kogito/.m2/repository", "home/kogito/.m2/repository/lower.jar/x", "home/kogito/.m2/repository/sub/s.jar", byte(3))
	f.Fuzz(func(t *testing.T, name1, name2, link string, kinds byte) {
		lower := plainLayer(t,
			file("home/kogito/.m2/repository/lower.jar", "lower"),
			file("home/kogito/.m2/repository/sub/s.jar", "s"),
			file("etc/passwd", "root"),
		)
		second := func(bit byte) ent {
			switch (kinds >> bit) & 3 {
			case 1:
				return hardlink(name2, link)
			case 2:
				return symlink(name2, link)
			case 3:
				return dir(name2)
			}
			return file(name2, "second")
		}
		upper := []ent{file(name1, "first"), second(0)}
		if !validTar(upper) {
			t.Skip()
		}
		img := imageOf(t, lower, plainLayer(t, upper...))
		listed, err := List(context.Background(), img, repo, Options{})
		if err != nil {
			if !errors.Is(err, ErrNoFolder) && !strings.Contains(err.Error(), "hard link") {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		for _, fl := range listed.Files {
			assert.True(t, filepath.IsLocal(fl.Path), fl.Path)
			assert.NotContains(t, "/"+fl.Path+"/", "/../")
			assert.NotContains(t, "/"+fl.Path+"/", "/./")
			assert.NotContains(t, "/"+fl.Path+"/", "//")
		}
		dest := filepath.Join(t.TempDir(), "out")
		res, err := Extract(context.Background(), img, repo, dest, Options{})
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return // a name this filesystem cannot hold (too long, say)
		}
		require.NoError(t, err)
		assert.Equal(t, listed, res)
		disk := onDisk(t, dest)
		assert.Len(t, disk, len(res.Files))
		for _, fl := range res.Files {
			body, ok := disk[fl.Path]
			if assert.True(t, ok, "%s listed but not on disk", fl.Path) {
				assert.Equal(t, want(fl.Path, body, fl.Mode), fl)
			}
		}
	})
}

// validTar says whether archive/tar can write these entries at all.
func validTar(entries []ent) bool {
	tw := tar.NewWriter(io.Discard)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644}
		if h.Typeflag == 0 {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if tw.WriteHeader(h) != nil {
			return false
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			return false
		}
	}
	return tw.Close() == nil
}
