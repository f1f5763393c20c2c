package maven

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Coordinate names one Maven artifact:
// groupId:artifactId:version[:packaging[:classifier]].
type Coordinate struct {
	GroupID, ArtifactID, Version, Packaging, Classifier string
}

// coordinateForm is what every coordinate error tells the user to write.
const coordinateForm = "groupId:artifactId:version[:packaging[:classifier]]"

var partNames = [...]string{"groupId", "artifactId", "version", "packaging", "classifier"}

// ParseCoordinate reads groupId:artifactId:version[:packaging[:classifier]].
// It is strict, because every part ends up in a repository path and a URL:
// no part may be empty or hold whitespace, slashes, "..", or characters
// that URLs or file systems treat specially. Surrounding whitespace is
// ignored.
func ParseCoordinate(s string) (Coordinate, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 3 || len(parts) > len(partNames) {
		return Coordinate{}, fmt.Errorf("%q is not a Maven coordinate: write %s", s, coordinateForm)
	}
	for i, p := range parts {
		if why := checkPart(partNames[i], p); why != "" {
			return Coordinate{}, fmt.Errorf("%q is not a Maven coordinate: its %s %s (write %s)", s, partNames[i], why, coordinateForm)
		}
	}
	c := Coordinate{GroupID: parts[0], ArtifactID: parts[1], Version: parts[2]}
	if len(parts) > 3 {
		c.Packaging = parts[3]
	}
	if len(parts) > 4 {
		c.Classifier = parts[4]
	}
	return c, nil
}

// checkPart says what is wrong with one part of a coordinate (as the end
// of "its groupId …"), or "" when nothing is.
func checkPart(name, p string) string {
	if p == "" {
		return "is empty"
	}
	for _, r := range p {
		switch {
		case unicode.IsSpace(r):
			return fmt.Sprintf("%q contains whitespace", p)
		case !unicode.IsPrint(r):
			return fmt.Sprintf("%q contains the invisible character %U", p, r)
		case r == '/' || r == '\\':
			return fmt.Sprintf("%q contains a slash", p)
		case r == ':':
			return fmt.Sprintf("%q contains a colon", p)
		case strings.ContainsRune(`"<>|?*#%`, r):
			return fmt.Sprintf("%q contains %q, which cannot be part of a repository path", p, r)
		}
	}
	if p == "." {
		return `is "."`
	}
	if strings.Contains(p, "..") {
		return fmt.Sprintf("%q contains %q", p, "..")
	}
	if name == "groupId" && (strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".")) {
		return fmt.Sprintf("%q starts or ends with a dot", p)
	}
	return ""
}

// check says whether c could have come from ParseCoordinate, so that a
// Coordinate built by hand cannot reach outside its repository folder.
func (c Coordinate) check() error {
	parts := []string{c.GroupID, c.ArtifactID, c.Version, c.Packaging, c.Classifier}
	for i, p := range parts {
		if p == "" && i >= 3 {
			continue
		}
		if why := checkPart(partNames[i], p); why != "" {
			return fmt.Errorf("%q is not a Maven coordinate: its %s %s (write %s)", c.String(), partNames[i], why, coordinateForm)
		}
	}
	return nil
}

// String gives the coordinate back as ParseCoordinate reads it. A
// classifier without a packaging gives an empty packaging part, which
// ParseCoordinate rejects: such a coordinate never comes from parsing.
func (c Coordinate) String() string {
	s := c.GroupID + ":" + c.ArtifactID + ":" + c.Version
	if c.Packaging != "" || c.Classifier != "" {
		s += ":" + c.Packaging
	}
	if c.Classifier != "" {
		s += ":" + c.Classifier
	}
	return s
}

// Dir is the artifact's folder in repository layout,
// e.g. "org/apache/maven/maven-core/3.8.7".
func (c Coordinate) Dir() string {
	return strings.ReplaceAll(c.GroupID, ".", "/") + "/" + c.ArtifactID + "/" + c.Version
}

// baseName is the start of every file name of the artifact, "a-v".
func (c Coordinate) baseName() string { return c.ArtifactID + "-" + c.Version }

// ListError is a bad line in a Maven list, reported as "file:line: what is
// wrong".
type ListError struct {
	// File is the list's name as given to ParseList.
	File string
	// Line counts from 1.
	Line int
	// Err says what is wrong with the line.
	Err error
}

// Error gives "file:line: what is wrong".
func (e *ListError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns what is wrong with the line.
func (e *ListError) Unwrap() error { return e.Err }

// maxLine is far longer than any coordinate; a longer line is not a list.
const maxLine = 64 << 10

// ParseList reads one coordinate per line from r; name is used in errors.
// Blank lines and # comments, whole-line or trailing, are ignored, and a
// coordinate listed twice is kept once, at its first place. The first bad
// line stops the reading with a *ListError.
func ParseList(name string, r io.Reader) ([]Coordinate, error) {
	var out []Coordinate
	seen := map[Coordinate]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			// Editors on Windows start UTF-8 files with a byte order mark.
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		c, err := ParseCoordinate(line)
		if err != nil {
			return nil, &ListError{File: name, Line: n, Err: err}
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ListError{File: name, Line: n + 1, Err: fmt.Errorf("the line is longer than %d KiB, so it is not a Maven coordinate", maxLine>>10)}
		}
		return nil, fmt.Errorf("cannot read the Maven list %s: %w", name, err)
	}
	return out, nil
}
