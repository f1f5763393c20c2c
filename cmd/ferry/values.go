package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// parsed is a flag whose text is read as it is given, so a value that
// cannot be read is refused with the other mistakes on the command line
// (exit 2), as "--NAME" and the reason, before any work starts.
type parsed[T any] struct {
	into  *T
	text  string
	parse func(string) (T, error)
}

func (v *parsed[T]) String() string { return v.text }
func (v *parsed[T]) readAsGiven()   {}

// Type is how help shows the value: a number, or text.
func (v *parsed[T]) Type() string {
	if _, isInt := any(*new(T)).(int); isInt {
		return "int"
	}
	return "string"
}

func (v *parsed[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		return err
	}
	*v.into, v.text = x, s
	return nil
}

// parsedVar adds the flag name (with shorthand, when not empty) that
// fills into with parse's reading of its text, def until given.
func parsedVar[T any](fs *pflag.FlagSet, into *T, name, shorthand, def, usage string, parse func(string) (T, error)) {
	v := &parsed[T]{into: into, parse: parse}
	if def != "" {
		if err := v.Set(def); err != nil {
			panic(err) // a default that is not a value is a mistake of the code
		}
	}
	fs.VarP(v, name, shorthand, usage)
}

// oneOf reads a value that must be one of choices; "" among them lets an
// empty value mean the default.
func oneOf(choices ...string) func(string) (string, error) {
	return func(s string) (string, error) {
		if slices.Contains(choices, s) {
			return s, nil
		}
		named := slices.DeleteFunc(slices.Clone(choices), func(c string) bool { return c == "" }) // "" is the default
		last := len(named) - 1
		return "", fmt.Errorf("must be %s or %s, not %q", strings.Join(named[:last], ", "), named[last], s)
	}
}

// flagMistake words a flag's value that could not be read as the flag and
// its reason ("--progress must be …"), for the flags parsedVar adds; other
// flag errors stay as pflag words them.
func flagMistake(err error) error {
	var bad *pflag.InvalidValueError
	if !errors.As(err, &bad) || bad.GetFlag() == nil {
		return err
	}
	if _, ours := bad.GetFlag().Value.(interface{ readAsGiven() }); !ours {
		return err // pflag's own wording names the value given
	}
	return fmt.Errorf("--%s %w", bad.GetFlag().Name, bad.Unwrap())
}

// atLeast reads a whole number no smaller than least.
func atLeast(least int) func(string) (int, error) {
	return func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			return 0, fmt.Errorf("must be a whole number, not %q", s)
		case n < least && least == 0:
			return 0, fmt.Errorf("must be 0 or more")
		case n < least:
			return 0, fmt.Errorf("must be at least %d", least)
		}
		return n, nil
	}
}
