package fault

import "strings"

// Setting is something a user sets, whichever face they set it through:
// a flag of a command, a field of a screen. Most settings are worded as a
// noun that fits "check …", "with …" or "(…)"; InsecureHost and
// RegistryForm are worded as an instruction.
type Setting string

// The settings engine errors name.
const (
	// Registry is the site's registry address, HOST[:PORT][/PREFIX].
	Registry Setting = "Registry"
	// RegistryForm is the instruction to write the registry address
	// without a scheme. Args: the scheme that was typed.
	RegistryForm Setting = "RegistryForm"
	// RegistryLogin is the username and password for a registry.
	RegistryLogin Setting = "RegistryLogin"
	// CAFile is a PEM file of a certificate authority to trust.
	CAFile Setting = "CAFile"
	// InsecureHost is the instruction to allow plain HTTP to a registry.
	// Args: the host.
	InsecureHost Setting = "InsecureHost"
	// SourceMirror fetches a registry's images through another one.
	SourceMirror Setting = "SourceMirror"
	// PullSecret is a docker config JSON file with registry credentials.
	PullSecret Setting = "PullSecret"
	// MavenRepo is a Maven repository to resolve from.
	MavenRepo Setting = "MavenRepo"
	// MavenURL is the site's Maven repository to load into.
	MavenURL Setting = "MavenURL"
	// MavenDir is a folder to copy Maven files into instead.
	MavenDir Setting = "MavenDir"
	// MavenLogin is the username and password for the Maven repository.
	MavenLogin Setting = "MavenLogin"
	// Cache is the download cache folder.
	Cache Setting = "Cache"
	// Target is the catalog target to carry.
	Target Setting = "Target"
	// Lists are the engineer's own lists of images, Maven artifacts and
	// files.
	Lists Setting = "Lists"
	// Arch is an architecture to carry.
	Arch Setting = "Arch"
	// Version is the target's version.
	Version Setting = "Version"
	// Output is the folder a bundle or configuration is written to.
	Output Setting = "Output"
)

// Settings lists every setting, for faces to check their wording of each.
func Settings() []Setting {
	return []Setting{Registry, RegistryForm, RegistryLogin, CAFile, InsecureHost, SourceMirror, PullSecret,
		MavenRepo, MavenURL, MavenDir, MavenLogin, Cache, Target, Lists, Arch, Version, Output}
}

// Default is the neutral wording of s, with no face's terms.
func (s Setting) Default(args ...string) string {
	arg := func(fallback string) string {
		if len(args) > 0 && args[0] != "" {
			return args[0]
		}
		return fallback
	}
	switch s {
	case Registry:
		return "the registry address"
	case RegistryForm:
		return "write it as HOST[:PORT][/PREFIX] without " + arg("http") + "://, and allow plain HTTP for a plain-HTTP registry"
	case RegistryLogin:
		return "the registry login"
	case CAFile:
		return "the CA file setting"
	case InsecureHost:
		if h := arg(""); h != "" {
			return "allow plain HTTP to " + h
		}
		return "allow plain HTTP"
	case SourceMirror:
		return "the source mirror setting"
	case PullSecret:
		return "the pull secret"
	case MavenRepo:
		return "the Maven repository setting"
	case MavenURL:
		return "the Maven repository URL setting"
	case MavenDir:
		return "the Maven folder setting"
	case MavenLogin:
		return "the Maven username and password"
	case Cache:
		return "the cache setting"
	case Target:
		return "the target setting"
	case Lists:
		return "the list settings"
	case Arch:
		return "the architecture setting"
	case Version:
		return "the version setting"
	case Output:
		return "the output folder setting"
	}
	return "the " + strings.ToLower(string(s)) + " setting"
}

// Words words a setting for one face; args are the setting's facts (the
// host for InsecureHost, the scheme for RegistryForm). An empty result
// keeps the neutral wording.
type Words func(s Setting, args ...string) string

// Name is a setting named inside a sentence; build it with Use.
type Name struct {
	Setting Setting
	Args    []string
}

// Use names setting s in a sentence, with its facts.
func Use(s Setting, args ...string) Name { return Name{Setting: s, Args: args} }

// String is the neutral wording.
func (n Name) String() string { return n.Setting.Default(n.Args...) }

func (n Name) word(words Words) string {
	if words != nil {
		if w := words(n.Setting, n.Args...); w != "" {
			return w
		}
	}
	return n.String()
}
