package app

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/tui/farside"
	"ferry/tui/wizard"
	"ferry/workflow/session"
)

func TestResultPrepareDone(t *testing.T) {
	d, _ := newPrepare(t, 100, 30)
	d.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	require.Equal(t, "Done", d.step())
	d.press("enter")
	require.True(t, d.quit)
	r := d.m.Result()
	assert.Equal(t, Done, r.Outcome)
	assert.Equal(t, Prepare, r.Side)
	assert.NoError(t, r.Err)
	require.NotNil(t, r.Prepare.Result)
	assert.Equal(t, "7QK4-M2XD", r.Prepare.Result.Index.ShortCode)
	assert.Equal(t, "/srv/bundles/demo", r.Prepare.Output)
	assert.Contains(t, r.Prepare.Command, "ferry prepare --target demo")
	assert.Nil(t, r.Import)
}

func TestResultPrepareCancelledDownload(t *testing.T) {
	d, eng := newPrepare(t, 100, 30)
	eng.duringPrepare = func(ctx context.Context) { d.press("ctrl+c", "y") }
	d.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	require.True(t, d.quit)
	r := d.m.Result()
	assert.Equal(t, Cancelled, r.Outcome)
	assert.Equal(t, "Download", r.Step)
	assert.True(t, r.Prepare.Downloading)
	assert.Nil(t, r.Prepare.Result)
	assert.Contains(t, r.Prepare.Command, "--output /srv/bundles/demo")
}

func TestResultQuitBeforeAnything(t *testing.T) {
	d, _ := newPrepare(t, 100, 30)
	d.press("q")
	r := d.m.Result()
	assert.Equal(t, Cancelled, r.Outcome)
	assert.Equal(t, "Side", r.Step)
	assert.Empty(t, r.Prepare.Command, "no command before the destination is chosen")
}

func TestResultCommandCarriesTheRunsFlags(t *testing.T) {
	eng := newFake(t)
	d := newDriver(t, Options{Side: Prepare, PrepareEngine: eng, ImportEngine: &fake{},
		Prepare: wizard.Options{MachineArch: "amd64", DefaultOutput: "/srv/b", CommandFlags: []string{"--insecure-source 127.0.0.1:5000", "--maven-repo http://127.0.0.1:8081/maven2"}},
		Import:  farsideOptions()}, 100, 30)
	d.press("enter", "enter", "enter", "enter", "enter", "enter", "enter")
	require.Equal(t, "Confirm", d.step())
	want := "ferry prepare --insecure-source 127.0.0.1:5000 --maven-repo http://127.0.0.1:8081/maven2 --target demo"
	assert.Contains(t, d.m.Prepare().Command(), want)
	assert.Contains(t, d.m.Result().Prepare.Command, want)
}

func TestResultImportDone(t *testing.T) {
	f := &fake{problems: []string{"quay.io/x/y:1 is not tagged: tag it by hand"}}
	d := newImport(t, f, 100, 30)
	d.press("enter", "y", "enter")
	d.typeText("registry.site:5000/mirror")
	d.press("tab")
	d.typeText("loader")
	d.press("tab")
	d.typeText("s3cret")
	d.press("enter", "enter")
	require.Equal(t, "Configure", d.step())
	d.press("down", "space", "enter", "space", "enter")
	require.Equal(t, "Done", d.step())
	d.press("enter")
	r := d.m.Result()
	assert.Equal(t, Done, r.Outcome)
	assert.Equal(t, Import, r.Side)
	o := r.Import
	require.NotNil(t, o.Report)
	assert.Equal(t, "/media/tech/USB/bundle/demo-2.0-import-report.md", o.Report.Path)
	assert.Equal(t, "7QK4-M2XD", o.Bundle.Index.ShortCode)
	assert.Equal(t, "registry.site:5000/mirror", o.Destination.Registry)
	assert.Equal(t, "loader", o.Destination.Username)
	assert.Empty(t, o.Destination.Password, "no password leaves the screen")
	require.Len(t, o.Configured, 1)
	assert.Equal(t, 1, o.StepsDone)
	assert.Equal(t, 2, o.StepsTotal)
	assert.Equal(t, "/home/tech/mirror-config", o.ConfigDir)
}

