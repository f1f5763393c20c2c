// Package fault builds ferry's user-facing errors: one sentence that says
// what went wrong and what to do, which callers can still tell apart with
// errors.Is against a sentinel (not found, unauthorized, …). The sentence
// is the whole text: the sentinel adds no prefix.
//
// The engine does not know which face shows its errors, so a sentence
// never names a command-line flag or a screen's field: it names a Setting
// (Use), which Error words neutrally ("the CA file setting") and which
// each face re-words in its own terms with Word: flags for commands,
// fields and keys for screens.
package fault

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a sentence that matches a sentinel error and carries the facts
// it was built from.
type Error struct {
	// Kind is the sentinel the error matches.
	Kind error
	// Host, Ref and Part are the registry host, image reference and bundle
	// part the error is about, where it is about one.
	Host, Ref, Part string
	// Settings are the settings the sentence names, in order.
	Settings []Setting

	text Phrase
	// err is the error a Wrap keeps, whose text and wording are this
	// error's.
	err error
}

// Error returns the sentence with every setting in its neutral wording.
func (e *Error) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return e.text.String()
}

// Word returns the sentence with every setting worded by words.
func (e *Error) Word(words Words) string {
	if e.err != nil {
		return Word(e.err, words)
	}
	return e.text.Word(words)
}

// Unwrap returns the sentinel, and the wrapped error of a Wrap, for
// errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.err != nil {
		return []error{e.Kind, e.err}
	}
	return []error{e.Kind}
}

// New formats a sentence that matches kind. Arguments of the types Host,
// Ref and Part print as they are and are kept as the error's facts; a Name
// (from Use) prints as its setting's wording; About records a setting
// without printing anything.
func New(kind error, format string, args ...any) error {
	e := &Error{Kind: kind}
	kept := args[:0:0]
	for _, a := range args {
		switch v := a.(type) {
		case Host:
			e.Host = string(v)
		case Ref:
			e.Ref = string(v)
		case Part:
			e.Part = string(v)
		case Name:
			e.Settings = append(e.Settings, v.Setting)
		case about:
			e.Settings = append(e.Settings, v.s)
			continue
		}
		kept = append(kept, a)
	}
	e.text = Say(format, kept...)
	return e
}

// Wrap marks err as also being of kind, keeping err's text, its wording
// and its own sentinels.
func Wrap(kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, err: err}
}

// Host is a registry host (host or host:port) an error is about.
type Host string

// Ref is an image reference an error is about.
type Ref string

// Part is a bundle part an error is about.
type Part string

type about struct{ s Setting }

// About records that an error is about setting s without naming it in the
// sentence.
func About(s Setting) any { return about{s} }

// Phrase is text whose settings are worded when it is shown: a remedy
// kept in a report or in an error of another type.
type Phrase struct {
	format string
	args   []any
}

// Say builds a phrase; its arguments are formatted as New's are.
func Say(format string, args ...any) Phrase { return Phrase{format: format, args: args} }

// String returns the phrase with every setting in its neutral wording.
func (p Phrase) String() string { return p.Word(nil) }

// Word returns the phrase with every setting worded by words, and every
// error argument re-worded the same way.
func (p Phrase) Word(words Words) string {
	args := make([]any, len(p.args))
	for i, a := range p.args {
		switch v := a.(type) {
		case Name:
			args[i] = v.word(words)
		case Phrase:
			args[i] = v.Word(words)
		case error:
			if words != nil {
				args[i] = Word(v, words)
			} else {
				args[i] = v
			}
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(p.format, args...)
}

// Worder is an error that can word its settings for a face.
type Worder interface {
	error
	Word(words Words) string
}

// Word returns err's text with the default wording of every Worder in its
// chain (through fmt.Errorf's %w and errors.Join) replaced by its wording
// in words. Without words it is err.Error().
func Word(err error, words Words) string {
	if err == nil {
		return ""
	}
	text := err.Error()
	if words == nil {
		return text
	}
	for _, w := range worders(err, nil) {
		if def, got := w.Error(), w.Word(words); def != got {
			text = strings.Replace(text, def, got, 1)
		}
	}
	return text
}

// worders lists the outermost Worders in err's tree; each words what it
// wraps itself.
func worders(err error, out []Worder) []Worder {
	if w, ok := err.(Worder); ok {
		return append(out, w)
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if next := u.Unwrap(); next != nil {
			return worders(next, out)
		}
	case interface{ Unwrap() []error }:
		for _, next := range u.Unwrap() {
			if next != nil {
				out = worders(next, out)
			}
		}
	}
	return out
}

// Names reports whether err names setting s anywhere in its chain.
func Names(err error, s Setting) bool {
	for _, w := range worders(err, nil) {
		var fe *Error
		if errors.As(w, &fe) {
			for _, got := range fe.Settings {
				if got == s {
					return true
				}
			}
			if fe.err != nil && Names(fe.err, s) {
				return true
			}
		}
	}
	return false
}
