//go:build !linux

package bundle

import "os"

// openDirect opens path for writing (emptied when fresh) through the page
// cache: direct writes are used on Linux only.
func openDirect(path string, fresh bool) (*os.File, bool, error) {
	flags := os.O_CREATE | os.O_WRONLY
	if fresh {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	return f, false, err
}

func setDirect(*os.File, bool) error { return nil }

// openDirectRead opens path for reading through the page cache.
func openDirectRead(path string) (*os.File, bool, error) {
	f, err := os.Open(path)
	return f, false, err
}
