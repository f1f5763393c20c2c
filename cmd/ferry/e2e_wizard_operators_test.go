//go:build e2e

package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/olm"
	"ferry/artifacts/olm/olmtest"
	"ferry/artifacts/registrytest"
	"ferry/targets/catalog"
	"ferry/themes"
	"ferry/tui/components/textfit"
	"ferry/tui/wizard"
	"ferry/workflow/selection"
	"ferry/workflow/session"
)

// TestE2EWizardOperatorsCommand: operators ticked in the wizard, against
// a real session and a file-based catalog on a loopback registry, make a
// command that, pasted as the screen wraps it and run as ferry plan,
// plans the same operators and images as the answers file the wizard
// saves.
func TestE2EWizardOperatorsCommand(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no shell to paste the command into")
	}
	up := registrytest.StartInProcess(t)
	cat := olmtest.Push(t, up, olmtest.Options{})
	catalogFile := writeFile(t, "catalog.yaml", fmt.Sprintf(`apiVersion: ferry/v1
kind: Catalog
targets:
  - name: flow
    title: Flow
    archs: [amd64]
    versions: [{version: "1.0"}]
    modules:
      - name: olm
        title: Monitoring through OLM
        required: true
        operators:
          - catalog: %s
            package: prom
`, cat.Ref))
	c, err := catalog.Load(catalogFile)
	require.NoError(t, err)
	// The wizard as `ferry --catalog FILE --insecure-source HOST` starts it.
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	require.NoError(t, root.ParseFlags([]string{"--catalog", catalogFile, "--insecure-source", up.Host}))
	s, err := session.New(session.Options{InsecureHosts: []string{up.Host}, CacheDir: t.TempDir()}, c)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := wizard.New(ctx, s, themes.MonoTheme(), wizard.Options{MachineArch: "amd64", Product: "flow", DefaultOutput: t.TempDir(),
		CommandFlags: commandFlags(root),
		Tick:         func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }})
	f.SetSize(120, 40)
	press := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			msg := tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
			switch k {
			case "enter":
				msg = tea.KeyPressMsg{Code: tea.KeyEnter}
			case "down":
				msg = tea.KeyPressMsg{Code: tea.KeyDown}
			case "space":
				msg = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
			}
			runFlow(t, f, f.Update(msg))
		}
	}
	press("enter", "enter", "enter", "enter") // side, product, architecture, version
	require.Equal(t, "Modules", f.Step())
	press("enter")
	require.Contains(t, f.View(), "Which operators?", f.View())
	// data-index, logic-operator, other, prom (the module's, locked):
	// tick logic-operator and other.
	press("down", "space", "down", "space", "enter")
	require.Contains(t, f.View(), "Which channel of logic-operator?")
	press("down", "enter") // stable, not the default alpha
	require.Contains(t, f.View(), "Which channel of other?")
	press("enter")
	require.Equal(t, "Preview", f.Step(), f.View())
	sel := f.Selection()
	require.Equal(t, []olm.Wish{{Catalog: cat.Ref, Package: "logic-operator", Channel: "stable"}, {Catalog: cat.Ref, Package: "other", Channel: "stable"}}, sel.Operators)

	// The command as the confirmation shows it at 80 columns, through
	// the shell, becomes ferry plan's arguments.
	pasted := textfit.Command(f.Command(), 79)
	out, err := exec.Command(sh, "-c", "set -- "+pasted+"\nfor a; do printf '%s\\000' \"$a\"; done").Output()
	require.NoError(t, err, pasted)
	argv := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	require.Equal(t, []string{"ferry", "prepare"}, argv[:2], pasted)
	args := []string{"plan"}
	for i := 2; i < len(argv); i++ {
		switch argv[i] {
		case "--output", "--split":
			i++
			continue
		}
		args = append(args, argv[i])
	}
	fromCommand, code, stderr := planJSON(t, args...)
	require.Equal(t, 0, code, "%v\n%s", args, stderr)

	data, err := selection.Marshal(sel)
	require.NoError(t, err)
	answers := writeFile(t, "answers.yaml", string(data))
	fromAnswers, code, stderr := planJSON(t, "--catalog", catalogFile, "plan", "--answers", answers, "--insecure-source", up.Host)
	require.Equal(t, 0, code, stderr)

	assert.Equal(t, map[string]string{"logic-operator": "stable", "other": "stable", "prom": "beta"}, packages(fromCommand))
	assert.Equal(t, fromAnswers.Operators, fromCommand.Operators, "the same filtered catalog, by digest")
	assert.ElementsMatch(t, refs(fromAnswers), refs(fromCommand))
	assert.Contains(t, refs(fromCommand), cat.Images["other bundle 3.0.0"])
}

// runFlow runs a command of the flow synchronously and feeds its
// messages back, taking batches and sequences apart.
func runFlow(t *testing.T, f *wizard.Flow, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			runFlow(t, f, c)
		}
	default:
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := range v.Len() {
				runFlow(t, f, v.Index(i).Interface().(tea.Cmd))
			}
			return
		}
		runFlow(t, f, f.Update(msg))
	}
}
