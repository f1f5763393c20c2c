package imagefs

import (
	"archive/tar"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
	// aufs keeps its own bookkeeping under names with this prefix.
	aufsMetaPrefix = ".wh..wh."
)

type kind uint8

const (
	absent kind = iota
	isDir
	isFile
	isSymlink
	isOther // devices, fifos: they replace what was there, and are not reported
)

// node is one path under the folder.
type node struct {
	kind kind
	// layer is the last layer that wrote or implied this path; an opaque
	// whiteout keeps only what its own layer brought.
	layer    int
	children map[string]*node // folders
	file     File             // files; Path is filled in by collect
	target   string           // symbolic links
	wait     *pendingLink     // files whose content a second pass brings
}

// step is the state of one folder on the way to the folder read (or of
// that folder itself), so a parent replaced or removed is noticed.
type step struct {
	kind   kind
	layer  int
	target string
}

// walker applies layers, base first, to what it knows of the folder.
type walker struct {
	dir   string   // relative to the root; "" is the root
	chain []string // dir's parents and dir itself, outermost first
	steps []step   // the state of each chain path
	root  *node    // dir's content
	dest  string   // where Extract writes; "" when listing
	layer int      // the layer being applied, from 1

	pending []*pendingLink // this layer's hard links to targets outside dir
	buf     []byte
}

func newWalker(dir, dest string) *walker {
	w := &walker{dir: dir, dest: dest, root: &node{kind: isDir}, buf: make([]byte, 256<<10)}
	if dir != "" {
		parts := strings.Split(dir, "/")
		for i := range parts {
			w.chain = append(w.chain, strings.Join(parts[:i+1], "/"))
		}
		w.steps = make([]step, len(parts))
	}
	return w
}

// locate says where root-relative p lies: at chain[k] (dir or one of its
// parents), under dir at sub, or elsewhere (k < 0, under false).
func (w *walker) locate(p string) (k int, sub string, under bool) {
	switch {
	case w.dir == "":
		return -1, p, true
	case p == w.dir:
		return len(w.chain) - 1, "", false
	case strings.HasPrefix(p, w.dir) && p[len(w.dir)] == '/':
		return -1, p[len(w.dir)+1:], true
	case strings.HasPrefix(w.dir, p) && w.dir[len(p)] == '/':
		return strings.Count(p, "/"), "", false
	}
	return -1, "", false
}

// parents records that the chain folders above p exist in this layer, as
// a runtime creates missing parents. It reports false when one of them is
// not a folder: the entry then cannot land where its name says.
func (w *walker) parents(p string) bool {
	for k, c := range w.chain {
		if len(p) <= len(c) || p[len(c)] != '/' || !strings.HasPrefix(p, c) {
			break
		}
		switch w.steps[k].kind {
		case absent:
			w.steps[k].kind = isDir
		case isDir:
		default:
			return false
		}
		w.steps[k].layer = w.layer
	}
	return true
}

// entry applies one tar entry of the current layer.
func (w *walker) entry(hdr *tar.Header, r io.Reader, idx int) error {
	p, ok := cleanName(hdr.Name)
	if !ok || !w.parents(p) {
		return nil
	}
	parent, base := path.Split(p)
	parent = strings.TrimSuffix(parent, "/")
	switch {
	case base == opaqueMarker:
		return w.opaque(parent)
	case strings.HasPrefix(base, aufsMetaPrefix):
		return nil
	case strings.HasPrefix(base, whiteoutPrefix):
		name := base[len(whiteoutPrefix):]
		if name == "" || name == "." || name == ".." {
			return nil
		}
		return w.whiteout(path.Join(parent, name))
	}
	k, sub, under := w.locate(p)
	switch {
	case k >= 0:
		return w.setStep(k, hdr)
	case under:
		return w.put(sub, hdr, r, idx)
	}
	return nil
}

