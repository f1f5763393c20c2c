package farside

import (
	"strings"

	"ferry/tui/components/textfit"
	"ferry/workflow/session"
)

// ConfigureCommand is the `ferry configure` that writes the mirror
// configuration for the bundle loaded into d: the registry as it was laid
// out, how it is reached and the Maven repository, with configure's own
// flags only (no login: configure reaches nothing).
func ConfigureCommand(bundlePath string, d session.Destination) string {
	var b strings.Builder
	b.WriteString("ferry configure --bundle " + textfit.Quote(bundlePath))
	if d.Registry != "" {
		b.WriteString(" --registry " + textfit.Quote(d.Registry))
	}
	if d.Flat {
		b.WriteString(" --repo-mapping flat")
	}
	for _, f := range d.CAFiles {
		b.WriteString(" --ca-file " + textfit.Quote(f))
	}
	if d.Insecure {
		b.WriteString(" --insecure")
	}
	if d.MavenURL != "" {
		b.WriteString(" --maven-url " + textfit.Quote(d.MavenURL))
	}
	return b.String() + " --platform …"
}
