package accessible

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"ferry/artifacts/fault"
	"ferry/artifacts/signature"
	"ferry/tui/secret"
	"ferry/tui/wizard"
	"ferry/workflow/prepare"
	"ferry/workflow/session"
)

// signQuestion asks, after the destination, for the private key to sign
// the bundle with (none: unsigned), checked as the confirmation screen
// checks it: a key inside the bundle's folder is refused, an encrypted
// one is opened with o.KeyPassword or a password asked without echo. It
// is skipped for an engine that cannot sign. The key's path is kept in
// signer's question only, never in the answers saved beside the bundle.
func signQuestion(p *prompter, eng any, o Options, dest *string, signer *ssh.Signer) question {
	signing, can := eng.(wizard.Signing)
	def := o.SignKey
	return question{skip: func() bool { return !can }, run: func() error {
		out := p.out
		for {
			*signer = nil
			fmt.Fprintln(out, "\nQuestion 6: sign the bundle, so the site can check who made it? Type the path of a private key (ferry keygen makes one), or none.")
			a, err := p.ask(fmt.Sprintf("Signing key [%s]:", orNone(def)))
			if err != nil {
				return err
			}
			if a == "" {
				a = def
			}
			if a == "" || strings.EqualFold(a, "none") {
				def = ""
				fmt.Fprintln(out, "The bundle will not be signed.")
				return nil
			}
			def = a
			s, problem := openKey(signing, o, a, *dest)
			if s == nil {
				fmt.Fprintln(out, problem)
				continue
			}
			*signer = s
			fmt.Fprintf(out, "The bundle will be signed as %s.\n", signature.Fingerprint(s.PublicKey()))
			return nil
		}
	}}
}

// openKey opens the key at path with the password from the environment,
// else one asked without echo where the input is a terminal; when it
// cannot, it says why in a sentence for the prompt.
func openKey(signing wizard.Signing, o Options, path, dest string) (ssh.Signer, string) {
	s, err := signing.SigningKey(path, o.KeyPassword, dest)
	if errors.Is(err, signature.ErrNeedPassword) && o.KeyPassword == "" {
		if o.Secret == nil {
			return nil, fmt.Sprintf("The key %s is encrypted, and its password is asked only on a terminal: set %s to it and run ferry again, or answer none.", path, session.KeyPasswordEnv)
		}
		s, err = secret.Open(o.Secret, "Password of "+path+" (not shown as you type): ", 3, signature.ErrWrongPassword,
			func(pw string) (ssh.Signer, error) { return signing.SigningKey(path, pw, dest) })
	}
	switch {
	case err == nil:
		return s, ""
	case errors.Is(err, signature.ErrWrongPassword) && o.KeyPassword != "":
		return nil, fmt.Sprintf("%s does not open the key %s: set it to the key's password, or answer none.", session.KeyPasswordEnv, path)
	case errors.Is(err, signature.ErrWrongPassword):
		return nil, fmt.Sprintf("That password does not open the key %s.", path)
	}
	return nil, "That key cannot be used: " + strings.TrimSuffix(fault.Word(err, wizard.Words), ".") + "."
}

// sign signs the bundle just written with signer, as the wizard does at
// the end of a download, and says by whom; without a signer it says the
// bundle is not signed (and an earlier signature is dropped).
func sign(p *prompter, eng any, res *prepare.Result, signer ssh.Signer) error {
	signing, can := eng.(wizard.Signing)
	if !can {
		return nil
	}
	signed, err := signing.SignPrepared(res, signer)
	if err != nil {
		return fmt.Errorf("%w; sign it with ferry sign", err)
	}
	if signed.Fingerprint != "" {
		fmt.Fprintf(p.out, "Signed by %s, in %s. Give the site the key's .pub yourself, never on the stick.\n", signed.Fingerprint, signed.Sidecar)
		return nil
	}
	fmt.Fprintln(p.out, "Not signed.")
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
