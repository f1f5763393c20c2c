package image

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// ListError is a bad line in an image list.
type ListError struct {
	File string
	Line int
	Msg  string
}

// Error gives "file:line: what is wrong".
func (e *ListError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ParseList reads one image reference per line (tag or digest); blank lines
// and # comments are ignored. Duplicates are kept once, in first order.
func ParseList(file string, r io.Reader) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.ContainsAny(line, " \t") {
			return nil, &ListError{File: file, Line: n, Msg: fmt.Sprintf("%q holds more than one word; write one image reference per line", line)}
		}
		if _, err := name.ParseReference(line); err != nil {
			return nil, &ListError{File: file, Line: n, Msg: fmt.Sprintf("%q is not an image reference (write registry/repository:tag or registry/repository@sha256:digest)", line)}
		}
		if !seen[line] {
			seen[line] = true
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return out, nil
}
