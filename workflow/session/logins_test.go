package session

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithLoginsReadsInputThenEnvironment(t *testing.T) {
	env := map[string]string{RegistryUserEnv: "env-user", RegistryPasswordEnv: "env-pass", MavenUserEnv: "env-mvn", MavenPasswordEnv: "env-mvn-pass"}
	getenv := func(k string) string { return env[k] }

	d, err := Destination{Username: "given"}.WithLogins(Logins{Getenv: getenv})
	require.NoError(t, err)
	assert.Equal(t, Destination{Username: "given", Password: "env-pass", MavenUser: "env-mvn", MavenPassword: "env-mvn-pass"}, d)

	d, err = Destination{}.WithLogins(Logins{Getenv: getenv, In: strings.NewReader("reg\r\nmvn"), RegistryFromInput: true, MavenFromInput: true})
	require.NoError(t, err)
	assert.Equal(t, "env-user", d.Username)
	assert.Equal(t, "reg", d.Password)
	assert.Equal(t, "mvn", d.MavenPassword)

	_, err = Destination{}.WithLogins(Logins{Getenv: getenv, In: strings.NewReader("reg\n"), RegistryFromInput: true, MavenFromInput: true})
	assert.ErrorIs(t, err, ErrNoMavenPassword)
	_, err = Destination{}.WithLogins(Logins{Getenv: getenv, In: strings.NewReader(""), RegistryFromInput: true})
	assert.ErrorIs(t, err, ErrNoRegistryPassword)
}
