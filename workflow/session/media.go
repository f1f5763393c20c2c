package session

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/afero"

	"ferry/artifacts/bundle"
)

// Medium is a mounted removable medium.
type Medium struct {
	Path  string
	Free  int64
	FAT   bool
	Label string
}

// Media lists the file systems mounted under the media roots, as the
// mounts file names them, with their free space.
func (s *Session) Media() []Medium {
	data, err := afero.ReadFile(s.FS, s.MountsFile)
	if err != nil {
		return nil
	}
	var out []Medium
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		// The mounts file escapes spaces in paths as octal.
		mp := strings.ReplaceAll(f[1], `\040`, " ")
		if !s.underMediaRoot(mp) {
			continue
		}
		sp, err := s.StatSpace(mp)
		if err != nil {
			continue
		}
		out = append(out, Medium{Path: mp, Free: sp.Free, FAT: sp.FAT || f[2] == "vfat", Label: filepath.Base(mp)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// underMediaRoot says whether a mount point is a media root or below one;
// /media and /run/media themselves hold per-user folders, not media.
func (s *Session) underMediaRoot(mp string) bool {
	for _, root := range s.MediaRoots {
		root = strings.TrimSuffix(root, "/")
		if strings.HasPrefix(mp, root+"/") || (mp == root && root == "/mnt") {
			return true
		}
	}
	return false
}

// Folders completes a path prefix to the existing folders it may name,
// hidden ones left out. An empty prefix lists the working folder's.
func (s *Session) Folders(prefix string) []string {
	return s.complete(prefix, func(fi os.FileInfo) bool { return fi.IsDir() })
}

// HaveFiles completes a path prefix to what can say what a site holds:
// folders (an earlier bundle is one) and JSON files (inventories, bundle
// indexes, import reports).
func (s *Session) HaveFiles(prefix string) []string {
	return s.complete(prefix, func(fi os.FileInfo) bool { return fi.IsDir() || strings.HasSuffix(fi.Name(), ".json") })
}

// complete lists the entries of the prefix's folder that start with its
// last element and that keep accepts; hidden ones never.
func (s *Session) complete(prefix string, keep func(os.FileInfo) bool) []string {
	if prefix == "" {
		prefix = "./"
	}
	if strings.HasPrefix(prefix, "~/") && s.Home != "" {
		prefix = filepath.Join(s.Home, prefix[2:]) + suffixSep(prefix)
	}
	dir, base := filepath.Split(prefix)
	if dir == "" {
		dir = "."
	}
	read := dir
	if !filepath.IsAbs(read) && s.WorkDir != "" {
		read = filepath.Join(s.WorkDir, read)
	}
	entries, err := afero.ReadDir(s.FS, read)
	if err != nil {
		return nil
	}
	var out []string
	for _, en := range entries {
		if keep(en) && strings.HasPrefix(en.Name(), base) && !strings.HasPrefix(en.Name(), ".") {
			out = append(out, filepath.Join(dir, en.Name()))
		}
	}
	return out
}

// suffixSep keeps the trailing separator filepath.Join drops: "~/x/"
// lists inside x, "~/x" completes x.
func suffixSep(p string) string {
	if strings.HasSuffix(p, "/") {
		return "/"
	}
	return ""
}

// Found is a bundle found on mounted media.
type Found struct {
	// Path is the bundle's folder.
	Path  string
	Index bundle.Index
	// Present counts the parts that are there with the right size.
	Present int
}

// FindBundles looks for bundle indexes up to three folders deep under the
// media roots, one bundle per folder, sorted by path. It reads only the
// indexes and the parts' sizes, through the session's file system, and
// stops looking when ctx ends.
func (s *Session) FindBundles(ctx context.Context) []Found {
	var out []Found
	seen := map[string]bool{}
	for _, root := range s.MediaRoots {
		for _, pattern := range []string{"*.ferry.json", "*/*.ferry.json", "*/*/*.ferry.json", "*/*/*/*.ferry.json"} {
			matches, _ := afero.Glob(s.FS, filepath.Join(root, pattern))
			for _, m := range matches {
				dir := filepath.Dir(m)
				if seen[dir] || ctx.Err() != nil {
					continue
				}
				idx, err := bundle.ReadIndex(s.FS, m)
				if err != nil {
					continue
				}
				seen[dir] = true
				present := 0
				for _, p := range idx.Parts {
					if st, err := s.FS.Stat(filepath.Join(dir, p.Name)); err == nil && st.Size() == p.Size {
						present++
					}
				}
				out = append(out, Found{Path: dir, Index: idx, Present: present})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
