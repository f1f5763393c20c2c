// Package secret asks for a password on the terminal, without echo, for
// the plain commands: the password of an encrypted signing key (when the
// environment holds none), or a new one for a key being made. A password is never taken as a flag, where it
// would show in the process list and the shell's history.
package secret

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/term"

	"ferry/artifacts/signature"
)

// ErrMismatch is a new password typed differently the second time, every
// time it was asked.
var ErrMismatch = errors.New("the two passwords typed did not match")

// Asker asks for passwords: it writes the prompt to Out and reads one line
// without echo.
type Asker struct {
	out  io.Writer
	read func() (string, error)
}

// OnTerminal gives an Asker reading from in when in is a terminal, and
// false otherwise (a pipe, a file, a test), where nothing is asked.
func OnTerminal(in io.Reader, out io.Writer) (*Asker, bool) {
	f, ok := in.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(f.Fd()) {
		return nil, false
	}
	return &Asker{out: out, read: func() (string, error) {
		b, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(out) // the Enter typed was not echoed
		return string(b), err
	}}, true
}

// FromReader gives an Asker reading lines from r, for tests and for
// callers that already hold a line-oriented input.
func FromReader(r io.Reader, out io.Writer) *Asker {
	br := bufio.NewReader(r)
	return &Asker{out: out, read: func() (string, error) {
		line, err := br.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}}
}

// Ask writes prompt and reads one password.
func (a *Asker) Ask(prompt string) (string, error) {
	fmt.Fprint(a.out, prompt)
	return a.read()
}

// Open asks for a password until open accepts it, at most tries times.
// An error of open that is not wrong (a wrong password) ends it at once;
// after the last wrong try, open's error is returned.
func Open[T any](a *Asker, prompt string, tries int, wrong error, open func(password string) (T, error)) (T, error) {
	var zero T
	for i := 1; ; i++ {
		pw, err := a.Ask(prompt)
		if err != nil {
			return zero, fmt.Errorf("read the password: %w", err)
		}
		v, err := open(pw)
		if err == nil || !errors.Is(err, wrong) || i >= tries {
			return v, err
		}
		fmt.Fprintln(a.out, "That password does not open it; try again.")
	}
}

// New asks for a new password twice and gives it once both match, at
// most tries times (ErrMismatch after). An empty password is returned as
// it is: the caller decides what none means.
func (a *Asker) New(prompt, again string, tries int) (string, error) {
	for i := 1; ; i++ {
		first, err := a.Ask(prompt)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		if first == "" {
			return "", nil
		}
		second, err := a.Ask(again)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		if first == second {
			return first, nil
		}
		if i >= tries {
			return "", ErrMismatch
		}
		fmt.Fprintln(a.out, "The two did not match; type it again.")
	}
}

// OpenKey opens the key at path with envPassword (the password the
// environment holds) or, when that is empty and the key turns out to need
// one, with a password asked on the terminal in, three tries. Off a
// terminal the key's own error stands.
func OpenKey[T any](in io.Reader, out io.Writer, path, envPassword string, open func(password string) (T, error)) (T, error) {
	v, err := open(envPassword)
	if errors.Is(err, signature.ErrNeedPassword) && envPassword == "" {
		if t, ok := OnTerminal(in, out); ok {
			return Open(t, "Password of "+path+": ", 3, signature.ErrWrongPassword, open)
		}
	}
	return v, err
}

// ForNewKey is the password a new key is encrypted with, and what gave it
// for the summary to say: envPassword (read from the variable envName) when
// set, else one typed twice on the terminal in (Enter for none). No
// password gives two empty strings.
func ForNewKey(in io.Reader, out io.Writer, envPassword, envName string) (password, from string, err error) {
	t, ok := OnTerminal(in, out)
	switch {
	case envPassword != "":
		return envPassword, envName, nil
	case !ok:
		return "", "", nil
	}
	if password, err = t.New("Password for the new key (Enter for none): ", "The same password again: ", 3); err != nil || password == "" {
		return "", "", err
	}
	return password, "the password typed", nil
}
