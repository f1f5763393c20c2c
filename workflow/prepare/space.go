package prepare

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"ferry/artifacts/bundle"
	"ferry/artifacts/fault"
	"ferry/artifacts/size"
	"ferry/workflow/plan"
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
	Path       string
	Need, Free int64
	What       string
	// Fixes says what to do, naming settings.
	Fixes fault.Phrase
}

func (e *SpaceError) Error() string { return e.Word(nil) }

// Word is the sentence with its settings worded by words.
func (e *SpaceError) Word(words fault.Words) string {
	return fmt.Sprintf("%s needs %s on %s but only %s is free: %s", e.What, size.Format(e.Need), e.Path, size.Format(e.Free), e.Fixes.Word(words))
}

// earlierParts is the size of the parts an earlier run of the same name
// left in the output: they are reused or replaced.
func earlierParts(dir, name string) int64 {
	var n int64
	files, _ := bundle.PartFiles(dir, name)
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			n += st.Size()
		}
	}
	return n
}

func (p *Preparer) spaces(output, cacheDir string) (Space, Space, error) {
	stat := p.Space
	if stat == nil {
		stat = StatSpace
	}
	os, err := stat(output)
	if err != nil {
		return Space{}, Space{}, err
	}
	cs, err := stat(cacheDir)
	if err != nil {
		return Space{}, Space{}, err
	}
	return os, cs, nil
}

func checkSpace(output, cacheDir string, os, cs Space, out, cacheNeed int64) error {
	// A file system that does not say how big it is cannot be checked.
	if os.Unknown {
		out = 0
		if os.Device == cs.Device {
			return nil
		}
	}
	if cs.Unknown {
		cacheNeed = 0
	}
	if os.Device == cs.Device {
		if need := out + cacheNeed; need > os.Free {
			return &SpaceError{Path: output, Need: need, Free: os.Free, What: "the bundle and the download cache together",
				Fixes: fault.Say("free some space, use a larger medium, or put the cache elsewhere (%s)", fault.Use(fault.Cache))}
		}
		return nil
	}
	if out > os.Free {
		return &SpaceError{Path: output, Need: out, Free: os.Free, What: "the bundle", Fixes: fault.Say("use a larger medium or a smaller selection")}
	}
	if cacheNeed > cs.Free {
		return &SpaceError{Path: cacheDir, Need: cacheNeed, Free: cs.Free, What: "the download cache", Fixes: fault.Say("free some space or put the cache elsewhere (%s)", fault.Use(fault.Cache))}
	}
	return nil
}

// EstimateSize is an upper bound of the bundle stream's size: every entry
// with its tar headers, padding and the end marker.
func EstimateSize(pl *plan.Plan) int64 {
	entry := func(n int64) int64 { return 2048 + (n+511)/512*512 }
	total := int64(1024) + entry(int64(4096+len(pl.Images)*512)) // index.json
	planJSON, _ := json.Marshal(pl)
	total += entry(int64(len(planJSON)) * 2)
	seen := map[string]bool{}
	lines := 0
	for _, im := range pl.Images {
		for _, b := range im.Blobs {
			if !seen[b.Digest] && !pl.Omits(b.Digest) {
				seen[b.Digest] = true
				total += entry(b.Size)
				lines++
			}
		}
	}
	for _, m := range pl.Maven {
		for _, f := range m.Files {
			if !seen[f.Path] {
				seen[f.Path] = true
				total += entry(f.Size)
				lines++
			}
		}
	}
	for _, f := range pl.Files {
		total += entry(f.Size)
		lines++
	}
	total += entry(int64(lines+8)*200) + entry(64)
	return total
}