func TestResultImportFailedAndCancelled(t *testing.T) {
	f := &fake{verifyErr: errors.New("part 3 of 7 is damaged: copy it again")}
	d := newImport(t, f, 100, 30)
	d.press("enter", "y")
	d.press("ctrl+c", "y")
	require.True(t, d.quit)
	r := d.m.Result()
	assert.Equal(t, Failed, r.Outcome)
	assert.Equal(t, "Check the code", r.Step)
	assert.EqualError(t, r.Err, "part 3 of 7 is damaged: copy it again")

	d = newImport(t, &fake{}, 100, 30)
	d.press("enter", "y", "ctrl+c")
	r = d.m.Result()
	assert.Equal(t, Cancelled, r.Outcome)
	assert.Equal(t, "Where it goes", r.Step)
	assert.Nil(t, r.Import.Report)
}

func TestResultServingIsDone(t *testing.T) {
	f := &fake{}
	d := newImport(t, f, 100, 30)
	d.press("enter", "y", "down", "enter")
	require.True(t, f.serving)
	d.press("ctrl+c", "y")
	r := d.m.Result()
	assert.Equal(t, Done, r.Outcome)
	assert.Equal(t, "192.0.2.10:5000", r.Import.Serving)
	assert.Equal(t, int64(3), r.Import.Pulls)
}

// demoDriver is the demo with a ready-made bundle for the far side.
func demoDriver(t *testing.T, auto bool) (*driver, *fakeEngine, *fake, *int) {
	eng := newFake(t)
	f := &fake{}
	seeded := 0
	o := Options{Side: Prepare, Demo: true, PrepareEngine: eng, ImportEngine: f,
		Prepare: wizard.Options{MachineArch: "amd64", DefaultOutput: "/media/tech/USB/bundle"},
		Import:  farside.Options{ConfigDir: "/home/tech/mirror-config", Destination: session.Destination{Registry: "registry.site:5000/mirror"}},
		ReadyBundle: func(context.Context) (string, error) {
			seeded++
			return "/media/tech/USB/ready", nil
		}}
	if auto {
		o.Auto = 1
	}
	return newDriver(t, o, 100, 30), eng, f, &seeded
}

// TestDemoImportFirst: in the demo, choosing the far side first writes a
// ready-made bundle, then goes on to import it.
func TestDemoImportFirst(t *testing.T) {
	d, _, _, seeded := demoDriver(t, false)
	var during string
	d.m.opts.ReadyBundle = func(context.Context) (string, error) {
		*seeded++
		during = d.screen()
		return "/media/tech/USB/ready", nil
	}
	d.press("down", "enter")
	assert.Equal(t, 1, *seeded)
	assert.Contains(t, during, "The demo prepares a bundle first")
	assert.False(t, d.quit)
	assert.Equal(t, Import, d.m.Side())
	assert.Contains(t, d.screen(), "› /media/tech/USB/ready")
	d.press("enter")
	assert.Equal(t, "Check the code", d.step())

	d, _, _, _ = demoDriver(t, false)
	d.m.opts.ReadyBundle = func(context.Context) (string, error) {
		return "", errors.New("the demo's upstream registry did not answer")
	}
	d.press("down", "enter")
	assert.True(t, d.quit)
	r := d.m.Result()
	assert.Equal(t, Failed, r.Outcome)
	assert.EqualError(t, r.Err, "the demo's upstream registry did not answer")
}

// TestAutoKeepsAPresentersPace: the walkthrough stays on the short code,
// shows every preview tab, pauses on space and moves on at once on →.
func TestAutoKeepsAPresentersPace(t *testing.T) {
	d, _, _, _ := demoDriver(t, true)
	assert.Contains(t, d.screen(), "space pauses")
	tabs := map[int]bool{}
	ticksOnCode := 0
	for i := 0; i < 200 && !d.quit; i++ {
		if cur, n := d.m.Prepare().Tab(); n > 0 && d.m.Side() == Prepare {
			tabs[cur] = true
		}
		if d.m.Side() == Prepare && d.step() == "Done" {
			ticksOnCode++
		}
		d.send(autoMsg{})
	}
	require.True(t, d.quit)
	assert.Equal(t, map[int]bool{0: true, 1: true, 2: true, 3: true}, tabs, "every tab shown")
	assert.Equal(t, beatsCode, ticksOnCode, "the code stays for its beats")
	assert.Equal(t, Done, d.m.Result().Outcome)

	d, _, _, _ = demoDriver(t, true)
	d.press("space")
	assert.Contains(t, d.screen(), "PAUSED")
	for range 10 {
		d.send(autoMsg{})
	}
	assert.Equal(t, "Side", d.step(), "nothing moves while paused")
	d.press("right")
	assert.Equal(t, "Product", d.step(), "→ moves on at once, even paused")
	d.press("space")
	assert.NotContains(t, d.screen(), "PAUSED")
	d.send(autoMsg{})
	assert.Equal(t, "Architecture", d.step())
}
