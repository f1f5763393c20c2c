package session

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/workflow/prepare"
)

// newSession is a session on an in-memory file system, with no real
// mounts and a fixed free space everywhere.
func newSession(t *testing.T) *Session {
	t.Helper()
	s, err := New(Options{Version: "test"}, nil)
	require.NoError(t, err)
	s.FS = afero.NewMemMapFs()
	s.WorkDir, s.Home = "/work", "/home/tech"
	s.StatSpace = func(string) (prepare.Space, error) { return prepare.Space{Free: 8 << 30}, nil }
	return s
}

func TestMediaListsWhatIsMountedUnderTheMediaRoots(t *testing.T) {
	s := newSession(t)
	s.MountsFile = "/proc/mounts"
	require.NoError(t, afero.WriteFile(s.FS, s.MountsFile, []byte(`/dev/sda1 / ext4 rw,relatime 0 0
tmpfs /media tmpfs rw 0 0
/dev/sdb1 /media/tech/USB\040STICK vfat rw,nosuid 0 0
/dev/sdc1 /run/media/tech/DATA exfat rw 0 0
/dev/sdd1 /mnt ext4 rw 0 0
/dev/sde1 /srv/data ext4 rw 0 0
/dev/sdf1 /mnt/broken ext4 rw 0 0
short line
`), 0o644))
	s.StatSpace = func(p string) (prepare.Space, error) {
		if p == "/mnt/broken" {
			return prepare.Space{}, errors.New("no such device")
		}
		return prepare.Space{Free: 1 << 30, FAT: p == "/run/media/tech/DATA"}, nil
	}
	assert.Equal(t, []Medium{
		{Path: "/media/tech/USB STICK", Free: 1 << 30, FAT: true, Label: "USB STICK"},
		{Path: "/mnt", Free: 1 << 30, Label: "mnt"},
		{Path: "/run/media/tech/DATA", Free: 1 << 30, FAT: true, Label: "DATA"},
	}, s.Media())

	s.MountsFile = "/proc/nothing"
	assert.Empty(t, s.Media(), "no mounts file, no media")
}

func TestFoldersCompletesAPrefix(t *testing.T) {
	s := newSession(t)
	for _, d := range []string{"/work/out/bundle", "/work/out/beta", "/work/out/.hidden", "/home/tech/sticks/one"} {
		require.NoError(t, s.FS.MkdirAll(d, 0o755))
	}
	require.NoError(t, afero.WriteFile(s.FS, "/work/out/bfile", nil, 0o644))

	assert.Equal(t, []string{"out/beta", "out/bundle"}, s.Folders("out/b"))
	assert.Equal(t, []string{"out"}, s.Folders(""), "the working folder's")
	assert.Equal(t, []string{"/work/out/bundle"}, s.Folders("/work/out/bu"))
	assert.Equal(t, []string{"/home/tech/sticks/one"}, s.Folders("~/sticks/"))
	assert.Empty(t, s.Folders("/nowhere/x"))
}

// writeBundle writes a small real bundle carrying the given images.
func writeBundle(t *testing.T, dir, name string, images ...bundle.Image) *bundle.Bundle {
	t.Helper()
	w, err := bundle.Create(dir, name, 0, time.Unix(0, 0))
	require.NoError(t, err)
	m, err := json.Marshal(bundle.Manifest{FormatVersion: bundle.FormatVersion, Kind: bundle.ManifestKind, Plan: json.RawMessage(`{}`), Images: images})
	require.NoError(t, err)
	_, err = w.AddBytes(bundle.ManifestName, m)
	require.NoError(t, err)
	_, err = w.Close(bundle.Index{Target: "sonataflow", Version: "10.1.0"})
	require.NoError(t, err)
	b, err := bundle.Open(dir)
	require.NoError(t, err)
	return b
}

func TestFindBundlesLooksUnderTheMediaRoots(t *testing.T) {
	root := t.TempDir()
	writeBundle(t, filepath.Join(root, "stick", "ferry"), "sonataflow-10.1.0")
	writeBundle(t, filepath.Join(root, "a", "b", "c", "d"), "too-deep")
	broken := writeBundle(t, filepath.Join(root, "other"), "broken")
	require.NoError(t, os.Remove(filepath.Join(broken.Dir, broken.Index.Parts[0].Name)))

	s, err := New(Options{}, nil)
	require.NoError(t, err)
	s.MediaRoots = []string{root}
	found := s.FindBundles()
	require.Len(t, found, 2)
	assert.Equal(t, filepath.Join(root, "other"), found[0].Path)
	assert.Equal(t, 0, found[0].Present, "the missing part is counted out")
	assert.Equal(t, filepath.Join(root, "stick", "ferry"), found[1].Path)
	assert.Equal(t, "sonataflow-10.1.0", found[1].Index.Name)
	assert.Equal(t, 1, found[1].Present)
}
