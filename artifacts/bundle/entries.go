package bundle

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"ferry/artifacts/fault"
	"ferry/artifacts/size"
)

// Limits on what a bundle may hold. A reader refuses anything beyond them
// before reading it, so that a damaged or hostile bundle cannot make the
// far side read a document whole into memory, or walk a graph without end.
const (
	// MaxBundleManifestSize bounds ferry-bundle.json: it lists every item
	// with its digest, and a bundle of a hundred thousand items stays well
	// under it.
	MaxBundleManifestSize = 32 << 20
	// MaxImageManifestSize bounds an image manifest, an image index and
	// images/index.json: the OCI distribution spec lets a registry refuse
	// manifests over 4 MiB, and no real image comes near it.
	MaxImageManifestSize = 4 << 20
	// MaxIndexFileSize bounds the sidecar index NAME.ferry.json, which
	// names the parts.
	MaxIndexFileSize = 16 << 20
	// MaxNesting bounds how deeply image indexes may nest: real images
	// nest one or two levels.
	MaxNesting = 8

	maxBundleManifestText = "32 MiB"
	maxImageManifestText  = "4 MiB"
)

// ErrTooLarge is a document beyond the limits above; ErrTooDeep is image
// indexes nested deeper than MaxNesting.
var (
	ErrTooLarge = errors.New("too large")
	ErrTooDeep  = errors.New("nested too deep")
)

// entryCheck is the one check every reader of the tar stream (Walk for
// verify, Scan for import and serve, ReadManifest) makes of each entry
// before using it: the manifest first and of a sane size, a name that
// stays inside the bundle, a regular file, no name carried twice, and a
// declared size the stream can hold. Each failure is one sentence naming
// the entry.
type entryCheck struct {
	seen map[string]bool
	end  int64 // the stream's size
}

func newEntryCheck(streamSize int64) *entryCheck {
	return &entryCheck{seen: map[string]bool{}, end: streamSize}
}

// check judges the entry hdr, whose content starts at offset off of the
// stream.
func (c *entryCheck) check(hdr *tar.Header, off int64) error {
	name := hdr.Name
	first := len(c.seen) == 0
	if err := checkPath(name); err != nil {
		return fmt.Errorf("%w: the entry %q points outside the bundle, so the bundle is refused: make the bundle again with ferry prepare", ErrUnsafePath, name)
	}
	if hdr.Typeflag != tar.TypeReg {
		return fault.New(ErrUnsafePath, "the bundle's entry %s is %s, not a regular file, so the bundle is refused: make the bundle again with ferry prepare", name, typeName(hdr.Typeflag))
	}
	if c.seen[name] {
		return fault.New(ErrUnsafePath, "the bundle carries %s twice, and the second copy could replace the first, so the bundle is refused: make the bundle again with ferry prepare", name)
	}
	c.seen[name] = true
	if first && name != ManifestName {
		return fault.New(ErrNotABundle, "the bundle starts with %q instead of its manifest %s: it was not made by ferry, or its first part is damaged", name, ManifestName)
	}
	if name == ManifestName && hdr.Size > MaxBundleManifestSize {
		return fault.New(errors.Join(ErrNotABundle, ErrTooLarge), "the bundle manifest %s is %s, more than the %s a bundle manifest may be: the bundle is damaged or was not made by ferry; make the bundle again", ManifestName, size.Format(hdr.Size), maxBundleManifestText)
	}
	if name == LayoutIndexPath && hdr.Size > MaxImageManifestSize {
		return fault.New(errors.Join(ErrNotABundle, ErrTooLarge), "the bundle's %s is %s, more than the %s an image index may be: the bundle is damaged or was not made by ferry; make the bundle again", LayoutIndexPath, size.Format(hdr.Size), maxImageManifestText)
	}
	if hdr.Size < 0 || hdr.Size > c.end-off {
		return fault.New(ErrIncomplete, "the bundle's entry %s says it holds %s but the bundle ends %s after its start: the bundle is cut short or damaged; copy its parts again from the original media, or make it again", name, size.Format(hdr.Size), size.Format(max(c.end-off, 0)))
	}
	return nil
}

func typeName(t byte) string {
	switch t {
	case tar.TypeSymlink:
		return "a symbolic link"
	case tar.TypeLink:
		return "a hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "a device"
	case tar.TypeFifo:
		return "a FIFO"
	case tar.TypeDir:
		return "a folder"
	case tar.TypeXGlobalHeader:
		return "a global header"
	}
	return fmt.Sprintf("of tar type %q", t)
}

// Graph walks image graphs (image indexes and the manifests they name)
// from their top digest. Each digest is visited once however many indexes,
// or walks of the same Graph, name it, so a small bundle of indexes naming
// each other many times over costs no more than its size; a chain of
// indexes nested deeper than MaxNesting is refused as ErrTooDeep. The zero
// Graph is ready to use.
type Graph struct {
	// After, when set, is called for each digest once everything below it
	// was walked: children before the indexes that name them.
	After  func(v1.Descriptor) error
	height map[string]int // the longest chain below each digest visited
}

// Walk walks the graph below root, calling children once for each digest
// it reaches to learn what that index names (nothing, for a manifest);
// errors name ref. A cancelled ctx stops the walk with the context's error.
func (g *Graph) Walk(ctx context.Context, ref string, root v1.Descriptor, children func(v1.Descriptor) ([]v1.Descriptor, error)) error {
	if g.height == nil {
		g.height = map[string]int{}
	}
	var walk func(d v1.Descriptor, depth int) (int, error)
	walk = func(d v1.Descriptor, depth int) (int, error) {
		dg := d.Digest.String()
		if h, ok := g.height[dg]; ok {
			if depth+h > MaxNesting {
				return 0, tooDeep(ref)
			}
			return h, nil
		}
		if depth > MaxNesting {
			return 0, tooDeep(ref)
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		kids, err := children(d)
		if err != nil {
			return 0, err
		}
		h := 0
		for _, k := range kids {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			kh, err := walk(k, depth+1)
			if err != nil {
				return 0, err
			}
			h = max(h, kh+1)
		}
		if depth+h > MaxNesting {
			return 0, tooDeep(ref)
		}
		g.height[dg] = h
		if g.After != nil {
			if err := g.After(d); err != nil {
				return 0, err
			}
		}
		return h, nil
	}
	_, err := walk(root, 0)
	return err
}

func tooDeep(ref string) error {
	return fault.New(ErrTooDeep, "the image %s nests image indexes more than %d deep, deeper than any real image, so the bundle is refused: make the bundle again with ferry prepare", ref, MaxNesting)
}
