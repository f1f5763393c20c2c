package app

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/tui/wizard"
)

const docsPath = "../../docs/wizard.md"

// docScreens are the golden screens shown in the guide, in order.
var docScreens = []struct{ golden, caption string }{
	{"2-product-80x24", "Choose the product; `/` filters as you type."},
	{"5-modules-80x24", "Modules: required ones are ticked and locked, the total updates as you tick; each module's size comes first so it stays in view."},
	{"5b-operators-80x24", "Operators, after the modules when a ticked module carries OLM operators: every package of the catalog image, the module's own ticked and locked; `/` filters."},
	{"5c-operator-channel-80x24", "Each package ticked asks its channel, the default one preselected."},
	{"6b-preview-operators-80x24", "In the preview, an operator's bundle and related images say why they are there under the highlighted row."},
	{"6-preview-80x24", "The preview's tables: long names are shortened in the middle so the tag stays, and the highlighted row (↑/↓) is said whole underneath, with its digest and platforms."},
	{"6-preview-summary-80x24", "The preview's summary: sizes before and after de-duplication, by module and architecture, and which media it fits."},
	{"6-preview-have-80x24", "What the site already has (h on the preview): each file is read as it is typed and says what it names."},
	{"6-preview-delta-80x24", "Measured against what the site has: the full size and the delta size side by side."},
	{"7-destination-80x24", "The destination: the free-space check runs before anything is downloaded. A file system that does not say how big it is (some FUSE and network file systems) shows \"free space unknown\" with a warning, and enter goes on without the check."},
	{"8-confirm-80x24", "The whole selection, what Enter does, and the same as a plain command (wrapped at spaces with a backslash, so it pastes and runs as it is). The signing key field takes the keys: empty writes the bundle unsigned; a private key's path (`ferry keygen` makes one) is read as you type it, and is refused when it does not exist, is not a private key, or lies in the bundle's folder."},
	{"7b-confirm-operators-80x24", "With operators ticked, the command carries one quoted `--operator` line for each; one too long for the screen is cut inside its quotes, so it still pastes and runs."},
	{"8-confirm-delta-80x24", "A delta bundle's confirmation: both sizes, and --have in the command (and in the answers file)."},
	{"8-confirm-signing-80x24", "An encrypted key asks for its password (tab moves to it; it shows as dots). Enter opens the key with it and starts; a wrong password says so and waits. The command names `--sign-key` and says the password comes from `FERRY_KEY_PASSWORD`; the password is never saved, and the answers file saved beside the bundle names no key (the replay command on the done screen adds `--sign-key`)."},
	{"9-download-80x24", "The download: overall progress, and every item's state (verified, downloading, retrying). q asks before stopping; running ferry again resumes."},
	{"10-done-80x24", "Done: the code to read to the technician."},
	{"10-done-signed-80x24", "Done, signed: the bundle's index was signed at the end of prepare into `NAME.ferry.json.sig`, and the fingerprint to read to the site with the code (fingerprints here are masked, as every test key is new)."},
}

