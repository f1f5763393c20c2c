package containerstore

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// copyTree copies the tree at src to dst (which must not exist) as the vfs
// driver starts a layer over its parent: owners, modes, times, extended
// attributes, symbolic links, devices and hard links (within the tree)
// kept. Where the file system can, file data is shared, not copied.
func copyTree(src, dst string) error {
	type inode struct{ dev, ino uint64 }
	linked := map[inode]string{}
	var dirs []dirTimes
	err := filepath.WalkDir(src, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return &fs.PathError{Op: "lstat", Path: p, Err: err}
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
			dirs = append(dirs, dirTimes{target, timeOf(st.Atim), timeOf(st.Mtim)})
		case unix.S_IFREG:
			key := inode{uint64(st.Dev), st.Ino}
			if first, ok := linked[key]; ok && st.Nlink > 1 {
				return os.Link(first, target)
			}
			if st.Nlink > 1 {
				linked[key] = target
			}
			if err := copyFile(p, target); err != nil {
				return err
			}
		case unix.S_IFLNK:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, target); err != nil {
				return err
			}
		case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO:
			if err := unix.Mknod(target, st.Mode, int(st.Rdev)); err != nil {
				return &fs.PathError{Op: "mknod", Path: target, Err: err}
			}
		default:
			return nil // sockets belong to a running process, not a layer
		}
		if err := os.Lchown(target, int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT != unix.S_IFLNK {
			if err := unix.Chmod(target, st.Mode&0o7777); err != nil {
				return &fs.PathError{Op: "chmod", Path: target, Err: err}
			}
		}
		if err := copyXattrs(p, target); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return nil
		}
		return setTimes(target, timeOf(st.Atim), timeOf(st.Mtim))
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := setTimes(dirs[i].path, dirs[i].atime, dirs[i].mtime); err != nil {
			return err
		}
	}
	return nil
}

func timeOf(ts unix.Timespec) time.Time { return time.Unix(ts.Sec, ts.Nsec) }

// copyFile copies a regular file's data; io.Copy between files lets the
// kernel share or copy the blocks itself (copy_file_range).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// copyXattrs copies every extended attribute a file system keeps.
func copyXattrs(src, dst string) error {
	size, err := unix.Llistxattr(src, nil)
	if err != nil || size == 0 {
		return ignoreUnsupported(err)
	}
	buf := make([]byte, size)
	n, err := unix.Llistxattr(src, buf)
	if err != nil {
		return ignoreUnsupported(err)
	}
	for _, name := range splitNames(buf[:n]) {
		vsize, err := unix.Lgetxattr(src, name, nil)
		if err != nil {
			continue
		}
		val := make([]byte, vsize)
		vn, err := unix.Lgetxattr(src, name, val)
		if err != nil {
			continue
		}
		if err := unix.Lsetxattr(dst, name, val[:vn], 0); err != nil && !errors.Is(err, unix.ENOTSUP) {
			return &fs.PathError{Op: "setxattr " + name, Path: dst, Err: err}
		}
	}
	return nil
}

func ignoreUnsupported(err error) error {
	if err == nil || errors.Is(err, unix.ENOTSUP) {
		return nil
	}
	return err
}

func splitNames(buf []byte) []string {
	var names []string
	start := 0
	for i, c := range buf {
		if c == 0 {
			if i > start {
				names = append(names, string(buf[start:i]))
			}
			start = i + 1
		}
	}
	return names
}
