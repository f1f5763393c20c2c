package maven

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// pomPackaging reads the <packaging> a POM declares: "" when it declares
// none. Only that element is read; the rest of the POM may be anything
// well-formed.
func pomPackaging(data []byte) (string, error) {
	var pom struct {
		XMLName   xml.Name
		Packaging string `xml:"packaging"`
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = CharsetReader
	if err := d.Decode(&pom); err != nil {
		return "", fmt.Errorf("it is not well-formed XML (%v)", err)
	}
	if pom.XMLName.Local != "project" {
		return "", fmt.Errorf("it is not a POM (its root element is <%s>, not <project>)", pom.XMLName.Local)
	}
	return strings.TrimSpace(pom.Packaging), nil
}

// CharsetReader, as an xml.Decoder's CharsetReader, decodes a POM that
// declares an encoding other than UTF-8.
// Older POMs say ISO-8859-1 and put accented names in <developers>; what
// ferry reads (<packaging>) is ASCII, so decoding every such file as
// Latin-1 reads it right whatever the label.
func CharsetReader(_ string, in io.Reader) (io.Reader, error) {
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Grow(len(data))
	for _, c := range data {
		b.WriteRune(rune(c))
	}
	return strings.NewReader(b.String()), nil
}
