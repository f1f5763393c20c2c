package main

import (
	"embed"
	"strings"

	"github.com/spf13/cobra"
)

// helpFiles are the commands' help, as `ferry CMD --help` prints it, in
// help/NAME.txt: header lines ("Usage: import BUNDLE", "Summary: " the
// one-line description, and for a command that takes a path "Arguments: "
// the sentence said when it is missing), a blank line, the description,
// then a line "Examples:" and the examples. They are prose, kept out of
// the Go so they read and change as text; a test checks README's command
// table against the commands and their flags.
//
//go:embed help/*.txt
var helpFiles embed.FS

// help is one command's help file, read.
type help struct {
	use, short, args, long, examples string
}

// command is the command name as its help file describes it, running run.
// It takes as many arguments as its usage names (BUNDLE, PREFIX), or none.
func command(name string, run func(*cobra.Command, []string) error) *cobra.Command {
	h := helpOf(name)
	c := &cobra.Command{Use: h.use, Short: h.short, Long: h.long, Example: h.examples, Args: cobra.NoArgs, RunE: run}
	if h.args != "" {
		c.Args = exactArgs(1, h.args)
	}
	return c
}

// helpOf reads help/NAME.txt; a command without a file is a mistake the
// tests catch at once, as every command's help is built on start.
func helpOf(name string) help {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic(err)
	}
	var h help
	text := strings.TrimRight(string(b), "\n")
	for {
		line, rest, _ := strings.Cut(text, "\n")
		key, val, ok := strings.Cut(line, ": ")
		field := map[string]*string{"Usage": &h.use, "Summary": &h.short, "Arguments": &h.args}[key]
		if !ok || field == nil {
			break
		}
		*field, text = val, rest
	}
	h.long, h.examples, _ = strings.Cut(strings.TrimPrefix(text, "\n"), "\n\nExamples:\n")
	return h
}
