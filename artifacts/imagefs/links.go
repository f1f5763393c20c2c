package imagefs

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
)

// pendingLink is a hard link under dir whose target lies outside it. The
// target is a file earlier in the same layer whose content the pass did
// not keep (keeping every file of every layer would mean extracting the
// whole image), so a second pass over that layer brings it.
type pendingLink struct {
	node   *node
	sub    string // where the link is, under dir
	target string // relative to the image's root
	// before is the link's entry index: its content is the target's last
	// version before it.
	before int
}

// link applies a hard link entry at sub under dir.
func (w *walker) link(parent *node, base, sub string, hdr *tar.Header, idx int) error {
	t, ok := cleanName(hdr.Linkname)
	if !ok {
		return nil
	}
	n := &node{kind: isFile, layer: w.layer}
	_, tsub, under := w.locate(t)
	if under {
		if tsub == sub {
			return nil
		}
		tn := w.lookup(tsub)
		if tn == nil || (tn.kind != isFile && tn.kind != isSymlink) {
			return fmt.Errorf("the hard link /%s points to /%s, which is not a file at that point of the layer", path.Join(w.dir, sub), t)
		}
		n.kind, n.file, n.target = tn.kind, tn.file, tn.target
		if tn.wait != nil {
			n.wait = &pendingLink{node: n, sub: sub, target: tn.wait.target, before: tn.wait.before}
		}
	} else {
		n.wait = &pendingLink{node: n, sub: sub, target: t, before: idx}
	}
	if err := w.drop(parent, base, sub); err != nil {
		return err
	}
	switch {
	case n.wait != nil:
		w.pending = append(w.pending, n.wait)
	case n.kind == isFile && w.dest != "":
		if err := linkOrCopy(w.diskPath(tsub), w.diskPath(sub)); err != nil {
			return err
		}
	}
	if parent.children == nil {
		parent.children = map[string]*node{}
	}
	parent.children[base] = n
	return nil
}

// needsSecondPass keeps the pending links that later entries of the layer
// did not replace or remove, and says whether any are left.
func (w *walker) needsSecondPass() bool {
	w.pending = slices.DeleteFunc(w.pending, func(p *pendingLink) bool { return w.lookup(p.sub) != p.node })
	return len(w.pending) > 0
}

// version is one version of a hard link's target met on the second pass.
type version struct {
	file   File
	disk   string // a temporary file in dest, or the first link placed
	placed bool
}

// resolveLinks reads the current layer again through pass and gives each
// pending link its target's content.
func (w *walker) resolveLinks(pass func(entryFunc) error) error {
	live := w.pending
	w.pending = nil
	slices.SortStableFunc(live, func(a, b *pendingLink) int { return a.before - b.before })
	needed := map[string]int{} // target → the last entry index a link needs it before
	for _, p := range live {
		needed[p.target] = max(needed[p.target], p.before)
	}
	latest := map[string]*version{}
	var all []*version
	defer func() {
		for _, v := range all {
			if !v.placed {
				_ = os.Remove(v.disk)
			}
		}
	}()
	next := 0
	err := pass(func(hdr *tar.Header, r io.Reader, idx int) error {
		for ; next < len(live) && live[next].before <= idx; next++ {
			if err := w.place(live[next], latest[live[next].target]); err != nil {
				return err
			}
		}
		t, ok := cleanName(hdr.Name)
		if !ok {
			return nil
		}
		if last, want := needed[t]; !want || idx >= last {
			return nil
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeGNUSparse {
			delete(latest, t)
			return nil
		}
		v := &version{}
		var f *os.File
		if w.dest != "" {
			var err error
			if f, err = os.CreateTemp(w.dest, ".imagefs-link-*"); err != nil {
				return err
			}
			v.disk = f.Name()
			all = append(all, v)
		}
		var err error
		v.file, err = w.hashCopy(f, r, hdr)
		if f != nil {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		latest[t] = v
		return err
	})
	if err != nil {
		return err
	}
	for ; next < len(live); next++ {
		if err := w.place(live[next], latest[live[next].target]); err != nil {
			return err
		}
	}
	return nil
}

// place gives a pending link its target's version v.
func (w *walker) place(p *pendingLink, v *version) error {
	if v == nil {
		return fmt.Errorf("the hard link /%s points to /%s, which is not a file earlier in that layer", path.Join(w.dir, p.sub), p.target)
	}
	p.node.file, p.node.wait = v.file, nil
	if w.dest == "" {
		return nil
	}
	dst := w.diskPath(p.sub)
	if v.placed {
		return linkOrCopy(v.disk, dst)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Rename(v.disk, dst); err != nil {
		return err
	}
	v.disk, v.placed = dst, true
	return nil
}

// linkOrCopy makes dst a hard link to src, or a copy where the filesystem
// refuses links.
func linkOrCopy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
