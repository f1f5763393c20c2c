package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/afero"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	"ferry/artifacts/push"
	"ferry/targets/mirrorconfig"
	tuiapp "ferry/tui/app"
	"ferry/tui/farside"
	"ferry/tui/wizard"
	"ferry/workflow/importer"
	"ferry/workflow/prepare"
	"ferry/workflow/session"
)

// summary prints r's summary as ferry does when the full screen closes,
// and says what it exits with.
func summaryOf(t *testing.T, r tuiapp.Result) (stdout, stderr string, code int) {
	t.Helper()
	var so, se bytes.Buffer
	a := &app{stdout: &so, stderr: &se, env: []string{"NO_COLOR=1"}, fs: afero.NewMemMapFs()}
	code = exitCode(nil, a.summarize(r), &se)
	assertSuggestionsAreReal(t, so.String()+se.String())
	return so.String(), se.String(), code
}

// suggested is a ferry command in a summary: the command's name and what
// follows it on the line, up to a backtick.
var suggested = regexp.MustCompile("(?:^|[\\s`:(])ferry ([a-z][a-z-]*)([^`\\n]*)")

// assertSuggestionsAreReal checks every command a summary tells to run:
// the command exists and takes the flags given, with their values.
func assertSuggestionsAreReal(t *testing.T, text string) {
	t.Helper()
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	for _, m := range suggested.FindAllStringSubmatch(text, -1) {
		cmd, _, err := root.Find([]string{m[1]})
		if !assert.NoError(t, err, "ferry %s", m[1]) || cmd == root {
			continue
		}
		rest, _, _ := strings.Cut(m[2], " (") // an aside after the command
		var args []string
		for _, w := range strings.Fields(rest) {
			args = append(args, strings.Trim(w, "'"))
		}
		assert.NoError(t, cmd.ParseFlags(args), "ferry %s%s", m[1], m[2])
	}
}

var summaryIndex = bundle.Index{Name: "demo-2.0", ShortCode: "7QK4-M2XD", Size: 160 << 20, Parts: []bundle.Part{{Name: "demo-2.0.part001"}}}

func TestSummaryPrepareDone(t *testing.T) {
	out, errOut, code := summaryOf(t, tuiapp.Result{Side: tuiapp.Prepare, Step: "Done", Outcome: tuiapp.Done, Prepare: &wizard.Outcome{
		Step: "Done", Output: "/srv/bundles/demo", Downloading: true, Command: "ferry prepare --target demo --output /srv/bundles/demo",
		Result: &prepare.Result{Dir: "/srv/bundles/demo", Index: summaryIndex, Answers: "/srv/bundles/demo/demo-2.0.answers.yaml"}}})
	assert.Equal(t, 0, code)
	assert.Empty(t, errOut)
	assert.Contains(t, out, "✓ Bundle written: /srv/bundles/demo/demo-2.0.ferry.json (1 part(s), 160.0 MiB)\n")
	assert.Contains(t, out, "  code: 7QK4-M2XD ")
	assert.Contains(t, out, "  answers: /srv/bundles/demo/demo-2.0.answers.yaml\n")
	assert.Contains(t, out, "  again, without questions: ferry prepare --answers /srv/bundles/demo/demo-2.0.answers.yaml --output /srv/bundles/demo\n")
	assert.Contains(t, out, "`ferry verify --quick`")
}

func TestSummaryPrepareStoppedDownloadExits130(t *testing.T) {
	out, errOut, code := summaryOf(t, tuiapp.Result{Side: tuiapp.Prepare, Step: "Download", Outcome: tuiapp.Cancelled, Err: context.Canceled, Prepare: &wizard.Outcome{
		Step: "Download", Output: "/srv/my bundles", Downloading: true, Err: context.Canceled,
		Command: "ferry prepare --insecure-source 127.0.0.1:5000 --target demo --output '/srv/my bundles'"}})
	assert.Equal(t, 130, code)
	assert.Empty(t, errOut, "the summary already said it")
	assert.Contains(t, out, "The download was stopped; what was downloaded is kept in the cache.\n")
	assert.Contains(t, out, "  resume with: ferry prepare --insecure-source 127.0.0.1:5000 --target demo --output '/srv/my bundles'\n")
}

func TestSummaryLeftEarlyExits130(t *testing.T) {
	out, _, code := summaryOf(t, tuiapp.Result{Side: tuiapp.Prepare, Step: "Modules", Outcome: tuiapp.Cancelled, Prepare: &wizard.Outcome{Step: "Modules"}})
	assert.Equal(t, 130, code)
	assert.Equal(t, "ferry was left on the step \"Modules\"; nothing was downloaded.\n", out)
}

func TestSummaryPrepareFailedExits1(t *testing.T) {
	err := errors.New("the registry 127.0.0.1:5000 refused the login: check --pull-secret")
	out, errOut, code := summaryOf(t, tuiapp.Result{Side: tuiapp.Prepare, Step: "Download", Outcome: tuiapp.Failed, Err: err, Prepare: &wizard.Outcome{
		Step: "Download", Downloading: true, Err: err, Command: "ferry prepare --target demo --output /srv/b"}})
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "✗ The download failed")
	assert.Contains(t, out, "  resume with: ferry prepare --target demo --output /srv/b\n")
	oneSentence(t, errOut, "the registry 127.0.0.1:5000 refused the login: check --pull-secret")
}

