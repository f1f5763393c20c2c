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

// Command wraps a shell command to w cells between its words, ending
// every line but the last with " \" and indenting the lines after the
// first, so the whole still pastes and runs as one command. A quoted word
// is never cut where the shell would see two words: one too long for a
// line is cut at a space inside its single quotes, the quote closed
// before the "\" and opened again at the start of the next line, which
// is not indented.
func Command(cmd string, w int) string {
	w = max(8, w)
	room := w - 2 // " \"
	var lines []string
	line, fresh := "", true // fresh: the line holds no word yet
	for _, word := range shellWords(cmd) {
		for word != "" {
			sep := " "
			if fresh {
				sep = ""
			}
			if ansi.StringWidth(line+sep+word) <= room {
				line, word, fresh = line+sep+word, "", false
				continue
			}
			if !fresh && ansi.StringWidth("  "+word) > room {
				// Too long for any line: cut here rather than leave a
				// line short.
				if head, rest, ok := cutQuoted(word, room-ansi.StringWidth(line+sep)-1); ok && ansi.StringWidth(line+sep+head) <= room {
					lines = append(lines, line+sep+head+"\\")
					line, word, fresh = "", rest, true
					continue
				}
			}
			if !fresh {
				lines = append(lines, line+" \\")
				line, fresh = "  ", true
				continue
			}
			head, rest, ok := cutQuoted(word, room-ansi.StringWidth(line)-1)
			if !ok {
				line, word, fresh = line+word, "", false
				continue
			}
			lines = append(lines, line+head+"\\")
			line, word = "", rest
		}
	}
	if !fresh {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// shellWords splits a command at the spaces the shell splits it at: not
// inside quotes, nor after a backslash.
func shellWords(cmd string) []string {
	var words []string
	var cur strings.Builder
	single, double, escaped := false, false, false
	for _, r := range cmd {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && !single:
			escaped = true
		case r == '\'' && !double:
			single = !single
		case r == '"' && !single:
			double = !double
		case (r == ' ' || r == '\t' || r == '\n') && !single && !double:
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}

// cutQuoted cuts word after a space inside single quotes, closing the
// quote in head and opening it again in rest: the last such space that
// leaves head at most n cells, else the first. ok is false when the word
// has no space inside single quotes.
func cutQuoted(word string, n int) (head, rest string, ok bool) {
	at := -1
	single, escaped := false, false
	for i, r := range word {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && !single:
			escaped = true
		case r == '\'':
			single = !single
		case r == ' ' && single:
			if at < 0 || ansi.StringWidth(word[:i+1])+1 <= n {
				at = i
			}
		}
	}
	if at < 0 {
		return "", "", false
	}
	return word[:at+1] + "'", "'" + word[at+1:], true
}

// Lines cuts s to at most n lines; it says whether anything was cut.
func Lines(s string, n int) (string, bool) {
	l := strings.Split(s, "\n")
	if len(l) <= n {
		return s, false
	}
	return strings.Join(l[:max(0, n)], "\n"), true
}

// Quote quotes s for a POSIX shell when it needs it: a word with none of
// the shell's special characters stays as it is, anything else goes in
// single quotes. Command wraps what it quotes without breaking it.
func Quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\"$`\\!*?&;|<>()#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
