package bundleregistry

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"ferry/artifacts/bundle"
)

type damage struct {
	err      *DamageError
	reported bool
}

// DamageError says that an item's bytes in the bundle do not match its
// digest, and which part holds them.
type DamageError struct {
	// What is "image blob" or "image manifest".
	What   string
	Digest string
	// Parts are the 1-based numbers of the parts holding the item, and
	// Names their file names.
	Parts []int
	Names []string
	Of    int
}

func (e *DamageError) Error() string {
	where := "the bundle"
	switch len(e.Parts) {
	case 0:
	case 1:
		where = fmt.Sprintf("part %d of %d (%s)", e.Parts[0], e.Of, e.Names[0])
	default:
		where = fmt.Sprintf("parts %d–%d of %d (%s)", e.Parts[0], e.Parts[len(e.Parts)-1], e.Of, strings.Join(e.Names, ", "))
	}
	what := "the part"
	if len(e.Parts) > 1 {
		what = "those parts"
	}
	return fmt.Sprintf("%s %s is damaged in %s, so it is not served: copy %s again from the original media and restart ferry serve", e.What, shortDigest(e.Digest), where, what)
}

// Unwrap returns bundle.ErrDamagedPart.
func (e *DamageError) Unwrap() error { return bundle.ErrDamagedPart }

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}

// markDamaged remembers an item as damaged and names the parts holding it.
func (r *Registry) markDamaged(what, digest string, sr *io.SectionReader) *DamageError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d, ok := r.damaged[digest]; ok {
		return d.err
	}
	idx := r.indexOf(sr)
	e := &DamageError{What: what, Digest: digest, Of: len(idx.Parts)}
	_, off, n := sr.Outer()
	for _, s := range idx.Spans(off, n) {
		e.Parts = append(e.Parts, s.Part+1)
		e.Names = append(e.Names, idx.Parts[s.Part].Name)
	}
	r.damaged[digest] = &damage{err: e}
	delete(r.verified, digest)
	return e
}

func (r *Registry) damagedErr(digest string) *DamageError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d, ok := r.damaged[digest]; ok {
		return d.err
	}
	return nil
}

// report tells OnError of a problem; damage only the first time.
func (r *Registry) report(err error) {
	var de *DamageError
	if errors.As(err, &de) {
		r.mu.Lock()
		d := r.damaged[de.Digest]
		first := d != nil && !d.reported
		if first {
			d.reported = true
		}
		r.mu.Unlock()
		if !first {
			return
		}
	}
	if r.OnError != nil {
		r.OnError(err)
	}
}
