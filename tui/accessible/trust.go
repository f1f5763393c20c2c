package accessible

import (
	"fmt"

	"ferry/artifacts/bundle"
	"ferry/workflow/session"
)

// trustChecker is a far-side engine that knows a bundle's signature and
// checks it against a key the technician names; the session is one.
type trustChecker interface {
	TrustOf(b *bundle.Bundle) (session.Trust, error)
	CheckWithKey(b *bundle.Bundle, pubPath string) (string, error)
}

// askTrust asks for the site's public key when the bundle is signed and
// no key was there to check it, as the far side's screen does: a key that
// did not sign it is refused and asked again; an empty answer goes on
// unchecked, saying so.
func askTrust(p *prompter, eng any, b *bundle.Bundle) (session.Trust, error) {
	tc, ok := eng.(trustChecker)
	if !ok {
		return session.Trust{}, nil
	}
	t, err := tc.TrustOf(b)
	if err != nil || !t.Unchecked() {
		return t, err
	}
	fmt.Fprintln(p.out, "The bundle is signed, and no key was found beside it. The site's own copy of the engineer's public key (the .pub file you were given, not one from the stick) proves who made it.")
	for {
		path, err := p.field("Path of the site's public key (.pub), or empty to go on unchecked", "")
		if err != nil {
			return t, err
		}
		if path == "" {
			fmt.Fprintln(p.out, "Going on unchecked: nothing proves who made this bundle.")
			return t, nil
		}
		fp, err := tc.CheckWithKey(b, path)
		if err != nil {
			fmt.Fprintf(p.out, "%v.\n", err)
			continue
		}
		return session.Trust{Signed: true, SignedBy: fp}, nil
	}
}

// trustSentence says what is known of the bundle's signature.
func trustSentence(t session.Trust) string {
	switch {
	case t.SignedBy != "" && t.Beside:
		return "It is signed by " + t.SignedBy + ", checked with the .pub on the same stick: that proves only that the bundle matches the key carried with it, not who made it, as a forger can replace both; check with the site's own copy of the key (ferry import --key FILE.pub), or compare the fingerprint with the engineer's."
	case t.SignedBy != "":
		return "It is signed by " + t.SignedBy + ", checked with the site's key: ask the engineer to read you their key's fingerprint too."
	case t.Signed:
		return "It is signed, but unchecked: no key of the site's was given, so nothing proves who made it."
	}
	return "It is not signed."
}
