package session

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/targets/mirrorconfig"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
)

// newSession is a session on an in-memory file system, with no real
// mounts and a fixed free space everywhere.
func newSession(t *testing.T) *Session {
	t.Helper()
	s, err := New(Options{Version: "test"}, nil)
	require.NoError(t, err)
	s.FS = afero.NewMemMapFs()
	s.WorkDir, s.Home = "/srv/desk", "/home/tech"
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
	for _, d := range []string{"/srv/desk/out/bundle", "/srv/desk/out/beta", "/srv/desk/out/.hidden", "/home/tech/sticks/one"} {
		require.NoError(t, s.FS.MkdirAll(d, 0o755))
	}
	require.NoError(t, afero.WriteFile(s.FS, "/srv/desk/out/bfile", nil, 0o644))

	assert.Equal(t, []string{"out/beta", "out/bundle"}, s.Folders("out/b"))
	assert.Equal(t, []string{"out"}, s.Folders(""), "the working folder's")
	assert.Equal(t, []string{"/srv/desk/out/bundle"}, s.Folders("/srv/desk/out/bu"))
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
	// The media are faked: the session reads them through its file system.
	s := newSession(t)
	root := "/media/tech"
	onMedia := func(dir, name string) *bundle.Bundle {
		b := writeBundle(t, t.TempDir(), name)
		files := []string{bundle.IndexName(name)}
		for _, p := range b.Index.Parts {
			files = append(files, p.Name)
		}
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(b.Dir, f))
			require.NoError(t, err)
			require.NoError(t, afero.WriteFile(s.FS, filepath.Join(dir, f), data, 0o644))
		}
		return b
	}
	onMedia(filepath.Join(root, "stick", "ferry"), "sonataflow-10.1.0")
	onMedia(filepath.Join(root, "a", "b", "c", "d"), "too-deep")
	broken := onMedia(filepath.Join(root, "other"), "broken")
	require.NoError(t, s.FS.Remove(filepath.Join(root, "other", broken.Index.Parts[0].Name)))
	require.NoError(t, afero.WriteFile(s.FS, filepath.Join(root, "junk", "x.ferry.json"), []byte("{}"), 0o644))

	s.MediaRoots = []string{root}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.Empty(t, s.FindBundles(ctx), "a search stopped finds nothing more")
	found := s.FindBundles(t.Context())
	require.Len(t, found, 2)
	assert.Equal(t, filepath.Join(root, "other"), found[0].Path)
	assert.Equal(t, 0, found[0].Present, "the missing part is counted out")
	assert.Equal(t, filepath.Join(root, "stick", "ferry"), found[1].Path)
	assert.Equal(t, "sonataflow-10.1.0", found[1].Index.Name)
	assert.Equal(t, 1, found[1].Present)
}

const digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestConfigureFromABundle(t *testing.T) {
	b := writeBundle(t, t.TempDir(), "sonataflow-10.1.0",
		bundle.Image{Reference: "quay.io/kiegroup/builder:10.1.0", Digest: digestA},
		bundle.Image{Reference: "docker.io/apache/x:1", Digest: digestA})
	s := newSession(t)
	require.NoError(t, afero.WriteFile(s.FS, "/site/ca.pem", []byte("PEM"), 0o644))
	c, err := s.BundleImages(t.Context(), b)
	require.NoError(t, err)
	assert.Equal(t, "sonataflow-10.1.0", c.Name)

	d := Destination{Registry: "registry.site:5000/mirror", CAFiles: []string{"/site/ca.pem"}, Password: "s3cret"}
	res, err := s.Configure(c, d, []string{"crio", "containerd"}, "/out", mirrorconfig.Options{})
	require.NoError(t, err)
	require.Len(t, res, 2)
	conf := string(mustRead(t, s.FS, "/out/"+res[0].Files[0].Path))
	assert.Contains(t, conf, "registry.site:5000/mirror/kiegroup/builder")
	assert.Contains(t, conf, "registry.site:5000/mirror/apache/x")
	assert.NotContains(t, conf, "s3cret")
	steps := string(mustRead(t, s.FS, "/out/containerd/STEPS.md"))
	assert.Contains(t, steps, "# containerd: steps")

	d.Flat = true
	in, err := s.mirrorInput(c, d)
	require.NoError(t, err)
	assert.Equal(t, "registry.site:5000/mirror/apache-x", in.Mirrors[0].Target)
	assert.Equal(t, "sonataflow-10-1-0", in.Name)
	assert.Equal(t, []byte("PEM"), in.CAPEM)

	_, err = s.Configure(c, Destination{Registry: "registry.site:5000", CAFiles: []string{"/missing.pem"}}, []string{"crio"}, "/out", mirrorconfig.Options{})
	assert.ErrorContains(t, err, "cannot read the CA file /missing.pem")
}

