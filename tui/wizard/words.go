package wizard

import (
	"ferry/artifacts/fault"
)

// stepNamed is a step's name in quotes, as an error names it.
func stepNamed(id stepID) string { return `the "` + stepTitles[id] + `" step` }

// whenStarting words a setting given as a flag when ferry is started:
// the wizard has no field for it.
func whenStarting(flag string) string { return flag + " when starting ferry" }

// Words is how the wizard's screens word the settings engine errors name:
// with its steps where it asks for them, and otherwise with the flags
// ferry is started with (they are the wizard's source settings).
func Words(s fault.Setting, args ...string) string {
	switch s {
	case fault.Target:
		return stepNamed(stepProduct)
	case fault.Arch:
		return stepNamed(stepArch)
	case fault.Version:
		return stepNamed(stepVersion)
	case fault.Output:
		return stepNamed(stepDest)
	case fault.InsecureHost:
		host := "HOST"
		if len(args) > 0 && args[0] != "" {
			host = args[0]
		}
		return "start ferry again with --insecure-source " + host
	case fault.CAFile:
		return whenStarting("--ca-file")
	case fault.SourceMirror:
		return whenStarting("--source-mirror")
	case fault.PullSecret:
		return whenStarting("--pull-secret")
	case fault.RegistryLogin:
		return "the login in your docker config or " + whenStarting("--pull-secret")
	case fault.MavenRepo:
		return whenStarting("--maven-repo")
	case fault.Cache:
		return whenStarting("--cache")
	}
	return ""
}

// worded is err as the wizard shows it.
func worded(err error) string { return fault.Word(err, Words) }
