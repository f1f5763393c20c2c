package signature

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"ferry/artifacts/fault"
)

// Key file suffixes written by Generate.
const (
	PrivateSuffix = ".key"
	PublicSuffix  = ".pub"
)

// maxKeyFile bounds what is read as a key file.
const maxKeyFile = 64 << 10

// Sentinel errors callers tell apart.
var (
	// ErrNeedPassword is an encrypted private key opened without a
	// password.
	ErrNeedPassword = errors.New("the key is encrypted")
	// ErrWrongPassword is an encrypted private key the password does not
	// open.
	ErrWrongPassword = errors.New("the password does not open the key")
	// ErrExists is a key file Generate will not overwrite.
	ErrExists = errors.New("already exists")
)

// Keys are the two files Generate wrote, and the new key's fingerprint.
type Keys struct {
	Private, Public string
	Fingerprint     string
}

// Generate makes a new ed25519 key and writes prefix.key (OpenSSH private
// key format, mode 0600, encrypted with password when one is given) and
// prefix.pub (an authorized_keys line). It refuses to overwrite either
// file, and leaves neither behind when it fails.
func Generate(prefix, password, comment string) (*Keys, error) {
	k := &Keys{Private: prefix + PrivateSuffix, Public: prefix + PublicSuffix}
	for _, p := range []string{k.Private, k.Public} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("%s %w: choose another name, or remove it first if that key is no longer wanted", p, ErrExists)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate a key: %w", err)
	}
	var block *pem.Block
	if password != "" {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, comment, []byte(password))
	} else {
		block, err = ssh.MarshalPrivateKey(priv, comment)
	}
	if err != nil {
		return nil, fmt.Errorf("encode the key: %w", err)
	}
	spub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	line := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(spub)), "\n")
	if comment != "" {
		line += " " + comment
	}
	if err := writeNew(k.Private, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(k.Public, []byte(line+"\n"), 0o644); err != nil {
		_ = os.Remove(k.Private)
		return nil, err
	}
	k.Fingerprint = Fingerprint(spub)
	return k, nil
}

// writeNew creates path with O_EXCL, so a file appearing since the check
// is not overwritten either.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s %w: choose another name", path, ErrExists)
		}
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot write %s: the folder %s does not exist: make it first, or name the keys in a folder that does", path, filepath.Dir(path))
		}
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		_ = os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// LoadSigner reads a private key in OpenSSH format (or any format
// ssh-keygen writes), opening it with password when it is encrypted.
// Errors name the file, never the password.
func LoadSigner(path, password string) (ssh.Signer, error) {
	data, err := readSmall(path)
	if err != nil {
		return nil, err
	}
	var raw any
	if password == "" {
		raw, err = ssh.ParseRawPrivateKey(data)
	} else if raw, err = ssh.ParseRawPrivateKeyWithPassphrase(data, []byte(password)); err != nil && strings.Contains(err.Error(), "not password protected") {
		// A password set for other keys does not stop a plain key.
		raw, err = ssh.ParseRawPrivateKey(data)
	}
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("%s: %w: set FERRY_KEY_PASSWORD to its password", path, ErrNeedPassword)
	case errors.Is(err, x509.IncorrectPasswordError):
		return nil, fmt.Errorf("%s: %w: check FERRY_KEY_PASSWORD", path, ErrWrongPassword)
	case err != nil && strings.Contains(string(data), "ssh-") && !strings.Contains(string(data), "PRIVATE KEY"):
		return nil, fmt.Errorf("%s is a public key: sign with the private key (the %s file)", path, PrivateSuffix)
	case err != nil:
		return nil, fmt.Errorf("%s is not a private key ferry can read: %v", path, err)
	}
	s, err := ssh.NewSignerFromKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// LoadPublic reads a public key: an authorized_keys line as in a .pub
// file, or an allowed_signers line (principals first).
func LoadPublic(path string) (ssh.PublicKey, error) {
	data, err := readSmall(path)
	if err != nil {
		return nil, err
	}
	if strings.Contains(string(data), "PRIVATE KEY") {
		return nil, fmt.Errorf("%s is a private key: give its public key (the .pub file), which is all a check needs", path)
	}
	pub, err := ParsePublic(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

// ParsePublic reads the first key of an authorized_keys or allowed_signers
// text.
func ParsePublic(data []byte) (ssh.PublicKey, error) {
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err == nil {
		return pub, nil
	}
	// allowed_signers: "principals [options] keytype base64 [comment]".
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		for i := 0; i+1 < len(fields); i++ {
			raw, err := base64.StdEncoding.DecodeString(fields[i+1])
			if err != nil {
				continue
			}
			if k, err := ssh.ParsePublicKey(raw); err == nil && k.Type() == fields[i] {
				return k, nil
			}
		}
	}
	return nil, errors.New("not a public key (an authorized_keys line such as ferry keygen writes to the .pub file)")
}

func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fault.New(os.ErrNotExist, "%s does not exist", path)
		}
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a key file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("%s is far larger than a key file", path)
	}
	return data, nil
}