// TestDocsWizard keeps docs/wizard.md true: its key table comes from the
// key map and its screens are the golden screens (`go test ./tui/app
// -update` rewrites it).
func TestDocsWizard(t *testing.T) {
	var b strings.Builder
	b.WriteString(`# The wizard (connected side)

Run ` + "`ferry`" + ` with no arguments in a terminal of at least 80×24. It asks which side
of the gap you are on, then walks you through product, architectures,
version, modules, a preview of everything the bundle will carry, the
destination, a confirmation, the download and the result. Every step is
also a plain command: the confirmation shows the equivalent
` + "`ferry prepare …`" + `, and an answers file is saved beside the bundle for
` + "`--answers`" + `.

- ` + "`--theme default|high-contrast|mono`" + ` chooses the colours (mono is used with
  ` + "`NO_COLOR`" + ` or ` + "`--no-color`" + `).
- ` + "`--accessible`" + ` (or ` + "`ACCESSIBLE=1`" + `, ` + "`TERM=dumb`" + `, or a terminal without
  colours) asks the same questions as plain numbered prompts, for screen
  readers: first the side, then that side's questions (` + "`ferry import --accessible`" + `
  asks the far side's). Every prompt takes ` + "`back`" + ` to return to the question before.
- Without a terminal, ` + "`ferry`" + ` says to use ` + "`ferry prepare`" + ` and exits 2.
- What the site already has is optional: on the preview, ` + "`h`" + ` opens a field
  for an inventory (` + "`ferry inventory`" + `), an earlier bundle or its ` + "`.ferry.json`" + `,
  or an import report (` + "`tab`" + ` completes paths; each file is read as you type and
  says how many blobs it names, or why it cannot be read; ` + "`enter`" + ` adds it,
  ` + "`backspace`" + ` in the empty field drops the last one). The preview then shows the
  full size and the delta size side by side, the bundle is a delta that leaves
  out every blob the site holds, the confirmation's command carries
  ` + "`--have FILE`" + ` and the answers file records it (` + "`have:`" + `).
  ` + "`ferry --have FILE`" + ` (repeatable) starts the wizard with those files.
- Signing is optional: the confirmation has a field for a private key
  (` + "`ferry keygen`" + ` makes one), and ` + "`ferry --sign-key KEY`" + ` starts the wizard with
  it filled in. ` + "`--accessible`" + ` asks for the key after the destination (` + "`none`" + `
  for an unsigned bundle); an encrypted key is opened with ` + "`FERRY_KEY_PASSWORD`" + `,
  or its password is asked without echo when the input is a terminal. The
  key's path never goes into the answers file saved beside the bundle, and
  the password nowhere.
- The wizard takes the same source flags as ` + "`ferry plan`" + ` (` + "`--pull-secret`" + `,
  ` + "`--ca-file`" + `, ` + "`--insecure-source`" + `, ` + "`--source-mirror`" + `, ` + "`--maven-repo`" + `) and ` + "`--cache`" + `.

## Keys

| key | what it does |
|---|---|
`)
	for _, row := range wizard.DefaultKeys().Table() {
		fmt.Fprintf(&b, "| `%s` | %s |\n", row[0], row[1])
	}
	b.WriteString(`
The bottom line of each screen lists only the keys that act on that step;
` + "`?`" + ` shows all of them. Lists take ` + "`/`" + ` to filter; while you type a filter
or a path, keys go to it (` + "`enter`" + ` keeps a filter, ` + "`esc`" + ` clears it), and
` + "`f1`" + ` and ` + "`ctrl+c`" + ` are the keys that still act. ` + "`q`" + ` asks before quitting once
answers would be lost, and during the download asks before stopping; running
ferry again resumes where it stopped. An Enter that cannot go on says why
(nothing ticked, not enough space, a plan with errors).

Below 100 columns the list of steps on the left gives way and the header
names the step instead. Below 80×24 ferry shows only how to get a usable
screen (a larger window, or ` + "`--accessible`" + `) and no key acts but quitting.

## Operators

When a ticked module carries OLM operators (` + "`operators:`" + ` in the catalog,
[docs/operators.md](operators.md)), Enter on the modules leads to an Operators
screen (still under Modules in the list of steps): ferry reads the
file-based catalog of the catalog images those modules name, for the chosen
architectures, with a spinner meanwhile (esc stops it), and lists every
package with its default channel and that channel's newest version. The
modules' own packages are ticked and locked; tick any other to carry it too
(` + "`/`" + ` filters as you type). Enter then asks, for each package ticked, which
channel: the default one is preselected, and the channel's head is what is
carried. The preview lists the bundle and related images of every operator
with why each is there, and the answers file records the packages ticked
here under ` + "`operators:`" + ` (the modules' own come from the modules), so
` + "`ferry prepare --answers`" + ` carries the same. A catalog that cannot be read
is said in one sentence; Enter goes on with the modules' operators alone.
` + "`--accessible`" + ` asks the same after the modules: the packages as a numbered
list (the modules' own always carried), then each new package's channel with
the default as the answer in brackets.
A version range is not asked here: write it in an operators file or the
answers file. The command on the confirmation screen, and the one that
resumes a stopped download, carry one ` + "`--operator 'CATALOG_IMAGE PACKAGE CHANNEL'`" + `
for each package ticked here, quoted so it pastes and runs (a line too long
for the screen is cut inside its quotes, and the shell joins it again).
Operators are offered only when a ticked module carries them: for a product
whose modules carry none, give ` + "`--operator`" + ` or ` + "`--operators FILE`" + ` to ` + "`ferry prepare`" + `.

## When the screen closes

The full screen leaves a few plain lines in the terminal's scrollback, to copy
from later:

` + "```text" + `
✓ Bundle written: /srv/bundles/demo/demo-2.0.ferry.json (1 part(s), 160.0 MiB)
  code: 7QK4-M2XD (read it to the technician; their screen shows the same)
  not signed
  answers: /srv/bundles/demo/demo-2.0.answers.yaml
  again, without questions: ferry prepare --answers /srv/bundles/demo/demo-2.0.answers.yaml --output /srv/bundles/demo
  next: copy the whole folder to the medium, run ` + "`ferry verify --quick`" + ` on the copy, and hand it over with READ-ME-FIRST.txt
` + "```" + `

A signed bundle says ` + "`signed by SHA256:…`" + ` instead of ` + "`not signed`" + `, and its
command to make it again adds ` + "`--sign-key`" + `. A stopped download prints the command that resumes it (the same as the
confirmation's, with the flags this run was started with: what is downloaded
is kept in the cache). ferry exits 0 only when the bundle is written; leaving
earlier, a stopped download included, exits 130, and a failure exits 1 with
its sentence on stderr.

## Screens

These are the wizard's real screens at 80×24 (the golden screens its tests
compare against).
`)
	for _, s := range docScreens {
		data, err := os.ReadFile("testdata/prepare/" + s.golden + ".golden")
		require.NoError(t, err)
		fmt.Fprintf(&b, "\n%s\n\n```text\n%s\n```\n", s.caption, strings.TrimRight(string(data), "\n"))
	}
	got := b.String()
	if *update {
		require.NoError(t, os.WriteFile(docsPath, []byte(got), 0o644))
	}
	want, err := os.ReadFile(docsPath)
	require.NoError(t, err, "run go test ./tui/app -update")
	assert.Equal(t, string(want), got, "docs/wizard.md is out of date: run go test ./tui/app -update")
}
