package session

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// Environment variables that hold the site's logins, read where a face
// was given none; like every password, theirs is never written anywhere.
const (
	RegistryUserEnv     = "FERRY_REGISTRY_USERNAME"
	RegistryPasswordEnv = "FERRY_REGISTRY_PASSWORD"
	MavenUserEnv        = "FERRY_MAVEN_USERNAME"
	MavenPasswordEnv    = "FERRY_MAVEN_PASSWORD"
)

// A password to be read from the input that holds none.
var (
	ErrNoRegistryPassword = errors.New("no registry password in the input")
	ErrNoMavenPassword    = errors.New("no Maven password in the input")
)

// Logins says where the passwords come from: with RegistryFromInput or
// MavenFromInput, one line each of In (the registry's first); otherwise
// the environment.
type Logins struct {
	Getenv                            func(string) string
	In                                io.Reader
	RegistryFromInput, MavenFromInput bool
}

// WithLogins is d with what it lacks of its logins filled in: the
// usernames from the environment, the passwords from the input or the
// environment as l says.
func (d Destination) WithLogins(l Logins) (Destination, error) {
	var in *bufio.Reader
	read := func(missing error) (string, error) {
		if in == nil {
			in = bufio.NewReader(l.In)
		}
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return "", missing
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if d.Username == "" {
		d.Username = l.Getenv(RegistryUserEnv)
	}
	var err error
	if l.RegistryFromInput {
		if d.Password, err = read(ErrNoRegistryPassword); err != nil {
			return d, err
		}
	} else {
		d.Password = l.Getenv(RegistryPasswordEnv)
	}
	if d.MavenUser == "" {
		d.MavenUser = l.Getenv(MavenUserEnv)
	}
	if l.MavenFromInput {
		if d.MavenPassword, err = read(ErrNoMavenPassword); err != nil {
			return d, err
		}
	} else {
		d.MavenPassword = l.Getenv(MavenPasswordEnv)
	}
	return d, nil
}
