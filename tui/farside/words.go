package farside

import (
	"strings"

	"ferry/artifacts/fault"
)

// fieldName is the name of a field of the "where it goes" step as the
// technician reads it: its label without the hint of what to type.
func fieldName(i int) string {
	name, _, _ := strings.Cut(fieldLabels[i], " (")
	return name
}

// quoted is a field's name in quotes, as an error names it.
func quoted(i int) string { return `"` + fieldName(i) + `"` }

// plainHTTP is the instruction that turns plain HTTP on, as the field
// takes it.
func plainHTTP() string {
	if strings.HasSuffix(fieldLabels[fInsecure], "(y/n)") {
		return "type y in " + quoted(fInsecure)
	}
	return "tick " + quoted(fInsecure)
}

// Words is how the far side's screens word the settings engine errors
// name: with the fields of the "where it goes" step, where the technician
// typed them. Settings the far side has no field for keep the engine's
// neutral wording.
func Words(s fault.Setting, args ...string) string {
	switch s {
	case fault.Registry:
		return "the " + quoted(fRegistry) + " field"
	case fault.RegistryForm:
		scheme := "http"
		if len(args) > 0 && args[0] != "" {
			scheme = args[0]
		}
		return "type the address in " + quoted(fRegistry) + " without " + scheme + "://, and " + plainHTTP() + " for plain HTTP"
	case fault.RegistryLogin:
		return "the " + quoted(fUser) + " and " + quoted(fPass) + " fields"
	case fault.CAFile:
		return "the " + quoted(fCA) + " field"
	case fault.InsecureHost:
		return plainHTTP()
	case fault.SourceMirror:
		// The only registry the far side reaches is the one typed in, so
		// a name that does not resolve is fixed there.
		return "the " + quoted(fRegistry) + " field"
	case fault.MavenURL, fault.MavenDir:
		return "the " + quoted(fMaven) + " field"
	case fault.MavenLogin:
		return "the " + quoted(fMavenUser) + " and " + quoted(fMavenPass) + " fields"
	}
	return ""
}

// worded is err as the far side shows it.
func worded(err error) string { return fault.Word(err, Words) }
