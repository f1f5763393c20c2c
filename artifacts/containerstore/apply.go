package containerstore

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The whiteouts of a layer tar (the AUFS convention the OCI image spec
// adopted): ".wh.NAME" deletes NAME from the layers below, ".wh..wh..opq"
// in a folder hides everything the layers below put there.
const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	opaqueWhiteout = ".wh..wh..opq"
)

// applier applies one layer's tar onto a tree that holds its parent's
// files. Every path is resolved inside the tree: a symbolic link, even an
// absolute one, never leads out of it.
type applier struct {
	root       string
	uids, gids map[uint32]bool
	// unpacked are the paths this layer wrote (and their folders), which
	// an opaque whiteout keeps.
	unpacked map[string]bool
	dirs     []dirTimes
}

type dirTimes struct {
	path         string
	atime, mtime time.Time
}

func newApplier(root string) *applier {
	return &applier{root: root, uids: map[uint32]bool{}, gids: map[uint32]bool{}, unpacked: map[string]bool{}}
}

func (a *applier) apply(tr *tar.Reader) error {
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		rel, ok := cleanRel(hdr.Name)
		if !ok {
			return fmt.Errorf("the entry %q leaves the layer", hdr.Name)
		}
		dir, base := path.Split(rel)
		if strings.HasPrefix(base, whiteoutPrefix) {
			if err := a.whiteout(dir, base); err != nil {
				return fmt.Errorf("%s: %w", hdr.Name, err)
			}
			continue
		}
		a.uids[uint32(hdr.Uid)], a.gids[uint32(hdr.Gid)] = true, true
		for p := rel; p != "." && p != "/" && p != ""; p = path.Dir(p) {
			a.unpacked[p] = true
		}
		if err := a.entry(tr, hdr, rel); err != nil {
			return fmt.Errorf("%s: %w", hdr.Name, err)
		}
	}
	// Folders get their times last: writing into them changed them.
	for i := len(a.dirs) - 1; i >= 0; i-- {
		d := a.dirs[i]
		if err := setTimes(d.path, d.atime, d.mtime); err != nil {
			return err
		}
	}
	return nil
}

// cleanRel is name relative to the layer's root ("" for the root), and
// false when it climbs out.
func cleanRel(name string) (string, bool) {
	p := path.Clean("/" + name)
	if strings.Contains(name, "..") {
		// path.Clean of a rooted path drops a leading "..": refuse it
		// rather than quietly write somewhere else.
		for _, part := range strings.Split(name, "/") {
			if part == ".." {
				return "", false
			}
		}
	}
	return strings.TrimPrefix(p, "/"), true
}

func (a *applier) whiteout(dir, base string) error {
	parent, err := a.resolve(dir, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing below to hide
	}
	if err != nil {
		return err
	}
	switch {
	case base == opaqueWhiteout:
		entries, err := os.ReadDir(parent)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !a.unpacked[path.Join(strings.TrimSuffix(dir, "/"), e.Name())] {
				if err := os.RemoveAll(filepath.Join(parent, e.Name())); err != nil {
					return err
				}
			}
		}
	case strings.HasPrefix(base, whiteoutMeta):
		// Other AUFS metadata: nothing for a container to see.
	default:
		if err := os.RemoveAll(filepath.Join(parent, strings.TrimPrefix(base, whiteoutPrefix))); err != nil {
			return err
		}
	}
	return nil
}

// entry writes one tar entry at rel, replacing what the layers below had
// there (a folder stays a folder, keeping its contents).
func (a *applier) entry(r io.Reader, hdr *tar.Header, rel string) error {
	target := a.root
	if rel != "" {
		dir, base := path.Split(rel)
		parent, err := a.resolve(dir, true)
		if err != nil {
			return err
		}
		target = filepath.Join(parent, base)
		fi, err := os.Lstat(target)
		if err == nil && !(fi.IsDir() && hdr.Typeflag == tar.TypeDir) {
			if err := os.RemoveAll(target); err != nil {
				return err
			}
		}
	}
	mode := uint32(hdr.Mode) & 0o7777
	switch hdr.Typeflag {
	case tar.TypeDir:
		if rel != "" {
			if err := os.Mkdir(target, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
		}
	case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old tars still use it
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	case tar.TypeSymlink:
		if err := os.Symlink(hdr.Linkname, target); err != nil {
			return err
		}
	case tar.TypeLink:
		lrel, ok := cleanRel(hdr.Linkname)
		if !ok || lrel == "" {
			return fmt.Errorf("the hard link to %q leaves the layer", hdr.Linkname)
		}
		ldir, lbase := path.Split(lrel)
		lparent, err := a.resolve(ldir, false)
		if err != nil {
			return err
		}
		if err := os.Link(filepath.Join(lparent, lbase), target); err != nil {
			return err
		}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[hdr.Typeflag]
		if err := unix.Mknod(target, kind|mode, int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))); err != nil {
			return err
		}
	default:
		return nil // PAX global headers and the like: nothing on disk
	}
	return a.attributes(target, hdr, mode)
}

// attributes sets owner, mode, extended attributes and times; a folder's
// times wait until the end.
func (a *applier) attributes(target string, hdr *tar.Header, mode uint32) error {
	if hdr.Typeflag == tar.TypeLink {
		// The link shares its target's inode: owner, mode (a chown would
		// clear set-user-ID) and times are the target's.
		return nil
	}
	if err := os.Lchown(target, hdr.Uid, hdr.Gid); err != nil {
		return err
	}
	if hdr.Typeflag != tar.TypeSymlink {
		// After chown, which clears set-user-ID and set-group-ID.
		if err := unix.Chmod(target, mode); err != nil {
			return err
		}
	}
	for k, v := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			if err := unix.Lsetxattr(target, name, []byte(v), 0); err != nil && !errors.Is(err, unix.ENOTSUP) {
				return fmt.Errorf("extended attribute %s: %w", name, err)
			}
		}
	}
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime
	}
	if hdr.Typeflag == tar.TypeDir {
		a.dirs = append(a.dirs, dirTimes{target, atime, hdr.ModTime})
		return nil
	}
	return setTimes(target, atime, hdr.ModTime)
}

func setTimes(p string, atime, mtime time.Time) error {
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// resolve is the real path of folder rel inside the tree, symbolic links
// followed as if the tree were the root of the file system; with create,
// missing folders are made (0755, as unpacking tools do).
func (a *applier) resolve(rel string, create bool) (string, error) {
	var stack []string
	parts := strings.Split(rel, "/")
	for hops := 0; len(parts) > 0; {
		p := parts[0]
		parts = parts[1:]
		switch p {
		case "", ".":
			continue
		case "..":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		next := filepath.Join(a.root, filepath.Join(stack...), p)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) && create {
			if err := os.Mkdir(next, 0o755); err != nil {
				return "", err
			}
			stack = append(stack, p)
			continue
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if hops++; hops > 255 {
				return "", fmt.Errorf("too many symbolic links under %q", rel)
			}
			link, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			if path.IsAbs(link) {
				stack = nil
			}
			parts = append(strings.Split(link, "/"), parts...)
			continue
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("%s is not a folder", path.Join(append(stack, p)...))
		}
		stack = append(stack, p)
	}
	return filepath.Join(a.root, filepath.Join(stack...)), nil
}
