package maven

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Coordinate names one Maven artifact:
// groupId:artifactId:version[:packaging[:classifier]].
type Coordinate struct {
	GroupID, ArtifactID, Version, Packaging, Classifier string
}

// ParseCoordinate reads groupId:artifactId:version[:packaging[:classifier]].
func ParseCoordinate(s string) (Coordinate, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 3 || len(parts) > 5 {
		return Coordinate{}, fmt.Errorf("%q is not a Maven coordinate: write groupId:artifactId:version[:packaging[:classifier]]", s)
	}
	for i, p := range parts {
		what := []string{"groupId", "artifactId", "version", "packaging", "classifier"}[i]
		if p == "" {
			return Coordinate{}, fmt.Errorf("%q has an empty %s: write groupId:artifactId:version[:packaging[:classifier]]", s, what)
		}
		if strings.ContainsAny(p, " \t/\\\"'<>|?*") || strings.Contains(p, "..") || p == "." {
			return Coordinate{}, fmt.Errorf("%q has a %s with characters Maven does not allow (%q)", s, what, p)
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

// String gives the coordinate back as ParseCoordinate reads it.
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

// ListError is a bad line in a Maven list.
type ListError struct {
	File string
	Line int
	Err  error
}

// Error gives "file:line: what is wrong".
func (e *ListError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the line's error.
func (e *ListError) Unwrap() error { return e.Err }

// ParseList reads one coordinate per line; blank lines and # comments are
// ignored, duplicates kept once.
func ParseList(name string, r io.Reader) ([]Coordinate, error) {
	var out []Coordinate
	seen := map[Coordinate]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
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
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}
