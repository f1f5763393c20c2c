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

func TestErrorKeepsItsFacts(t *testing.T) {
	errBad := errors.New("bad")
	err := New(errBad, "%s refused %s: check %s", Host("reg:5000"), Ref("reg:5000/a:1"), Use(RegistryLogin), About(Registry))
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatal("not a *fault.Error")
	}
	if fe.Host != "reg:5000" || fe.Ref != "reg:5000/a:1" || fe.Part != "" {
		t.Fatalf("facts %+v", fe)
	}
	if len(fe.Settings) != 2 || fe.Settings[0] != RegistryLogin || fe.Settings[1] != Registry {
		t.Fatalf("settings %v", fe.Settings)
	}
	if err.Error() != "reg:5000 refused reg:5000/a:1: check the registry login" {
		t.Fatalf("text %q", err)
	}
	if !Names(fmt.Errorf("outer: %w", err), Registry) || Names(err, CAFile) {
		t.Fatal("Names does not see the settings")
	}
}

// flags words settings as a command would.
func flags(s Setting, args ...string) string {
	switch s {
	case CAFile:
		return "--ca-file"
	case InsecureHost:
		return "add --insecure-source " + args[0]
	}
	return ""
}

func TestWordRewordsEveryFaultInTheChain(t *testing.T) {
	ca := New(errors.New("untrusted"), "the certificate of %s is not trusted: give its CA with %s", Host("h"), Use(CAFile))
	plain := New(errors.New("plain"), "h2 does not speak HTTPS: %s", Use(InsecureHost, "h2"))
	err := fmt.Errorf("plan: %w", errors.Join(ca, fmt.Errorf("pull: %w", plain)))
	want := "plan: the certificate of h is not trusted: give its CA with --ca-file\npull: h2 does not speak HTTPS: add --insecure-source h2"
	if got := Word(err, flags); got != want {
		t.Fatalf("worded\n%q, want\n%q", got, want)
	}
	if got := Word(err, nil); got != err.Error() {
		t.Fatalf("without words %q", got)
	}
	if Word(err, nil) != "plan: the certificate of h is not trusted: give its CA with the CA file setting\npull: h2 does not speak HTTPS: allow plain HTTP to h2" {
		t.Fatalf("default %q", err)
	}
	// A setting a face has no word for keeps its neutral wording.
	other := New(errors.New("x"), "give one with %s", Use(MavenRepo))
	if got := Word(other, flags); got != "give one with the Maven repository setting" {
		t.Fatalf("unworded setting %q", got)
	}
}

func TestWrapKeepsTheWordingOfWhatItWraps(t *testing.T) {
	errSel := errors.New("selection")
	inner := New(errors.New("unknown"), "choose one with %s", Use(CAFile))
	err := Wrap(errSel, fmt.Errorf("target x: %w", inner))
	if !errors.Is(err, errSel) {
		t.Fatal("Wrap loses its kind")
	}
	if got := Word(err, flags); got != "target x: choose one with --ca-file" {
		t.Fatalf("worded %q", got)
	}
	if !Names(err, CAFile) {
		t.Fatal("Names does not see through Wrap")
	}
}

// spaceError is an error of another type that words a phrase of its own.
type spaceError struct{ fix Phrase }

func (e spaceError) Error() string           { return e.Word(nil) }
func (e spaceError) Word(words Words) string { return "full: " + e.fix.Word(words) }

func TestWordUsesAnyWorder(t *testing.T) {
	err := fmt.Errorf("write: %w", spaceError{Say("put it elsewhere (%s)", Use(CAFile))})
	if got := Word(err, flags); got != "write: full: put it elsewhere (--ca-file)" {
		t.Fatalf("worded %q", got)
	}
}

func TestDefaultWordingNamesNoFlag(t *testing.T) {
	for _, s := range Settings() {
		for _, w := range []string{s.Default(), s.Default("h:5000")} {
			if flagText.MatchString(w) || w == "" {
				t.Errorf("%s: default wording %q", s, w)
			}
		}
	}
}
