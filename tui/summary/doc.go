// Package summary renders what the plain commands and the closed full
// screen leave in the scrollback: what was made or loaded, where, the
// bundle's code, what is left to do and the command that goes on. Each
// function only writes to the writer it is given; problems are worded by
// the caller. Every command's result is here: prepared, verified,
// imported, configured, served, loaded into a node, an inventory written,
// a key made, a bundle signed.
package summary

import "strings"

// Sentence makes a message end like a sentence. It is not capitalised:
// many start with a name (an image reference, a file) that must stay as is.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}