// setStep applies an entry naming dir or one of its parents.
func (w *walker) setStep(k int, hdr *tar.Header) error {
	switch hdr.Typeflag {
	case tar.TypeDir:
		w.steps[k] = step{kind: isDir, layer: w.layer}
		return nil
	case tar.TypeSymlink:
		w.steps[k] = step{kind: isSymlink, layer: w.layer, target: hdr.Linkname}
	case tar.TypeReg, tar.TypeLink, tar.TypeGNUSparse:
		w.steps[k] = step{kind: isFile, layer: w.layer}
	default:
		w.steps[k] = step{kind: isOther, layer: w.layer}
	}
	return w.cut(k + 1)
}

// cut forgets the chain from k down and dir's content: a folder above
// them was removed, hidden or replaced.
func (w *walker) cut(k int) error {
	for j := k; j < len(w.steps); j++ {
		w.steps[j] = step{}
	}
	w.root.children = nil
	if w.dest == "" {
		return nil
	}
	entries, err := os.ReadDir(w.dest)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(w.dest, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// whiteout removes root-relative q, and what is below it, as lower layers
// left it. What this layer itself brought at q stays, so the marker's
// place among the layer's entries does not matter.
func (w *walker) whiteout(q string) error {
	k, sub, under := w.locate(q)
	switch {
	case k >= 0:
		if w.steps[k].layer == w.layer {
			return w.opaque(q)
		}
		return w.cut(k)
	case under:
		parentSub, base := splitSub(sub)
		parent := w.mkdirs(parentSub)
		if parent == nil {
			return nil
		}
		switch n := parent.children[base]; {
		case n == nil:
			return nil
		case n.layer < w.layer:
			return w.drop(parent, base, sub)
		case n.kind == isDir:
			return w.prune(n, sub)
		}
	}
	return nil
}

// opaque hides what lower layers put in root-relative folder o.
func (w *walker) opaque(o string) error {
	first := 0
	if o != "" {
		k, sub, under := w.locate(o)
		switch {
		case under:
			n := w.mkdirs(sub)
			if n == nil {
				return nil
			}
			return w.prune(n, sub)
		case k < 0:
			return nil
		}
		first = k + 1
	}
	// The chain below o survives only as far as this layer brought it.
	for j := first; j < len(w.steps); j++ {
		if w.steps[j].layer < w.layer {
			return w.cut(j)
		}
	}
	return w.prune(w.root, "")
}

// prune removes from folder n, at sub, what lower layers brought.
func (w *walker) prune(n *node, sub string) error {
	for name, c := range n.children {
		switch {
		case c.layer < w.layer:
			if err := w.drop(n, name, path.Join(sub, name)); err != nil {
				return err
			}
		case c.kind == isDir:
			if err := w.prune(c, path.Join(sub, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

func splitSub(sub string) (parent, base string) {
	i := strings.LastIndexByte(sub, '/')
	if i < 0 {
		return "", sub
	}
	return sub[:i], sub[i+1:]
}

// mkdirs marks sub and its parents as folders this layer brings, making
// missing ones as a runtime makes implied parents. It gives nil when a
// file or symbolic link is in the way: a runtime would refuse the entry or
// write through the link, elsewhere than its name says, so it is ignored.
func (w *walker) mkdirs(sub string) *node {
	if sub == "" {
		return w.root
	}
	names := strings.Split(sub, "/")
	n := w.root
	for _, name := range names {
		if n = n.children[name]; n == nil {
			break
		}
		if n.kind != isDir {
			return nil
		}
	}
	n = w.root
	for _, name := range names {
		c := n.children[name]
		if c == nil {
			c = &node{kind: isDir}
			if n.children == nil {
				n.children = map[string]*node{}
			}
			n.children[name] = c
		}
		c.layer = w.layer
		n = c
	}
	return n
}

// lookup finds sub's node, or nil.
func (w *walker) lookup(sub string) *node {
	n := w.root
	if sub == "" {
		return n
	}
	for name := range strings.SplitSeq(sub, "/") {
		if n = n.children[name]; n == nil {
			return nil
		}
	}
	return n
}

// drop removes parent's child name (at sub) and what is below it.
func (w *walker) drop(parent *node, name, sub string) error {
	if _, ok := parent.children[name]; !ok {
		return nil
	}
	delete(parent.children, name)
	if w.dest == "" {
		return nil
	}
	return os.RemoveAll(w.diskPath(sub))
}

func (w *walker) diskPath(sub string) string {
	return filepath.Join(w.dest, filepath.FromSlash(sub))
}

// put applies an entry under dir, at sub.
func (w *walker) put(sub string, hdr *tar.Header, r io.Reader, idx int) error {
	parentSub, base := splitSub(sub)
	parent := w.mkdirs(parentSub)
	if parent == nil {
		return nil
	}
	if hdr.Typeflag == tar.TypeLink {
		return w.link(parent, base, sub, hdr, idx)
	}
	old := parent.children[base]
	if hdr.Typeflag == tar.TypeDir && old != nil && old.kind == isDir {
		old.layer = w.layer
		return nil
	}
	if err := w.drop(parent, base, sub); err != nil {
		return err
	}
	n := &node{layer: w.layer}
	switch hdr.Typeflag {
	case tar.TypeDir:
		n.kind = isDir
	case tar.TypeReg, tar.TypeGNUSparse:
		n.kind = isFile
		var err error
		if n.file, err = w.write(sub, hdr, r); err != nil {
			return err
		}
	case tar.TypeSymlink:
		n.kind, n.target = isSymlink, hdr.Linkname
	default:
		n.kind = isOther
	}
	if parent.children == nil {
		parent.children = map[string]*node{}
	}
	parent.children[base] = n
	return nil
}

// write hashes a file's content and, when extracting, writes it at sub.
func (w *walker) write(sub string, hdr *tar.Header, r io.Reader) (File, error) {
	f, err := w.create(sub, hdr)
	if err != nil {
		return File{}, err
	}
	file, err := w.hashCopy(f, r, hdr)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return file, err
}

// create opens sub for writing when extracting, or gives nil.
func (w *walker) create(sub string, hdr *tar.Header) (*os.File, error) {
	if w.dest == "" {
		return nil, nil
	}
	p := w.diskPath(sub)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	// Every version gets a new file (never rewritten in place), so a hard
	// link made for an earlier version keeps that version's content.
	perm := fs.FileMode(0o644)
	if hdr.Mode&0o111 != 0 {
		perm = 0o755
	}
	return os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
}

// hashCopy sums r's content, copying it to f unless f is nil.
func (w *walker) hashCopy(f *os.File, r io.Reader, hdr *tar.Header) (File, error) {
	s1, s256 := sha1.New(), sha256.New()
	out := io.MultiWriter(s1, s256)
	if f != nil {
		out = io.MultiWriter(f, s1, s256)
	}
	n, err := io.CopyBuffer(out, r, w.buf)
	if err != nil {
		return File{}, err
	}
	return File{
		Size:   n,
		Mode:   fs.FileMode(hdr.Mode).Perm(),
		SHA1:   hex.EncodeToString(s1.Sum(nil)),
		SHA256: hex.EncodeToString(s256.Sum(nil)),
	}, nil
}

// missing says whether dir is absent from the final filesystem, and why
// when something else stands at its path or one of its parents'.
func (w *walker) missing() (string, bool) {
	for k, s := range w.steps {
		switch s.kind {
		case isDir:
			continue
		case isSymlink:
			return fmt.Sprintf("/%s is a symbolic link to %s", w.chain[k], s.target), true
		case isFile, isOther:
			return fmt.Sprintf("/%s is a file, not a folder", w.chain[k]), true
		}
		return "", true
	}
	return "", false
}

// collect lists dir's files and symbolic links, sorted by path.
func (w *walker) collect() ([]File, []Symlink) {
	files, links := []File{}, []Symlink{}
	var walk func(n *node, sub string)
	walk = func(n *node, sub string) {
		for _, name := range slices.Sorted(maps.Keys(n.children)) {
			c, p := n.children[name], path.Join(sub, name)
			switch c.kind {
			case isDir:
				walk(c, p)
			case isFile:
				f := c.file
				f.Path = p
				files = append(files, f)
			case isSymlink:
				links = append(links, Symlink{Path: p, Target: c.target})
			}
		}
	}
	walk(w.root, "")
	// Depth-first over sorted names is not byte order ("a/b" < "a-b"
	// there, not here), and callers compare with sorted lists.
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(links, func(a, b Symlink) int { return strings.Compare(a.Path, b.Path) })
	return files, links
}
