package main

import (
	"bytes"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// commands are every command of the tree that runs, but cobra's own
// (help, completion's shells, counted as completion).
func commands(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	if root.Runnable() {
		out = append(out, root)
	}
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Hidden {
			continue
		}
		if c.Name() == "completion" {
			out = append(out, c)
			continue
		}
		out = append(out, commands(c)...)
	}
	return out
}

// TestHelpFilesExamplesParse reads every example of help/*.txt as a
// command line: the command exists, and so does every flag it gives, with
// a value where the flag takes one.
func TestHelpFilesExamplesParse(t *testing.T) {
	files, err := fs.Glob(helpFiles, "help/*.txt")
	require.NoError(t, err)
	used := map[string]bool{}
	for _, c := range commands(newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})) {
		if c.Long != "" {
			used["help/"+c.Name()+".txt"] = true
		}
	}
	for _, f := range files {
		assert.True(t, used[f], "%s is the help of no command", f)
		ex := helpOf(strings.TrimSuffix(strings.TrimPrefix(f, "help/"), ".txt")).examples
		for _, line := range strings.Split(ex, "\n") {
			if line == "" {
				continue // a command without examples
			}
			words := strings.Fields(line)
			for len(words) > 0 && words[0] != "ferry" && words[0] != "./ferry" {
				words = words[1:] // sudo, FERRY_KEY_PASSWORD=…
			}
			require.NotEmpty(t, words, "%s: %q runs no ferry", f, line)
			root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
			c, args, err := root.Find(words[1:])
			require.NoError(t, err, "%s: %q", f, line)
			assert.NoError(t, c.ParseFlags(args), "%s: %q", f, line)
		}
	}
}

// TestReadmeCommandTable checks README's table of commands against the
// tree: every command has a row, and every flag a row's command cell
// names is a flag of that command.
func TestReadmeCommandTable(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	cell := regexp.MustCompile("^\\| `(ferry[^`]*)`")
	rows := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		m := cell.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		words := strings.Fields(m[1])[1:]
		c := root
		for _, w := range words {
			sub, _, err := c.Find([]string{w})
			if err != nil || sub == c {
				break
			}
			c = sub
		}
		rows[c.CommandPath()] = true
		for _, f := range flagsIn(m[1]) {
			assert.True(t, hasFlag(c, f), "README: %q names %s, which %s does not take", m[1], f, c.CommandPath())
		}
	}
	for _, c := range commands(root) {
		assert.True(t, rows[c.CommandPath()], "README's table of commands has no row for %s", c.CommandPath())
	}
}
