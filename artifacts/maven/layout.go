package maven

import (
	"fmt"
	"path"
	"strings"
)

// LocalOnly says whether a file of a local repository (~/.m2/repository)
// is that repository's own bookkeeping rather than an artifact's file: no
// remote repository serves such files, and _remote.repositories makes an
// offline Maven refuse artifacts that came from a repository with another
// id, so they are never carried.
func LocalOnly(p string) bool {
	base := path.Base(p)
	switch {
	case base == "_remote.repositories", base == "resolver-status.properties", base == "_maven.repositories":
		return true
	case strings.HasSuffix(base, ".lastUpdated"):
		return true
	case strings.HasPrefix(base, "maven-metadata-") && strings.HasSuffix(base, ".xml"):
		return true // maven-metadata-local.xml, maven-metadata-<repository id>.xml
	case strings.HasPrefix(base, "maven-metadata-") && strings.Contains(base, ".xml."):
		return true // their checksums
	}
	return false
}

// DirCoordinate reads the coordinate a version folder of a repository
// stands for: "org/example/lib/1.0" is org.example:lib:1.0.
func DirCoordinate(dir string) (Coordinate, error) {
	parts := strings.Split(strings.Trim(dir, "/"), "/")
	if len(parts) < 3 {
		return Coordinate{}, fmt.Errorf("%q is not a version folder of a Maven repository (group/artifact/version)", dir)
	}
	n := len(parts)
	return ParseCoordinate(strings.Join(parts[:n-2], ".") + ":" + parts[n-2] + ":" + parts[n-1])
}