func importOutcome() *farside.Outcome {
	return &farside.Outcome{Step: "Done", Done: true, Bundle: &bundle.Bundle{Dir: "/media/usb/bundle", Index: summaryIndex},
		Destination: session.Destination{Registry: "registry.site:5000/mirror", Username: "loader", Insecure: true},
		ConfigDir:   "/home/tech/mirror-config"}
}

func TestSummaryImportDone(t *testing.T) {
	o := importOutcome()
	o.Report = &importer.Report{Registry: "registry.site:5000/mirror", Images: make([]push.Loaded, 2), Maven: &importer.MavenReport{Files: 6, Destination: "http://127.0.0.1:8081/maven2"},
		Path: "/media/usb/bundle/demo-2.0-import-report.md", Problems: []string{"quay.io/x/y:1 is not tagged: tag it by hand"}}
	o.Configured = []*mirrorconfig.Result{{Platform: "crio"}}
	o.StepsDone, o.StepsTotal = 1, 3
	out, errOut, code := summaryOf(t, tuiapp.Result{Side: tuiapp.Import, Step: "Done", Outcome: tuiapp.Done, Import: o})
	assert.Equal(t, 0, code)
	assert.Empty(t, errOut)
	assert.Contains(t, out, "✓ demo-2.0 (code 7QK4-M2XD) loaded and checked.\n")
	assert.Contains(t, out, "  images: 2 into registry.site:5000/mirror\n")
	assert.Contains(t, out, "  Maven: 6 files into http://127.0.0.1:8081/maven2\n")
	assert.Contains(t, out, "  report: /media/usb/bundle/demo-2.0-import-report.md\n")
	assert.Contains(t, out, "  still to do: quay.io/x/y:1 is not tagged: tag it by hand.\n")
	assert.Contains(t, out, "  mirror configuration: /home/tech/mirror-config (crio)\n")
	assert.Contains(t, out, "  still to do: 2 of 3 steps to apply it are not ticked; they are in /home/tech/mirror-config/crio/STEPS.md\n")
}

func TestSummaryImportWithoutConfiguration(t *testing.T) {
	o := importOutcome()
	o.Step, o.Done = "Configure", false
	o.Report = &importer.Report{Registry: "registry.site:5000/mirror", Images: make([]push.Loaded, 2)}
	out, _, code := summaryOf(t, tuiapp.Result{Side: tuiapp.Import, Step: "Configure", Outcome: tuiapp.Cancelled, Import: o})
	assert.Equal(t, 130, code)
	assert.Contains(t, out, "  still to do: write the mirror configuration: ferry configure --bundle /media/usb/bundle --registry registry.site:5000/mirror --insecure --platform …\n")

	// The command suggested is one configure takes: its flags, no login.
	o.Destination.Flat, o.Destination.CAFiles, o.Destination.MavenDir = true, []string{"/etc/site/ca.pem"}, "/srv/m2"
	out, _, _ = summaryOf(t, tuiapp.Result{Side: tuiapp.Import, Step: "Configure", Outcome: tuiapp.Cancelled, Import: o})
	_, line, ok := strings.Cut(out, "write the mirror configuration: ")
	require.True(t, ok, out)
	words := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), " --platform …"))
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	cmd, args, err := root.Find(words[1:])
	require.NoError(t, err)
	require.Equal(t, "ferry configure", cmd.CommandPath())
	require.NoError(t, cmd.ParseFlags(args), line)
	assert.Contains(t, line, "--repo-mapping flat --ca-file /etc/site/ca.pem", "laid out and reached as loaded")
}

func TestSummaryImportFailedExits1(t *testing.T) {
	o := importOutcome()
	o.Step, o.Done = "Test connection", false
	err := errors.New("registry.site:5000 refused the login: check the Username and Password fields")
	o.Err = err
	out, errOut, code := summaryOf(t, tuiapp.Result{Side: tuiapp.Import, Step: "Test connection", Outcome: tuiapp.Failed, Err: err, Import: o})
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "✗ ferry stopped on the step \"Test connection\"; nothing was loaded.\n")
	assert.Contains(t, out, "  to go on: ferry import /media/usb/bundle --registry registry.site:5000/mirror --insecure --username loader --password-stdin (what is already there is skipped)\n")
	oneSentence(t, errOut, "registry.site:5000 refused the login: check the Username and Password fields")
}

func TestSummaryServed(t *testing.T) {
	o := importOutcome()
	o.Serving, o.Pulls, o.Destination = "192.0.2.10:5000", 3, session.Destination{}
	out, _, code := summaryOf(t, tuiapp.Result{Side: tuiapp.Import, Step: "Where it goes", Outcome: tuiapp.Done, Import: o})
	assert.Equal(t, 0, code)
	require.Contains(t, out, "Served demo-2.0 (code 7QK4-M2XD) from 192.0.2.10:5000: 3 image manifests pulled; serving has stopped.\n")
}
