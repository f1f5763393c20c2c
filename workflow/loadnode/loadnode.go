package loadnode

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"ferry/artifacts/bundle"
	"ferry/artifacts/bundleregistry"
	"ferry/artifacts/containerstore"
	"ferry/artifacts/image"
	"ferry/artifacts/progress"

	"github.com/spf13/afero"
)

// skopeo's command lines, after the program's name: a copy into the store
// (args: the architecture and OS), and a read of what the store holds.
const (
	skopeoCopy    = "copy --insecure-policy --src-tls-verify=false --override-arch %s --override-os %s --quiet"
	skopeoInspect = "inspect --raw"
)

// ErrNoSkopeo marks a node without skopeo.
var ErrNoSkopeo = errors.New("skopeo not found")

// ErrUnknownWriter marks a writer other than skopeo or native.
var ErrUnknownWriter = errors.New("unknown image store writer")

// The writers of the store: skopeo, or ferry itself.
const (
	ViaSkopeo = "skopeo"
	ViaNative = "native"
)

// ErrBaseNotInStore marks a delta bundle loaded into a store that lacks
// its base.
var ErrBaseNotInStore = errors.New("the delta bundle's base is not in the store")

// Options say where the images go.
type Options struct {
	// Store is the image store's root (graphroot); RunRoot its runtime
	// folder; Driver its storage driver, the one the node's runtime uses
	// (overlay on RHCOS).
	Store, RunRoot, Driver string
	// Arch and OS pick the platform of multi-platform images; empty means
	// the bundle's only architecture, else this machine's.
	Arch, OS string
	// PinFile, when set, is where the CRI-O drop-in pinning every image
	// is written.
	PinFile string
	// With are the base bundles of a delta, served with it.
	With []*bundle.Bundle
	// Skopeo is the skopeo executable; empty looks it up on PATH.
	Skopeo string
	// Via chooses who writes the store: ViaSkopeo, ViaNative (ferry
	// itself, vfs stores only), or empty for skopeo when it is there and
	// ferry otherwise.
	Via string
	// Progress gets a progress.StageImages event per image: Skipped when
	// the store had it, Sent when copied, Checked once seen in the store.
	Progress progress.Sink
}

// Loaded is one image as the store now holds it.
type Loaded struct {
	Reference string `json:"reference"`
	// Digest is the manifest the store holds for it.
	Digest  string `json:"digest"`
	Skipped bool   `json:"skipped"`
}

// Result says what was loaded.
type Result struct {
	Images  []Loaded `json:"images"`
	Copied  int      `json:"copied"`
	Skipped int      `json:"skipped"`
	PinFile string   `json:"pinFile,omitempty"`
}

// Loader loads bundles into image stores.
type Loader struct {
	// Run runs a command and returns its combined output; nil runs it.
	Run func(ctx context.Context, name string, args ...string) ([]byte, error)
	// FS is where the pin file (configuration, not image data) is
	// written; nil is the disk. The image store keeps the disk.
	FS afero.Fs
}

func (l *Loader) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	if l.Run != nil {
		return l.Run(ctx, name, args...)
	}
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}

// Load puts every image of b into the store. An image the store holds
// already (by one of its manifests' digests) is skipped, so a run that was
// stopped resumes; a delta bundle loads over a store holding its base,
// whose layers the copy reuses. skopeo writes the store when it is there
// (or o.Via asks for it); ferry writes it itself otherwise (vfs only).
func (l *Loader) Load(ctx context.Context, b *bundle.Bundle, o Options) (*Result, error) {
	j := &job{b: b, o: o}
	if err := j.pickWriter(); err != nil {
		return nil, err
	}
	if o.Store == "" || o.RunRoot == "" || o.Driver == "" {
		return nil, fmt.Errorf("the image store needs a folder, a runtime folder and a driver")
	}
	m, err := b.ReadManifest(ctx)
	if err != nil {
		return nil, err
	}
	j.m = m
	j.arch, j.os = o.Arch, o.OS
	if j.arch == "" {
		j.arch = nodeArch(b.Index.Archs)
	}
	if j.os == "" {
		j.os = "linux"
	}
	if j.manifests, j.configs, err = planDigests(m, j.os+"/"+j.arch); err != nil {
		return nil, err
	}

	// The bundle, served on loopback for skopeo (or ferry) to pull from.
	reg, err := bundleregistry.NewWith(ctx, b, o.With)
	if err != nil {
		return nil, err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		reg.Close()
		return nil, fmt.Errorf("cannot serve the bundle on loopback: %w", err)
	}
	srv := bundleregistry.NewServer(reg, bundleregistry.ServerOptions{})
	go func() { _ = srv.Serve(lis) }()
	defer func() {
		_ = srv.Close()
		reg.Close()
	}()
	j.reg, j.addr = reg, lis.Addr().String()

	// Signatures, attestations and referrers are not images a node can
	// run, and an image store has no place for them: they stay in the
	// bundle.
	j.images = slices.DeleteFunc(append([]bundle.Image(nil), m.Images...), func(im bundle.Image) bool { return im.Subject != "" })
	sort.Slice(j.images, func(i, k int) bool { return j.images[i].Reference < j.images[k].Reference })
	var res *Result
	if j.via == ViaNative {
		res, err = l.native(ctx, j)
	} else {
		res, err = l.viaSkopeo(ctx, j)
	}
	if err != nil {
		return res, err
	}
	if o.PinFile != "" {
		if err := l.writePins(o.PinFile, b.Index, j.images); err != nil {
			return res, err
		}
		res.PinFile = o.PinFile
	}
	return res, nil
}