func TestConfigureFromASavedPlan(t *testing.T) {
	s := newSession(t)
	p := plan.Plan{FormatVersion: plan.FormatVersion, Images: []plan.Image{{Reference: "quay.io/kiegroup/builder:10.1.0", Digest: digestA}}}
	p.Selection.Target, p.Selection.Version = "sonataflow", "10.1.0"
	data, err := json.Marshal(p)
	require.NoError(t, err)
	require.NoError(t, afero.WriteFile(s.FS, "/plan.json", data, 0o644))

	c, err := s.PlanImages("/plan.json")
	require.NoError(t, err)
	assert.Equal(t, Carried{Name: "sonataflow-10.1.0", Images: []CarriedImage{{"quay.io/kiegroup/builder:10.1.0", digestA}}}, c)
	res, err := s.Configure(c, Destination{MavenURL: "https://nexus.site/repository/maven-public"}, []string{"maven"}, "/out", mirrorconfig.Options{})
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Contains(t, string(mustRead(t, s.FS, "/out/"+res[0].Files[0].Path)), "https://nexus.site/repository/maven-public")

	require.NoError(t, afero.WriteFile(s.FS, "/not-a-plan.json", []byte(`{"x":1}`), 0o644))
	_, err = s.PlanImages("/not-a-plan.json")
	assert.ErrorContains(t, err, "is not a plan saved as JSON by ferry plan")
	_, err = s.PlanImages("/missing.json")
	assert.ErrorContains(t, err, "cannot read the plan /missing.json")
}

func TestDnsName(t *testing.T) {
	for in, want := range map[string]string{
		"sonataflow-10.1.0":     "sonataflow-10-1-0",
		"--":                    "ferry",
		"A_B":                   "a-b",
		strings.Repeat("x", 60): strings.Repeat("x", 50),
	} {
		assert.Equal(t, want, dnsName(in), in)
	}
}

func mustRead(t *testing.T, fs afero.Fs, p string) []byte {
	t.Helper()
	data, err := afero.ReadFile(fs, p)
	require.NoError(t, err)
	return data
}

