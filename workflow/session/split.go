package session

import (
	"fmt"
	"strings"

	"ferry/artifacts/size"
	"ferry/workflow/prepare"
)

// Part size presets: FAT32 holds no file of 4 GiB or more; a single-layer
// DVD holds 4.7 GB.
const (
	SplitFAT32 = 4*size.GiB - 1
	SplitDVD   = 4400 * size.MiB
)

// Split is how a bundle is cut into parts.
type Split struct {
	// Size of every part but the last; 0 means one part.
	Size int64
	// Auto cuts at SplitFAT32 on a FAT file system, and not elsewhere.
	Auto bool
}

// ParseSplit reads a part size (700M, 4G…) or a preset: fat32, dvd, none,
// auto (or empty).
func ParseSplit(s string) (Split, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return Split{Auto: true}, nil
	case "none":
		return Split{}, nil
	case "fat32":
		return Split{Size: SplitFAT32}, nil
	case "dvd":
		return Split{Size: SplitDVD}, nil
	}
	n, err := size.Parse(s)
	if err != nil {
		return Split{}, fmt.Errorf("%q is not a size or a preset: write 700M, 4G, fat32, dvd or none", s)
	}
	if n < 64*size.KiB {
		return Split{}, fmt.Errorf("%s is too small: parts must be at least 64 KiB", s)
	}
	return Split{Size: n}, nil
}

// PartSize is the part size for a bundle written to a file system whose
// space reads at.
func (sp Split) PartSize(at prepare.Space) int64 {
	if sp.Auto && at.FAT {
		return SplitFAT32
	}
	return sp.Size
}