// job is one load: the bundle, where it is served, and what each image's
// manifests and config are.
type job struct {
	b         *bundle.Bundle
	o         Options
	m         *bundle.Manifest
	via       string
	skopeo    string
	arch, os  string
	manifests map[string]map[string]bool
	configs   map[string]string
	reg       *bundleregistry.Registry
	addr      string
	images    []bundle.Image
}

// pickWriter chooses skopeo or ferry itself to write the store.
func (j *job) pickWriter() error {
	j.skopeo = j.o.Skopeo
	if j.skopeo == "" {
		j.skopeo, _ = exec.LookPath("skopeo")
	}
	switch j.o.Via {
	case ViaNative:
		j.via = ViaNative
	case ViaSkopeo:
		if j.skopeo == "" {
			return fmt.Errorf("%w: install skopeo on this node (RHCOS ships it) and run load-node again", ErrNoSkopeo)
		}
		j.via = ViaSkopeo
	case "":
		j.via = ViaSkopeo
		if j.skopeo == "" {
			if j.o.Driver != containerstore.Driver {
				return fmt.Errorf("%w, and ferry writes only vfs image stores itself, not %s: install skopeo on this node (RHCOS ships it), or load into a vfs store", ErrNoSkopeo, j.o.Driver)
			}
			j.via = ViaNative
		}
	default:
		return fmt.Errorf("%w: %q (skopeo or native)", ErrUnknownWriter, j.o.Via)
	}
	if j.via == ViaNative && j.o.Driver != containerstore.Driver {
		return fmt.Errorf("%w, not %s ones: install skopeo to write it", containerstore.ErrDriver, j.o.Driver)
	}
	return nil
}

// viaSkopeo copies every image with skopeo.
func (l *Loader) viaSkopeo(ctx context.Context, j *job) (*Result, error) {
	skopeo, o, m, images := j.skopeo, j.o, j.m, j.images
	store := fmt.Sprintf("containers-storage:[%s@%s+%s]", o.Driver, o.Store, o.RunRoot)
	res := &Result{}
	for i, im := range images {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		dest := store + storeName(im.Reference, im.Digest)
		ld := Loaded{Reference: im.Reference}
		if dg, ok := l.held(ctx, skopeo, dest, j.manifests[im.Reference]); ok {
			ld.Digest, ld.Skipped = dg, true
			res.Skipped++
			res.Images = append(res.Images, ld)
			o.Progress.Send(progress.Event{Stage: progress.StageImages, Item: im.Reference, State: progress.Skipped, ItemsDone: i + 1, ItemsTotal: len(images)})
			continue
		}
		repo, err := image.MappedRepo(im.Reference, "")
		if err != nil {
			return res, err
		}
		src := "docker://" + j.addr + "/" + repo + "@" + im.Digest
		if cfg := j.configs[im.Reference]; cfg != "" && m.Omits(cfg) && !j.reg.Holds(cfg) {
			// A delta leaves out the config of an image that did not
			// change, and no base given serves it: the store has it,
			// under the earlier version's name, and skopeo reads a config
			// from the source it copies from.
			src = store + "@" + strings.TrimPrefix(cfg, "sha256:")
		}
		// The bundle's registry checks every blob against its digest as it
		// serves it; the node may have no signature policy at all.
		args := append(strings.Fields(fmt.Sprintf(skopeoCopy, j.arch, j.os)), src, dest)
		out, err := l.run(ctx, skopeo, args...)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			return res, copyError(im.Reference, out, err, m.Base)
		}
		dg, ok := l.held(ctx, skopeo, dest, j.manifests[im.Reference])
		if !ok {
			return res, fmt.Errorf("the image store at %s does not show %s after copying it: check that the store's driver is the node runtime's, then run load-node again", o.Store, im.Reference)
		}
		ld.Digest = dg
		res.Copied++
		res.Images = append(res.Images, ld)
		o.Progress.Send(progress.Event{Stage: progress.StageImages, Item: im.Reference, State: progress.Sent, ItemsDone: i + 1, ItemsTotal: len(images)})
	}
	return res, nil
}

