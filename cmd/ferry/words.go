package main

import (
	"github.com/spf13/cobra"

	"ferry/artifacts/fault"
	"ferry/tui/summary"
)

// wording is how one command words the engine's settings: with its own
// flags only. A setting the command has no flag for is missing, and keeps
// the engine's neutral wording ("the CA file setting").
type wording map[fault.Setting]func(args ...string) string

// is words a setting as fixed text.
func is(s string) func(...string) string { return func(...string) string { return s } }

// first is a setting's first fact, or fallback.
func first(args []string, fallback string) string {
	if len(args) > 0 && args[0] != "" {
		return args[0]
	}
	return fallback
}

// sourceWording is shared by the commands that fetch from registries and
// Maven repositories with the source flags (sourceFlags).
func sourceWording() wording {
	return wording{
		fault.CAFile:        is("--ca-file"),
		fault.InsecureHost:  func(args ...string) string { return "add --insecure-source " + first(args, "HOST") },
		fault.SourceMirror:  is("--source-mirror"),
		fault.PullSecret:    is("--pull-secret"),
		fault.RegistryLogin: is("the login in your docker config or --pull-secret"),
		fault.MavenRepo:     is("--maven-repo"),
	}
}

// selectWording adds what plan and prepare choose with selectFlags.
func selectWording(w wording) wording {
	w[fault.Target] = is("--target")
	w[fault.Lists] = is("--images, --maven, --files or --operators")
	w[fault.Arch] = is("--arch")
	w[fault.Version] = is("--version")
	return w
}

// destinationWording is shared by import and configure, which name the
// site's registry with --registry and plain HTTP with --insecure.
func destinationWording() wording {
	return wording{
		fault.Registry: is("--registry"),
		fault.RegistryForm: func(args ...string) string {
			return "give --registry as HOST[:PORT][/PREFIX] without " + first(args, "http") + "://; add --insecure for plain HTTP"
		},
		fault.CAFile:       is("--ca-file"),
		fault.InsecureHost: is("add --insecure"),
		// The only registry these commands reach is the one --registry
		// names, so a name that does not resolve is fixed there.
		fault.SourceMirror: is("--registry"),
		fault.MavenURL:     is("--maven-url"),
	}
}

// wordingOf is the wording of the command that ran.
func wordingOf(cmd *cobra.Command) wording {
	if cmd == nil {
		return wording{}
	}
	switch cmd.CommandPath() {
	case "ferry":
		// The wizard's own screens word what they show; this words what
		// fails before or after them.
		w := sourceWording()
		w[fault.Cache] = is("--cache")
		return w
	case "ferry plan":
		return selectWording(sourceWording())
	case "ferry prepare":
		w := selectWording(sourceWording())
		w[fault.Cache] = is("--cache")
		w[fault.Output] = is("--output")
		return w
	case "ferry import":
		w := destinationWording()
		w[fault.RegistryLogin] = is("--username and the password (--password-stdin), or your docker config")
		w[fault.MavenLogin] = is("--maven-username and the password (--maven-password-stdin)")
		w[fault.MavenDir] = is("--maven-dir")
		return w
	case "ferry configure":
		w := destinationWording()
		w[fault.Output] = is("--output")
		return w
	}
	return wording{}
}

// words is the command's wording as the engine's faults take it.
func (w wording) words(s fault.Setting, args ...string) string {
	if f, ok := w[s]; ok {
		return f(args...)
	}
	return ""
}

// wordsOf is how cmd words the settings engine errors name.
func wordsOf(cmd *cobra.Command) fault.Words { return wordingOf(cmd).words }

// say is err as one sentence in cmd's terms.
func say(cmd *cobra.Command, err error) string {
	return summary.Sentence(fault.Word(err, wordsOf(cmd)))
}
