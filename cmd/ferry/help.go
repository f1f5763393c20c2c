package main

import (
	"embed"
	"strings"
)

// helpFiles are the commands' descriptions and examples, as `ferry CMD
// --help` prints them: help/NAME.txt, the description, then a line
// "Examples:" and the examples. They are prose, kept out of the Go so they
// read and change as text; a test checks README's command table against
// the commands and their flags.
//
//go:embed help/*.txt
var helpFiles embed.FS

// longHelp is the description of the command name.
func longHelp(name string) string {
	long, _ := helpOf(name)
	return long
}

// examples are the examples of the command name.
func examples(name string) string {
	_, ex := helpOf(name)
	return ex
}

// helpOf splits help/NAME.txt; a command without a file is a mistake the
// tests catch at once, as every command's help is built on start.
func helpOf(name string) (long, examples string) {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic(err)
	}
	long, examples, _ = strings.Cut(strings.TrimRight(string(b), "\n"), "\n\nExamples:\n")
	return long, examples
}
