package secret

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/signature"
)

var errWrong = errors.New("wrong password")

func opener(want string) func(string) (string, error) {
	return func(pw string) (string, error) {
		if pw != want {
			return "", errWrong
		}
		return "opened", nil
	}
}

func TestOpenRetriesAWrongPassword(t *testing.T) {
	var out bytes.Buffer
	a := FromReader(strings.NewReader("nope\nright\n"), &out)
	v, err := Open(a, "Password: ", 3, errWrong, opener("right"))
	require.NoError(t, err)
	assert.Equal(t, "opened", v)
	assert.Equal(t, "Password: That password does not open it; try again.\nPassword: ", out.String())
	assert.NotContains(t, out.String(), "right", "a password is never echoed")
}

func TestOpenGivesUpAfterTheLastTry(t *testing.T) {
	a := FromReader(strings.NewReader("a\nb\nc\nright\n"), &bytes.Buffer{})
	_, err := Open(a, "Password: ", 3, errWrong, opener("right"))
	assert.ErrorIs(t, err, errWrong)

	other := errors.New("not a key")
	calls := 0
	a = FromReader(strings.NewReader("a\nb\n"), &bytes.Buffer{})
	_, err = Open(a, "Password: ", 3, errWrong, func(string) (int, error) { calls++; return 0, other })
	assert.ErrorIs(t, err, other)
	assert.Equal(t, 1, calls, "any other failure is not asked again")

	a = FromReader(strings.NewReader(""), &bytes.Buffer{})
	_, err = Open(a, "Password: ", 3, errWrong, opener("right"))
	assert.ErrorContains(t, err, "read the password")
}

func TestNewAsksTwice(t *testing.T) {
	var out bytes.Buffer
	a := FromReader(strings.NewReader("one\ntwo\nthree\nthree\n"), &out)
	pw, err := a.New("New password: ", "Again: ", 3)
	require.NoError(t, err)
	assert.Equal(t, "three", pw)
	assert.Contains(t, out.String(), "The two did not match")

	pw, err = FromReader(strings.NewReader("\n"), &out).New("New password: ", "Again: ", 3)
	require.NoError(t, err)
	assert.Empty(t, pw, "empty is none, not asked again")

	_, err = FromReader(strings.NewReader("a\nb\nc\nd\n"), &out).New("New password: ", "Again: ", 2)
	assert.ErrorIs(t, err, ErrMismatch)
}

func TestOnlyATerminalIsAsked(t *testing.T) {
	_, ok := OnTerminal(strings.NewReader("x\n"), &bytes.Buffer{})
	assert.False(t, ok)
	f, err := os.CreateTemp(t.TempDir(), "in")
	require.NoError(t, err)
	defer f.Close()
	_, ok = OnTerminal(f, &bytes.Buffer{})
	assert.False(t, ok, "a file is not a terminal")
}

func TestForNewKeyOffATerminal(t *testing.T) {
	pw, from, err := ForNewKey(strings.NewReader("typed\ntyped\n"), io.Discard, "from-env", "FERRY_KEY_PASSWORD")
	require.NoError(t, err)
	assert.Equal(t, []string{"from-env", "FERRY_KEY_PASSWORD"}, []string{pw, from})
	// Off a terminal nothing is asked: the key is made without a password.
	pw, from, err = ForNewKey(strings.NewReader("typed\ntyped\n"), io.Discard, "", "FERRY_KEY_PASSWORD")
	require.NoError(t, err)
	assert.Equal(t, []string{"", ""}, []string{pw, from})
}

func TestOpenKeyOffATerminal(t *testing.T) {
	var tried []string
	open := func(pw string) (string, error) {
		tried = append(tried, pw)
		if pw != "right" {
			return "", signature.ErrNeedPassword
		}
		return "key", nil
	}
	k, err := OpenKey(strings.NewReader("right\n"), io.Discard, "site.key", "right", open)
	require.NoError(t, err)
	assert.Equal(t, "key", k)
	// No password in the environment and no terminal to ask on: the key's
	// own error stands, and standard input is not read.
	_, err = OpenKey(strings.NewReader("right\n"), io.Discard, "site.key", "", open)
	require.ErrorIs(t, err, signature.ErrNeedPassword)
	assert.Equal(t, []string{"right", ""}, tried)
}
