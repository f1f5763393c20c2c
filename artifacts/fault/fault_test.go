package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestNewMatchesItsKindWithoutPrefix(t *testing.T) {
	errGone := errors.New("gone")
	err := New(errGone, "%s is gone: check %s", "x", "y")
	if err.Error() != "x is gone: check y" {
		t.Fatalf("text %q", err)
	}
	if !errors.Is(fmt.Errorf("wrapped: %w", err), errGone) {
		t.Fatal("does not match its kind through wrapping")
	}
	if errors.Is(err, errors.New("gone")) {
		t.Fatal("matches another error of the same text")
	}
}
