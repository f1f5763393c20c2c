package summary

import (
	"fmt"
	"io"

	"ferry/artifacts/signature"
	"ferry/themes"
)

// KeyWritten is `ferry keygen`'s result: the two files, what the private
// one is encrypted with ("" when it is not; passwordEnv is the variable
// that would encrypt it), the fingerprint, and how to sign with it.
func KeyWritten(w io.Writer, th themes.Theme, k *signature.Keys, encryptedWith, passwordEnv string) {
	how := "not encrypted: keep it where only you can read it, or set " + passwordEnv + " and make another"
	if encryptedWith != "" {
		how = "encrypted with " + encryptedWith
	}
	fmt.Fprintf(w, "%s %s (private, %s)\n", th.OK.Render("Key written:"), k.Private, how)
	fmt.Fprintf(w, "  public key: %s (give it to the site)\n", k.Public)
	fmt.Fprintf(w, "  fingerprint: %s\n", th.Accent.Render(k.Fingerprint))
	fmt.Fprintf(w, "\n%s sign with `ferry prepare --sign-key %s …` or `ferry sign BUNDLE --key %s`; never copy the .key onto the bundle's media.\n",
		th.Title.Render("Next:"), k.Private, k.Private)
}

// Signed is `ferry sign`'s result: the signature file and the fingerprint
// of the key that made it.
func Signed(w io.Writer, th themes.Theme, sig, fingerprint string) {
	fmt.Fprintf(w, "%s %s by %s\n", th.OK.Render("Signed:"), sig, th.Accent.Render(fingerprint))
}

// SignatureOK says who signed the bundle named name.
func SignatureOK(w io.Writer, th themes.Theme, name, fingerprint string) {
	fmt.Fprintf(w, "%s %s signed by %s\n", th.OK.Render("Signature OK:"), name, th.Accent.Render(fingerprint))
}
