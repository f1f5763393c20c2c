package plainfile

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
)

// Entry is one plain file an engineer lists: where it comes from and the
// sha256 it must have.
type Entry struct {
	URL    string `yaml:"url" json:"url"`
	SHA256 string `yaml:"sha256" json:"sha256"`
	// Name in the bundle; default the URL's last segment.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
}

// ListError is a bad line in a file list.
type ListError struct {
	File string
	Line int
	Msg  string
}

// Error gives "file:line: what is wrong".
func (e *ListError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ParseList reads one file per line: URL, sha256 and an optional name,
// separated by spaces; blank lines and # comments are ignored.
func ParseList(file string, r io.Reader) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 || len(f) > 3 {
			return nil, &ListError{File: file, Line: n, Msg: fmt.Sprintf("%q must be URL SHA256 [NAME]", strings.TrimSpace(line))}
		}
		u, err := url.Parse(f[0])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &ListError{File: file, Line: n, Msg: fmt.Sprintf("%q is not an http(s) URL", f[0])}
		}
		if b, err := hex.DecodeString(f[1]); err != nil || len(b) != 32 {
			return nil, &ListError{File: file, Line: n, Msg: fmt.Sprintf("%q is not a sha256 (64 hex digits)", f[1])}
		}
		e := Entry{URL: f[0], SHA256: strings.ToLower(f[1]), Name: path.Base(u.Path)}
		if len(f) == 3 {
			e.Name = f[2]
		}
		if e.Name == "" || e.Name == "/" || e.Name == "." || strings.Contains(e.Name, "/") || e.Name == ".." {
			return nil, &ListError{File: file, Line: n, Msg: fmt.Sprintf("give a file name for %s (a third word)", f[0])}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return out, nil
}
