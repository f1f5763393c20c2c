package app

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/tui/farside"
)

const guidePath = "../../docs/technician-guide.md"

// TestTechnicianGuide keeps docs/technician-guide.md true: its screens are
// the wizard's golden screens (`go test ./tui/app -update` rewrites it).
func TestTechnicianGuide(t *testing.T) {
	steps := []struct{ golden, text string }{
		{"1-find-80x24", "**1. Find the bundle.** Plug in the USB stick. ferry looks at the mounted media and in the folder you started it in, lists the bundles it finds and fills in the first; pick another with ↑/↓, and press Enter. If you plugged the stick in after starting ferry, press `r` to look again. If it finds none, press Tab and type the folder where the bundle is (the folder with the `.ferry.json` file), then press Enter."},
		{"2-code-80x24", "**2. Check the code.** Phone the engineer who made the bundle and ask them to read you their code. If it is the same as the one on your screen, press `y`. ferry then checks every part of the bundle. If a part is damaged, the screen names it (\"part 3 of 7 … is damaged\"): copy that part again from the original stick and press Enter to check again.\n\n" +
			"The code tells you that you hold the bundle the engineer made, not an older or another one; it does not prove that nobody changed it on the way. Under the code the screen says what is known of the bundle's signature: **✓ signed by SHA256:…** with the key it was checked with, **signed, but unchecked**, or **not signed**. Ask the engineer to read you their key's fingerprint as well, and go on only if both match. With the site's own key (given with `ferry import --key FILE.pub`, or typed on the screen below), a bundle that is not signed, is signed by another key or was changed after signing is refused when you pick it, with a sentence saying so: do not use it, and ask the engineer for the bundle again."},
		{"1-key-80x24", "**A signed bundle with no key beside it.** When the bundle is signed and ferry has no key to check it with, it asks for the site's own copy of the engineer's public key (the `.pub` file you were given, kept at the site, not one from the stick) before the code. Type its path and press Enter: a bundle signed by another key, or changed since it was signed, is refused in one sentence. Or leave the field empty and press Enter to go on unchecked; the next screen then says **signed, but unchecked**. Esc goes back to choose another bundle."},
		{"2-code-beside-80x24", "A `.pub` file on the same stick is used when there is one, and the screen says what that is worth: it proves only that the bundle matches the key carried with it, not who made it, since whoever could change the bundle could change that file too. Check with the site's own copy (`ferry import --key FILE.pub`), or compare the fingerprint with the engineer's."},
		{"3-mode-80x24", "**3. Say where it goes.** First say whether the site has a registry to load the bundle into. If it has none, choose \"There is no registry here\": this machine then serves the bundle itself. If the nodes must hold the images themselves (no registry at all, not even this machine serving), choose \"No registry: load each node\" (see [Nodes without a registry](#nodes-without-a-registry) below)."},
		{"3-where-80x24", "Type the address of the site's registry (for example `registry.site:5000/mirror`), the username and password (the password shows as stars), and the CA file if your site uses its own certificates; a CA file that is not there is flagged under the field at once. Move between fields with Tab. \"Plain HTTP\" is a tick (Space): tick it only for a registry without TLS. An address typed with `http://` ticks it for you. Type the Maven repository's address too if the site has one; leave empty what you do not have. While a field has the keys, every key is text: F1 shows all keys and Ctrl-C quits."},
		{"4-test-80x24", "**4. Test the connection.** ferry checks, before sending anything, that the registry answers, that its certificate is trusted (over plain HTTP there is none), that the login works and that it may push. A cross marks what failed, with a sentence saying what to fix; fix it and press `r` to test again, or Esc to change your answers. A long error shows its first lines; `e` shows all of it."},
		{"5-load-80x24", "**5. Load.** Press Enter to load; a bar shows the progress. `q` asks before stopping; running the import again continues where it stopped."},
		{"6-platforms-80x24", "**6. Configure.** Tick (Space) the kinds of machines that will pull from the mirror and press Enter: ferry writes the files."},
		{"6-configure-80x24", "It then shows the steps to apply them. Follow them on each machine and tick each one (Space) as you do it; the list scrolls with ↑/↓ and says where you are, and the count of steps done stays at the bottom. Esc goes back to the choice of machines."},
		{"7-done-80x24", "**7. Done.** The screen says what was loaded where, and where the report is (`…-import-report.md`, beside the bundle). What is left to do follows; when it is longer than the screen it scrolls (↑/↓, PgDn) and the line under it says which lines you see."},
		{"3-node-80x24", "## Nodes without a registry\n\nWhere the nodes cannot pull from any registry, each node holds the images itself, in an image store that CRI-O and podman read, pinned so that they are never removed. Run ferry on one of the nodes, as root (`sudo ./ferry import`), and on step 3 choose \"No registry: load each node\". The image store's folder is filled in (`/var/lib/ferry-images`, as `ferry load-node` uses); change it if the site uses another. For a delta bundle a second field takes the base bundle's folder, for a node whose store does not hold the base yet. Press Enter to load this node now. Under it is the one command that loads each other node."},
		{"3-node-not-root-80x24", "Without root, ferry cannot write the image store or CRI-O's drop-ins, and says so instead of loading: quit (Ctrl-C) and run the command it shows with `sudo` on this node, or start ferry again with `sudo`."},
		{"3-node-loading-80x24", "While it loads, a bar counts the images, and the line under it names the last one and whether it was copied or there already. Esc stops, and so does `q` (asking first); what is loaded stays, and pressing Enter again skips it. If an image cannot be loaded, the screen says why in one sentence: fix it and press Enter to load again."},
		{"3-node-done-80x24", "At the end the screen says how many images the store holds, each checked in it by its digest, and which CRI-O drop-in pins them. Add the store to `/etc/containers/storage.conf` on every node and restart CRI-O; on each other node, with the stick (or a copy of its folder), run the one command shown, as root. Enter finishes; the command stays in the terminal when ferry closes."},
	}
	var b strings.Builder
	b.WriteString(`# Technician guide: from the USB stick to working mirrors

You have a USB stick (or a disc) from the engineer. You do not need to know
anything about containers to load it: ferry asks one question at a time and
says what to do when something goes wrong.

**Start:** open a terminal in the folder of the stick (where READ-ME-FIRST.txt
is) and type ` + "`./ferry import`" + `, then Enter. (Or type ` + "`./ferry`" + ` and choose
"Import a bundle".) Whatever the engineer wrote for you to add to it
(` + "`--registry`, `--username`, `--maven-url` or `--maven-dir`, `--maven-username`," + `
` + "`--ca-file`, `--insecure`" + `) is filled in on step 3, as are the logins in
` + "`FERRY_REGISTRY_USERNAME`/`_PASSWORD` and `FERRY_MAVEN_USERNAME`/`_PASSWORD`" + `.
The bottom line of every screen lists the keys that work
on that screen; ` + "`?`" + ` shows all of them. Esc goes back a step. ` + "`q`" + ` (or Ctrl-C)
quits, asking first when work would be lost; running ferry again carries on
safely. The window must be at least 80×24; in a smaller one ferry says so and
only quits, and ` + "`--accessible`" + ` asks the same questions as plain prompts.

If the site has no registry at all, see "Serve" in [the far side](far-side.md):
` + "`./ferry serve`" + ` makes the stick itself the registry.

The screens below are ferry's own, at the smallest size it works in (80×24).
`)
	for _, s := range steps {
		data, err := os.ReadFile("testdata/import/" + s.golden + ".golden")
		require.NoError(t, err)
		fmt.Fprintf(&b, "\n%s\n\n```text\n%s\n```\n", s.text, strings.TrimRight(string(data), "\n"))
	}
	b.WriteString(`
## Keys

| key | what it does |
|---|---|
`)
	for _, row := range farside.Table() {
		fmt.Fprintf(&b, "| `%s` | %s |\n", row[0], row[1])
	}
	b.WriteString(`
## When something goes wrong

| what you see | what to do |
|---|---|
| "part N of M … is missing" or "is damaged" | copy that part again from the original stick, then check again |
| "the certificate of … is not trusted" | ask for the site's CA file and type its path in "CA file" |
| "… refused the credentials" | check the username and password with the registry's administrator |
| "… does not let these credentials push" | ask the administrator for push rights, or use another folder prefix |
| "cannot reach …" | check the registry address and that the registry is running |
| "… refused the index of … " | the engineer carried only some architectures; the images were loaded, but ask the engineer for a bundle with every architecture |

## When you leave

When the screen closes, a few lines stay in the terminal: what was loaded
where, the report's path, the mirror configuration's folder, and what is left
to do (steps not ticked, configuration not written, or the command that goes
on after a stop). ferry ends with 0 only when you reached the last step; a
stop ends with 130 and a failure with 1.

` + "```text" + `
✓ demo-2.0 (code 7QK4-M2XD) loaded and checked.
  images: 2 into registry.site:5000/mirror
  report: /media/tech/USB/bundle/demo-2.0-import-report.md
  mirror configuration: /home/tech/mirror-config (crio)
  still to do: 1 of 2 steps to apply it are not ticked; they are in /home/tech/mirror-config/crio/STEPS.md
` + "```" + `

## Plain prompts (screen readers)

Type ` + "`./ferry import --accessible`" + ` for the same questions as numbered
prompts, one line each: where the bundle is, whether the codes match, where it
goes (registry, login, CA file, plain HTTP, Maven repository), the connection
test, the load and which machines to configure. Where there is no registry they
offer to load this node's image store (as root), then give the one command for
each other node. An empty answer takes the
value in brackets; ` + "`back`" + ` returns to the question before. ferry uses these
prompts by itself when ` + "`ACCESSIBLE=1`" + ` is set, when ` + "`TERM=dumb`" + `, or when the
terminal shows no colours.
`)
	got := b.String()
	if *update {
		require.NoError(t, os.WriteFile(guidePath, []byte(got), 0o644))
	}
	want, err := os.ReadFile(guidePath)
	require.NoError(t, err, "run go test ./tui/app -update")
	assert.Equal(t, string(want), got, "docs/technician-guide.md is out of date: run go test ./tui/app -update")
}
