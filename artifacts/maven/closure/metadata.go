package closure

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"ferry/artifacts/maven"
)

// parseMetadataVersions reads the versions an artifact-level
// maven-metadata.xml lists.
func parseMetadataVersions(data []byte) ([]string, error) {
	var md struct {
		Versioning struct {
			Release  string   `xml:"release"`
			Versions []string `xml:"versions>version"`
		} `xml:"versioning"`
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = maven.CharsetReader
	if err := d.Decode(&md); err != nil {
		return nil, fmt.Errorf("its maven-metadata.xml is not well-formed XML (%v)", err)
	}
	var out []string
	for _, v := range md.Versioning.Versions {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

// parseMetadataRelease reads the release version an artifact-level
// maven-metadata.xml names, else its last listed version.
func parseMetadataRelease(data []byte) (string, error) {
	var md struct {
		Versioning struct {
			Release  string   `xml:"release"`
			Latest   string   `xml:"latest"`
			Versions []string `xml:"versions>version"`
		} `xml:"versioning"`
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = maven.CharsetReader
	if err := d.Decode(&md); err != nil {
		return "", fmt.Errorf("its maven-metadata.xml is not well-formed XML (%v)", err)
	}
	if r := strings.TrimSpace(md.Versioning.Release); r != "" {
		return r, nil
	}
	if n := len(md.Versioning.Versions); n > 0 {
		return strings.TrimSpace(md.Versioning.Versions[n-1]), nil
	}
	return "", fmt.Errorf("its maven-metadata.xml names no release")
}
