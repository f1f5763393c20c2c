package farside

import (
	"strings"

	"ferry/tui/components/textfit"
	"ferry/workflow/session"
)

// siteFlags are the flags naming the site's registry as d reaches it and
// lays it out, and its Maven repository URL: the ones import and configure
// share.
func siteFlags(d session.Destination) string {
	var b strings.Builder
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
	return b.String()
}

// ConfigureCommand is the `ferry configure` that writes the mirror
// configuration for the bundle loaded into d: the registry as it was laid
// out, how it is reached and the Maven repository, with configure's own
// flags only (no login: configure reaches nothing).
func ConfigureCommand(bundlePath string, d session.Destination) string {
	return "ferry configure --bundle " + textfit.Quote(bundlePath) + siteFlags(d) + " --platform …"
}

// ImportCommand is the `ferry import` that loads the bundle into d, to run
// again after a stop: the logins by name, their passwords from standard
// input, never written out.
func ImportCommand(bundlePath string, d session.Destination) string {
	flags := siteFlags(d)
	if d.Username != "" {
		flags += " --username " + textfit.Quote(d.Username) + " --password-stdin"
	}
	if d.MavenDir != "" {
		flags += " --maven-dir " + textfit.Quote(d.MavenDir)
	}
	if d.MavenUser != "" {
		flags += " --maven-username " + textfit.Quote(d.MavenUser) + " --maven-password-stdin"
	}
	if flags == "" {
		flags = " --registry HOST[:PORT][/PREFIX]"
	}
	return "ferry import " + textfit.Quote(bundlePath) + flags
}
