// Package textfit makes text fit the room a screen has without losing what
// matters: names shortened in the middle so the tag and the file name stay,
// prose wrapped only at spaces so a path or a digest is never split where
// a reader would copy it, and commands wrapped shell-style with " \" so
// they still paste and run.
package textfit

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

const ellipsis = "…"

// Middle shortens s to at most w cells by cutting its middle; the last
// path element (an image's name and tag, a file's name) is kept whole
// when it fits in half the room.
func Middle(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w <= 2 {
		return ansi.Truncate(s, w, "")
	}
	r := []rune(s)
	tail := (w - 1) / 2
	if i := strings.LastIndex(s, "/"); i >= 0 {
		if last := len([]rune(s[i:])); last <= w-4 {
			tail = max(tail, last)
		}
	}
	head := w - 1 - tail
	return string(r[:head]) + ellipsis + string(r[len(r)-tail:])
}

// Words wraps plain text to w cells, breaking only at spaces: a token
// longer than the room gets a line of its own and is broken only then.
// Existing line breaks are kept.
func Words(s string, w int) string {
	w = max(1, w)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
			if ansi.StringWidth(line) > w {
				out = append(out, strings.Split(ansi.Hardwrap(line, w, false), "\n")...)
				line = ""
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// Command wraps a shell command to w cells at spaces, ending every line but
// the last with " \" and indenting the lines after the first, so the
// whole still pastes and runs as one command.
func Command(cmd string, w int) string {
	w = max(8, w)
	words := strings.Fields(cmd)
	var lines []string
	line := ""
	for _, word := range words {
		room := w - 2 // " \"
		if line != "" && ansi.StringWidth(line)+1+ansi.StringWidth(word) > room {
			lines = append(lines, line+" \\")
			line = "  " + word
			continue
		}
		if line == "" {
			line = word
		} else {
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// Lines cuts s to at most n lines; it says whether anything was cut.
func Lines(s string, n int) (string, bool) {
	l := strings.Split(s, "\n")
	if len(l) <= n {
		return s, false
	}
	return strings.Join(l[:max(0, n)], "\n"), true
}
