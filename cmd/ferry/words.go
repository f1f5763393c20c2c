package main

import (
	"strings"

	"github.com/spf13/cobra"

	"ferry/artifacts/fault"
	"ferry/tui/summary"
)

// wording is how a command words the engine's settings: with its own flags
// only. A setting the command has no flag for is missing, and keeps the
// engine's neutral wording ("the CA file setting"). In a wording, {WORD}
// is the setting's first fact (a host, a scheme), or WORD without one.
type wording map[fault.Setting]string

var (
	// sourceWords are the settings of the source flags (sourceFlags).
	sourceWords = wording{
		fault.CAFile:        "--ca-file",
		fault.InsecureHost:  "add --insecure-source {HOST}",
		fault.SourceMirror:  "--source-mirror",
		fault.PullSecret:    "--pull-secret",
		fault.RegistryLogin: "the login in your docker config or --pull-secret",
		fault.MavenRepo:     "--maven-repo",
	}
	// selectWords are what plan and prepare choose with selectFlags.
	selectWords = wording{
		fault.Target:  "--target",
		fault.Lists:   "--images, --maven, --files or --operators",
		fault.Arch:    "--arch",
		fault.Version: "--version",
	}
	// siteWords are import's, configure's and inventory's, which name the
	// site's registry with --registry and plain HTTP with --insecure. The
	// only registry they reach is that one, so a name that does not
	// resolve is fixed there too.
	siteWords = wording{
		fault.Registry:     "--registry",
		fault.RegistryForm: "give --registry as HOST[:PORT][/PREFIX] without {http}://; add --insecure for plain HTTP",
		fault.CAFile:       "--ca-file",
		fault.InsecureHost: "add --insecure",
		fault.SourceMirror: "--registry",
	}
	// loginWords are the site's registry login, as import and inventory
	// take it.
	loginWords = wording{fault.RegistryLogin: "--username and the password (--password-stdin), or your docker config"}
)

// commandWords are the wordings of each command that has any, merged in
// order. The wizard's own screens word what they show; ferry's words what
// fails before or after them.
var commandWords = map[string][]wording{
	"ferry":         {sourceWords, {fault.Cache: "--cache"}},
	"ferry plan":    {sourceWords, selectWords},
	"ferry prepare": {sourceWords, selectWords, {fault.Cache: "--cache", fault.Output: "--output"}},
	"ferry import": {siteWords, loginWords, {
		fault.MavenURL:   "--maven-url",
		fault.MavenLogin: "--maven-username and the password (--maven-password-stdin)",
		fault.MavenDir:   "--maven-dir",
	}},
	"ferry configure": {siteWords, {fault.MavenURL: "--maven-url", fault.Output: "--output"}},
	"ferry inventory": {siteWords, loginWords, {fault.Output: "--output"}},
}

// wordsOf is how cmd words the settings engine errors name.
func wordsOf(cmd *cobra.Command) fault.Words {
	w := wording{}
	if cmd != nil {
		for _, part := range commandWords[cmd.CommandPath()] {
			for s, text := range part {
				w[s] = text
			}
		}
	}
	return func(s fault.Setting, args ...string) string {
		text := w[s]
		if i, j := strings.Index(text, "{"), strings.Index(text, "}"); i >= 0 && j > i {
			fact := text[i+1 : j]
			if len(args) > 0 && args[0] != "" {
				fact = args[0]
			}
			text = text[:i] + fact + text[j+1:]
		}
		return text
	}
}

// say is err as one sentence in cmd's terms.
func say(cmd *cobra.Command, err error) string {
	return summary.Sentence(fault.Word(err, wordsOf(cmd)))
}
