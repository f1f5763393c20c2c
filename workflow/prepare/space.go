package prepare

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"ferry/artifacts/size"
)

// Space is what a file system offers at a path.
type Space struct {
	Free int64
	// Device tells file systems apart: two paths with the same Device
	// share their free space.
	Device uint64
	// FAT is true for FAT file systems, which hold no file of 4 GiB or more.
	FAT bool
	// Unknown is true where the file system does not say how big it is
	// (some FUSE and network file systems report no blocks at all): its
	// free space cannot be checked.
	Unknown bool
}

// msdosMagic is the statfs type of FAT file systems (MSDOS_SUPER_MAGIC).
const msdosMagic = 0x4d44

// StatSpace reads the free space at path, or at its nearest existing
// parent folder.
func StatSpace(path string) (Space, error) {
	p, err := filepath.Abs(path)
	if err != nil {
		return Space{}, err
	}
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err == nil {
			var fi syscall.Stat_t
			_ = syscall.Stat(p, &fi)
			return Space{Free: int64(st.Bavail) * int64(st.Bsize), Device: uint64(fi.Dev), FAT: st.Type == msdosMagic, Unknown: st.Blocks == 0}, nil
		} else if !os.IsNotExist(err) {
			return Space{}, fmt.Errorf("cannot read the free space of %s: %w", p, err)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return Space{}, fmt.Errorf("cannot read the free space of %s", path)
		}
		p = parent
	}
}

// SpaceError says a destination is too small, before anything was fetched.
type SpaceError struct {
	Path        string
	Need, Free  int64
	What, Fixes string
}

func (e *SpaceError) Error() string {
	return fmt.Sprintf("%s needs %s on %s but only %s is free: %s", e.What, size.Format(e.Need), e.Path, size.Format(e.Free), e.Fixes)
}
