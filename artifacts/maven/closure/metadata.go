package closure

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"ferry/artifacts/maven"
)

// metadata is what an artifact-level maven-metadata.xml lists.
type metadata struct {
	versions []string
	// release is the release version it names, else its last version.
	release string
}

// metadata reads g:a's maven-metadata.xml, once per resolver.
func (s *session) metadata(ctx context.Context, id gav) (*metadata, error) {
	v, err := s.versions.do(ctx, id.g+":"+id.a, func() (any, error) {
		data, _, err := s.r.Fetcher.Fetch(ctx, id.coordinate(""), strings.ReplaceAll(id.g, ".", "/")+"/"+id.a+"/maven-metadata.xml")
		if err != nil {
			return nil, err
		}
		return parseMetadata(data)
	})
	if err != nil {
		return nil, err
	}
	return v.(*metadata), nil
}

func parseMetadata(data []byte) (*metadata, error) {
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
	out := &metadata{release: strings.TrimSpace(md.Versioning.Release)}
	for _, v := range md.Versioning.Versions {
		if v = strings.TrimSpace(v); v != "" {
			out.versions = append(out.versions, v)
		}
	}
	if out.release == "" && len(out.versions) > 0 {
		out.release = out.versions[len(out.versions)-1]
	}
	return out, nil
}
