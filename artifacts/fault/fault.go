// Package fault builds ferry's user-facing errors: one sentence that says
// what went wrong and what to do, which callers can still tell apart with
// errors.Is against a sentinel (not found, unauthorized, …). The sentence
// is the whole text: the sentinel adds no prefix.
package fault

import (
	"errors"
	"fmt"
)

// Error is a sentence that matches a sentinel error.
type Error struct {
	Kind error
	Msg  string
}

// Error returns the sentence.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the sentinel, for errors.Is.
func (e *Error) Unwrap() error { return e.Kind }

// New formats a sentence that matches kind.
func New(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Wrap marks err as also being of kind, keeping err's text and its own
// sentinels.
func Wrap(kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: errors.Join(kind, err), Msg: err.Error()}
}
