package signature

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Namespace is the SSHSIG namespace of bundle signatures; a signature made
// for another purpose (a git commit, a file signed with another namespace)
// is not accepted for a bundle.
const Namespace = "ferry-bundle"

const (
	magic      = "SSHSIG"
	sigVersion = 1
	armorBegin = "-----BEGIN SSH SIGNATURE-----"
	armorEnd   = "-----END SSH SIGNATURE-----"
	// armorWidth is the line length ssh-keygen wraps its armour at.
	armorWidth = 70
	// maxArmor bounds what is read as a signature: an ed25519 signature is
	// under 300 bytes, an RSA-8192 one under 3 KiB.
	maxArmor = 64 << 10
)

// Sentinel errors callers tell apart.
var (
	// ErrMalformed is a signature file that is not an SSH signature.
	ErrMalformed = errors.New("not an SSH signature")
	// ErrOtherKey is a signature made with another key than the one
	// trusted.
	ErrOtherKey = errors.New("signed by another key")
	// ErrMismatch is a signature by the trusted key over other content.
	ErrMismatch = errors.New("signature does not match")
)

// Sig is a parsed SSHSIG signature.
type Sig struct {
	// PublicKey is the key the signature says it was made with.
	PublicKey ssh.PublicKey
	Namespace string
	// HashAlgorithm is sha256 or sha512.
	HashAlgorithm string
	// Signature is the SSH signature over the signed data.
	Signature *ssh.Signature
}

// wire is the SSHSIG blob after its magic preamble.
type wire struct {
	Version   uint32
	PublicKey []byte
	Namespace string
	Reserved  []byte
	Hash      string
	Signature []byte
}

// signedData is what the key actually signs: the message's hash wrapped
// with the namespace, so a signature cannot be replayed in another.
func signedData(namespace, hashAlg string, msg []byte) ([]byte, error) {
	var h []byte
	switch hashAlg {
	case "sha512":
		s := sha512.Sum512(msg)
		h = s[:]
	case "sha256":
		s := sha256.Sum256(msg)
		h = s[:]
	default:
		return nil, fmt.Errorf("%w: hash algorithm %q is not sha256 or sha512", ErrMalformed, hashAlg)
	}
	body := ssh.Marshal(struct {
		Namespace string
		Reserved  []byte
		Hash      string
		H         []byte
	}{namespace, nil, hashAlg, h})
	return append([]byte(magic), body...), nil
}

// Sign signs msg with s in namespace and returns the armoured signature,
// as `ssh-keygen -Y sign -n namespace` writes it.
func Sign(s ssh.Signer, namespace string, msg []byte) ([]byte, error) {
	const hashAlg = "sha512"
	data, err := signedData(namespace, hashAlg, msg)
	if err != nil {
		return nil, err
	}
	sig, err := signData(s, data)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	blob := append([]byte(magic), ssh.Marshal(wire{Version: sigVersion, PublicKey: s.PublicKey().Marshal(),
		Namespace: namespace, Hash: hashAlg, Signature: ssh.Marshal(sig)})...)
	return armor(blob), nil
}

// signData signs with rsa-sha2-512 for RSA keys, as ssh-keygen does (the
// SHA-1 "ssh-rsa" signature is refused by current OpenSSH).
func signData(s ssh.Signer, data []byte) (*ssh.Signature, error) {
	if as, ok := s.(ssh.AlgorithmSigner); ok && s.PublicKey().Type() == ssh.KeyAlgoRSA {
		return as.SignWithAlgorithm(nil, data, ssh.KeyAlgoRSASHA512)
	}
	return s.Sign(nil, data)
}

func armor(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b bytes.Buffer
	b.WriteString(armorBegin + "\n")
	for len(enc) > armorWidth {
		b.WriteString(enc[:armorWidth] + "\n")
		enc = enc[armorWidth:]
	}
	b.WriteString(enc + "\n" + armorEnd + "\n")
	return b.Bytes()
}

// Parse reads an armoured SSH signature.
func Parse(armored []byte) (*Sig, error) {
	if len(armored) > maxArmor {
		return nil, fmt.Errorf("%w: %d bytes is far more than a signature", ErrMalformed, len(armored))
	}
	text := strings.TrimSpace(strings.ReplaceAll(string(armored), "\r\n", "\n"))
	body, ok := strings.CutPrefix(text, armorBegin)
	if !ok {
		return nil, fmt.Errorf("%w: it does not start with %s", ErrMalformed, armorBegin)
	}
	body, ok = strings.CutSuffix(body, armorEnd)
	if !ok {
		return nil, fmt.Errorf("%w: it does not end with %s", ErrMalformed, armorEnd)
	}
	blob, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		return nil, fmt.Errorf("%w: its base64 cannot be read", ErrMalformed)
	}
	rest, ok := bytes.CutPrefix(blob, []byte(magic))
	if !ok {
		return nil, fmt.Errorf("%w: it lacks the SSHSIG preamble", ErrMalformed)
	}
	var w wire
	if err := ssh.Unmarshal(rest, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if w.Version != sigVersion {
		return nil, fmt.Errorf("%w: version %d, where ferry reads version %d", ErrMalformed, w.Version, sigVersion)
	}
	if w.Hash != "sha256" && w.Hash != "sha512" {
		return nil, fmt.Errorf("%w: hash algorithm %q is not sha256 or sha512", ErrMalformed, w.Hash)
	}
	pub, err := ssh.ParsePublicKey(w.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: its public key cannot be read: %v", ErrMalformed, err)
	}
	sig := new(ssh.Signature)
	if err := ssh.Unmarshal(w.Signature, sig); err != nil {
		return nil, fmt.Errorf("%w: its signature cannot be read: %v", ErrMalformed, err)
	}
	return &Sig{PublicKey: pub, Namespace: w.Namespace, HashAlgorithm: w.Hash, Signature: sig}, nil
}

// Verify checks that armored is a signature of msg in namespace by trusted.
// It returns ErrMalformed, ErrOtherKey or ErrMismatch (wrapped) when not.
func Verify(trusted ssh.PublicKey, namespace string, msg, armored []byte) error {
	s, err := Parse(armored)
	if err != nil {
		return err
	}
	if !bytes.Equal(s.PublicKey.Marshal(), trusted.Marshal()) {
		return fmt.Errorf("%w: %s", ErrOtherKey, Fingerprint(s.PublicKey))
	}
	if s.Namespace != namespace {
		return fmt.Errorf("%w: it was made for %q, not %q", ErrMismatch, s.Namespace, namespace)
	}
	if s.PublicKey.Type() == ssh.KeyAlgoRSA && s.Signature.Format == ssh.KeyAlgoRSA {
		return fmt.Errorf("%w: SHA-1 RSA signatures are not accepted", ErrMismatch)
	}
	data, err := signedData(s.Namespace, s.HashAlgorithm, msg)
	if err != nil {
		return err
	}
	if err := trusted.Verify(data, s.Signature); err != nil {
		return fmt.Errorf("%w: %v", ErrMismatch, err)
	}
	return nil
}

// Fingerprint is a key's SHA256 fingerprint as ssh-keygen -l prints it.
func Fingerprint(k ssh.PublicKey) string { return ssh.FingerprintSHA256(k) }
