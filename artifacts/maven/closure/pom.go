package closure

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"ferry/artifacts/maven"
)

// pom is the part of a POM file that decides what a build needs. Fields
// are raw text: interpolation happens on the merged model.
type pom struct {
	XMLName                xml.Name
	GroupID                string       `xml:"groupId"`
	ArtifactID             string       `xml:"artifactId"`
	Version                string       `xml:"version"`
	Packaging              string       `xml:"packaging"`
	Parent                 *parentRef   `xml:"parent"`
	Properties             properties   `xml:"properties"`
	DependencyManagement   depList      `xml:"dependencyManagement"`
	Dependencies           []dependency `xml:"dependencies>dependency"`
	Build                  build        `xml:"build"`
	Profiles               []profile    `xml:"profiles>profile"`
	DistributionManagement struct {
		Relocation *relocation `xml:"relocation"`
	} `xml:"distributionManagement"`
}

type parentRef struct {
	GroupID      string `xml:"groupId"`
	ArtifactID   string `xml:"artifactId"`
	Version      string `xml:"version"`
	RelativePath string `xml:"relativePath"`
}

type depList struct {
	Dependencies []dependency `xml:"dependencies>dependency"`
}

type dependency struct {
	GroupID    string      `xml:"groupId"`
	ArtifactID string      `xml:"artifactId"`
	Version    string      `xml:"version"`
	Type       string      `xml:"type"`
	Classifier string      `xml:"classifier"`
	Scope      string      `xml:"scope"`
	Optional   string      `xml:"optional"`
	Exclusions []exclusion `xml:"exclusions>exclusion"`
}

type exclusion struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
}

type build struct {
	Plugins          []plugin    `xml:"plugins>plugin"`
	PluginManagement pluginList  `xml:"pluginManagement"`
	Extensions       []extension `xml:"extensions>extension"`
}

type pluginList struct {
	Plugins []plugin `xml:"plugins>plugin"`
}

type plugin struct {
	GroupID      string       `xml:"groupId"`
	ArtifactID   string       `xml:"artifactId"`
	Version      string       `xml:"version"`
	Extensions   string       `xml:"extensions"`
	Dependencies []dependency `xml:"dependencies>dependency"`
}

type extension struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
}

type profile struct {
	ID                   string       `xml:"id"`
	Activation           activation   `xml:"activation"`
	Properties           properties   `xml:"properties"`
	DependencyManagement depList      `xml:"dependencyManagement"`
	Dependencies         []dependency `xml:"dependencies>dependency"`
	Build                build        `xml:"build"`
}

type activation struct {
	ActiveByDefault string `xml:"activeByDefault"`
	JDK             string `xml:"jdk"`
	OS              *struct {
		Name   string `xml:"name"`
		Family string `xml:"family"`
		Arch   string `xml:"arch"`
	} `xml:"os"`
	Property *struct {
		Name  string `xml:"name"`
		Value string `xml:"value"`
	} `xml:"property"`
	File *struct {
		Exists  string `xml:"exists"`
		Missing string `xml:"missing"`
	} `xml:"file"`
}

type relocation struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
}

// properties keeps a POM's <properties> in document order.
type properties []property

type property struct{ name, value string }

// UnmarshalXML reads each child element as one property.
func (p *properties) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var v string
			if err := d.DecodeElement(&v, &t); err != nil {
				return err
			}
			*p = append(*p, property{t.Name.Local, strings.TrimSpace(v)})
		case xml.EndElement:
			return nil
		}
	}
}

// maxPOMDepth bounds nested elements; no real POM comes near it.
const maxPOMDepth = 200

// parsePOM reads a POM; what is wrong is said as the end of "the POM of
// X …".
func parsePOM(data []byte) (*pom, error) {
	if err := checkDepth(data); err != nil {
		return nil, err
	}
	var p pom
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = maven.CharsetReader
	d.Strict = false
	if err := d.Decode(&p); err != nil {
		return nil, fmt.Errorf("is not well-formed XML (%v)", err)
	}
	if p.XMLName.Local != "project" {
		return nil, fmt.Errorf("is not a POM (its root element is <%s>, not <project>)", p.XMLName.Local)
	}
	p.trim()
	return &p, nil
}

func checkDepth(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = maven.CharsetReader
	d.Strict = false
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("is not well-formed XML (%v)", err)
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxPOMDepth {
				return fmt.Errorf("nests elements more than %d deep, which no POM does", maxPOMDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
}

func (p *pom) trim() {
	t := strings.TrimSpace
	p.GroupID, p.ArtifactID, p.Version, p.Packaging = t(p.GroupID), t(p.ArtifactID), t(p.Version), t(p.Packaging)
	if p.Parent != nil {
		p.Parent.GroupID, p.Parent.ArtifactID, p.Parent.Version = t(p.Parent.GroupID), t(p.Parent.ArtifactID), t(p.Parent.Version)
	}
	trimDeps(p.Dependencies)
	trimDeps(p.DependencyManagement.Dependencies)
	p.Build.trim()
	for i := range p.Profiles {
		trimDeps(p.Profiles[i].Dependencies)
		trimDeps(p.Profiles[i].DependencyManagement.Dependencies)
		p.Profiles[i].Build.trim()
	}
	if r := p.DistributionManagement.Relocation; r != nil {
		r.GroupID, r.ArtifactID, r.Version = t(r.GroupID), t(r.ArtifactID), t(r.Version)
	}
}

func (b *build) trim() {
	for _, ps := range [][]plugin{b.Plugins, b.PluginManagement.Plugins} {
		for i := range ps {
			ps[i].GroupID, ps[i].ArtifactID, ps[i].Version = strings.TrimSpace(ps[i].GroupID), strings.TrimSpace(ps[i].ArtifactID), strings.TrimSpace(ps[i].Version)
			ps[i].Extensions = strings.TrimSpace(ps[i].Extensions)
			trimDeps(ps[i].Dependencies)
		}
	}
	for i := range b.Extensions {
		e := &b.Extensions[i]
		e.GroupID, e.ArtifactID, e.Version = strings.TrimSpace(e.GroupID), strings.TrimSpace(e.ArtifactID), strings.TrimSpace(e.Version)
	}
}

func trimDeps(ds []dependency) {
	t := strings.TrimSpace
	for i := range ds {
		d := &ds[i]
		d.GroupID, d.ArtifactID, d.Version, d.Type = t(d.GroupID), t(d.ArtifactID), t(d.Version), t(d.Type)
		d.Classifier, d.Scope, d.Optional = t(d.Classifier), t(d.Scope), t(d.Optional)
		for j := range d.Exclusions {
			d.Exclusions[j].GroupID, d.Exclusions[j].ArtifactID = t(d.Exclusions[j].GroupID), t(d.Exclusions[j].ArtifactID)
		}
	}
}