func TestImportWiresTheDestinationAndKeepsCredentialsOutOfTheReport(t *testing.T) {
	// A Maven repository on loopback that takes every upload with the right login.
	var gotUser, gotPass string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPass, _ = r.BasicAuth()
		if r.Method == http.MethodHead || r.Method == http.MethodGet {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()

	s := newSession(t)
	d := Destination{Registry: "127.0.0.1:1/mirror", Username: "loader", Password: "reg-s3cret", Insecure: true, Flat: true, Concurrency: 3,
		MavenURL: srv.URL + "/maven", MavenUser: "deployer", MavenPassword: "mvn-s3cret"}
	im, err := s.Importer(d)
	require.NoError(t, err)
	require.NotNil(t, im.Images)
	assert.Equal(t, "127.0.0.1:1", im.Images.Registry)
	assert.Equal(t, "mirror", im.Images.Prefix)
	assert.True(t, im.Images.Flat)
	assert.Equal(t, 3, im.Images.Concurrency)
	require.NotNil(t, im.Maven)
	assert.Equal(t, srv.URL+"/maven", im.Maven.URL)

	b := writeBundle(t, t.TempDir(), "empty")
	rep, err := s.Import(context.Background(), b, Destination{MavenURL: srv.URL + "/maven", MavenUser: "deployer", MavenPassword: "mvn-s3cret"}, nil)
	require.NoError(t, err)
	require.NotNil(t, rep)
	files, err := s.SaveReport(b, rep)
	require.NoError(t, err)
	for _, f := range files {
		text := string(mustRead(t, s.FS, f))
		assert.NotContains(t, text, "s3cret", f)
		assert.NotContains(t, text, "deployer", f)
	}
	assert.Equal(t, filepath.Join(b.Dir, "empty-import-report.md"), files[0], "beside the bundle")

	// A read-only medium: the report goes to the working folder.
	s.FS = afero.NewReadOnlyFs(afero.NewMemMapFs())
	_, err = s.SaveReport(b, rep)
	assert.Error(t, err)
	ro := afero.NewMemMapFs()
	s.FS = &writableOnly{Fs: ro, dir: s.WorkDir}
	files, err = s.SaveReport(b, rep)
	require.NoError(t, err)
	assert.Equal(t, "/srv/desk/empty-import-report.md", files[0])
	assert.Equal(t, "deployer", gotUser, "the Maven login reaches the repository")
	assert.Equal(t, "mvn-s3cret", gotPass)
}

// writableOnly refuses to create anything outside dir, as a read-only
// medium does.
type writableOnly struct {
	afero.Fs
	dir string
}

func (w *writableOnly) MkdirAll(p string, perm os.FileMode) error {
	if !strings.HasPrefix(p, w.dir) {
		return os.ErrPermission
	}
	return w.Fs.MkdirAll(p, perm)
}

func (w *writableOnly) OpenFile(p string, flag int, perm os.FileMode) (afero.File, error) {
	if !strings.HasPrefix(p, w.dir) {
		return nil, os.ErrPermission
	}
	return w.Fs.OpenFile(p, flag, perm)
}

func TestServeListensAndStops(t *testing.T) {
	b := writeBundle(t, t.TempDir(), "empty")
	s := newSession(t)
	v, err := s.Serve(t.Context(), b, ServeOptions{Listen: "127.0.0.1:0"})
	require.NoError(t, err)
	assert.Equal(t, "http", v.Scheme())
	resp, err := http.Get("http://" + v.PublicAddr() + "/v2/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	_, err = s.Serve(t.Context(), b, ServeOptions{Listen: v.Addr()})
	var le *ListenError
	require.ErrorAs(t, err, &le, "the address is taken")
	assert.Equal(t, v.Addr(), le.Addr)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, v.Wait(ctx))
	_, err = http.Get("http://" + v.Addr() + "/v2/")
	assert.Error(t, err, "stopped")
}

func TestParseSplit(t *testing.T) {
	for in, want := range map[string]Split{
		"": {Auto: true}, "auto": {Auto: true}, "none": {}, "FAT32": {Size: SplitFAT32}, "dvd": {Size: SplitDVD}, "700M": {Size: 700 << 20},
	} {
		got, err := ParseSplit(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParseSplit("3x")
	assert.EqualError(t, err, `"3x" is not a size or a preset: write 700M, 4G, fat32, dvd or none`)
	_, err = ParseSplit("1K")
	assert.EqualError(t, err, "1K is too small: parts must be at least 64 KiB")

	assert.Equal(t, int64(SplitFAT32), Split{Auto: true}.PartSize(prepare.Space{FAT: true}))
	assert.Equal(t, int64(0), Split{Auto: true}.PartSize(prepare.Space{}))
	assert.Equal(t, int64(SplitDVD), Split{Size: SplitDVD}.PartSize(prepare.Space{FAT: true}))
}

// TestRegistryAddressWithASchemeIsRefused: an address typed as a URL is
// refused before any request, naming the setting and the scheme, instead
// of failing later as an invalid repository name.
func TestRegistryAddressWithASchemeIsRefused(t *testing.T) {
	s := newSession(t)
	for _, addr := range []string{"http://127.0.0.1:5000/mirror", "https://registry.site"} {
		d := Destination{Registry: addr}
		_, err := s.Preflight(t.Context(), d)
		require.ErrorIs(t, err, ErrRegistryScheme)
		assert.True(t, fault.Names(err, fault.Registry))
		scheme, _, _ := strings.Cut(addr, "://")
		assert.Contains(t, err.Error(), "without "+scheme+"://")
		_, err = s.mirrorInput(Carried{}, d)
		require.ErrorIs(t, err, ErrRegistryScheme)
	}
	_, err := s.Importer(Destination{Registry: "127.0.0.1:5000/mirror"})
	require.NoError(t, err)
}

func TestDestinationCheck(t *testing.T) {
	for _, ok := range []Destination{{}, {Registry: "registry.site:5000"}, {Registry: "registry.site:5000/mirror/apps"}, {Registry: "myreg"}, {Registry: "myreg/ocp"},
		{MavenURL: "https://nexus.site/repository/releases"}, {MavenDir: "/srv/m2"}} {
		assert.NoError(t, ok.Check(), "%+v", ok)
	}
	assert.ErrorIs(t, Destination{Registry: "https://registry.site"}.Check(), ErrRegistryScheme)
	for _, bad := range []Destination{{Registry: "registry site"}, {Registry: "registry.site/Mirror"}, {MavenURL: "ftp://nexus.site/m2"},
		{MavenURL: "nexus.site/m2"}} {
		err := bad.Check()
		assert.ErrorIs(t, err, ErrBadAddress, "%+v", bad)
	}
	_, err := new(Session).Importer(Destination{MavenURL: "ftp://nexus.site/m2"})
	assert.ErrorIs(t, err, ErrBadAddress, "the far side's screens are refused the same")
}