// held is the digest of the manifest the store holds for dest, when it is
// one of the image's own.
func (l *Loader) held(ctx context.Context, skopeo, dest string, want map[string]bool) (string, bool) {
	raw, err := l.run(ctx, skopeo, append(strings.Fields(skopeoInspect), dest)...)
	if err != nil {
		return "", false
	}
	raw = bytes.TrimRight(raw, "\n")
	dg := bundle.Digest(raw)
	return dg, want[dg]
}

// storeName is the name the store gives the image: its original
// reference, which is what the node's pods ask for.
func storeName(ref, digest string) string {
	if strings.Contains(ref, "@") {
		return ref
	}
	if _, _, tag, err := image.Origin(ref); err == nil && tag != "" {
		return ref
	}
	return ref + "@" + digest
}

// planDigests lists, per image, the digests of its index and manifests,
// and its config for the platform loaded.
func planDigests(m *bundle.Manifest, platform string) (map[string]map[string]bool, map[string]string, error) {
	var pl struct {
		Images []struct {
			Reference string       `json:"reference"`
			Blobs     []image.Blob `json:"blobs"`
		} `json:"images"`
	}
	if err := json.Unmarshal(m.Plan, &pl); err != nil {
		return nil, nil, fmt.Errorf("%w: the bundle's plan cannot be read", bundle.ErrNotABundle)
	}
	manifests, configs := map[string]map[string]bool{}, map[string]string{}
	for _, im := range pl.Images {
		set := map[string]bool{}
		for _, b := range im.Blobs {
			switch {
			case b.Kind == image.KindIndex || b.Kind == image.KindManifest:
				set[b.Digest] = true
			case b.Kind == image.KindConfig && (len(b.Platforms) == 0 || slices.Contains(b.Platforms, platform)):
				configs[im.Reference] = b.Digest
			}
		}
		manifests[im.Reference] = set
	}
	return manifests, configs, nil
}

// nodeArch is the bundle's architecture when it carries one, else this
// machine's.
func nodeArch(archs []string) string {
	if len(archs) == 1 {
		return archs[0]
	}
	return runtime.GOARCH
}

// copyError says why skopeo could not copy an image; for a delta bundle,
// that its base must be loaded into the store first.
func copyError(ref string, out []byte, err error, base *bundle.Base) error {
	if base != nil {
		return fmt.Errorf("%w: the image store lacks what this delta bundle leaves out (%d blobs, needed to copy %s): run load-node with %s first, or give that bundle along with this one", ErrBaseNotInStore, len(base.Omitted), ref, base.Loads())
	}
	msg := strings.TrimSpace(string(out))
	if i := strings.LastIndex(msg, "\n"); i >= 0 {
		msg = msg[i+1:]
	}
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("skopeo could not copy %s into the image store: %s", ref, msg)
}

// writePins writes the CRI-O drop-in that pins every image, atomically.
func (l *Loader) writePins(path string, idx bundle.Index, images []bundle.Image) error {
	fsys := l.FS
	if fsys == nil {
		fsys = afero.NewOsFs()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by ferry load-node for the bundle %s (code %s):\n# CRI-O never removes these images.\n[crio.image]\npinned_images = [\n", idx.Name, idx.ShortCode)
	for _, im := range images {
		fmt.Fprintf(&b, "  %s,\n", strconv.Quote(storeName(im.Reference, im.Digest)))
	}
	b.WriteString("]\n")
	if err := fsys.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot write the pin file %s: %w", path, err)
	}
	tmp := path + ".ferry-tmp"
	if err := afero.WriteFile(fsys, tmp, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("cannot write the pin file %s: %w", path, err)
	}
	if err := fsys.Rename(tmp, path); err != nil {
		_ = fsys.Remove(tmp)
		return fmt.Errorf("cannot write the pin file %s: %w", path, err)
	}
	return nil
}

// DefaultPinFile is where the CRI-O drop-in pinning the images of the
// bundle named name goes unless the user says: CRI-O's drop-in folder.
func DefaultPinFile(name string) string {
	return filepath.Join("/etc/crio/crio.conf.d", "50-ferry-"+name+".conf")
}
