package farside

import (
	"ferry/artifacts/bundle"
	"ferry/targets/mirrorconfig"
	"ferry/workflow/importer"
	"ferry/workflow/loadnode"
	"ferry/workflow/session"
)

// Outcome is where the far side stands, read by the app root when the
// program ends so the command can print a summary without asking the
// engine anything more.
type Outcome struct {
	// Step is the title of the step the technician was on; Done says it
	// was the last one.
	Step string
	Done bool
	// Bundle is the bundle opened, once one was.
	Bundle *bundle.Bundle
	// Destination is where it goes, without its passwords.
	Destination session.Destination
	// Report is what the import did, once it ran.
	Report *importer.Report
	// ConfigDir is where mirror configuration is written; Configured is
	// what was written there, and StepsDone of StepsTotal the steps to
	// apply it that were ticked.
	ConfigDir             string
	Configured            []*mirrorconfig.Result
	StepsDone, StepsTotal int
	// Serving is the address the bundle was served on, when the site has
	// no registry, and Pulls the manifests served.
	Serving string
	Pulls   int64
	// Node is what loading this node's image store did, on the path where
	// each node holds the images; NodeCommand loads each other node.
	Node        *loadnode.Result
	NodeCommand string
	// Err is the failure the current step shows, if any.
	Err error
}

// Outcome is where the far side stands now.
func (f *Flow) Outcome() Outcome {
	o := Outcome{Step: f.Step(), Done: f.cur == stepDone || (f.cur == stepWhere && f.where.nodeLoaded()), Bundle: f.bundle, Report: f.report, ConfigDir: f.opts.ConfigDir}
	if f.cur >= stepWhere && f.where.mode == "load" { // on the step itself: what is typed so far
		o.Destination = f.Destination()
		o.Destination.Password, o.Destination.MavenPassword = "", ""
	}
	c := f.configure
	o.Configured = c.results
	o.StepsTotal = c.stepCount()
	for i := range o.StepsTotal {
		if c.ticked[i] {
			o.StepsDone++
		}
	}
	if w := f.where; w.mode == "serve" {
		o.Serving = w.serveAddr
		if w.pulls != nil {
			o.Pulls = int64(w.pulls.Get().ItemsDone)
		}
	}
	if w := f.where; w.mode == "node" && f.bundle != nil {
		o.Node, o.NodeCommand = w.node.res, w.node.command()
	}
	switch f.cur {
	case stepFind:
		o.Err = f.find.openErr
	case stepCode:
		o.Err = f.code.err
	case stepWhere:
		o.Err = f.where.serveErr
		if f.where.mode == "node" {
			o.Err = f.where.node.err
		}
	case stepTest:
		o.Err = f.test.err
	case stepLoad:
		o.Err = f.load.err
	case stepConfigure:
		o.Err = c.err
	}
	return o
}

// OnCode says whether the screen shows the bundle's short code to compare
// (the code step), where a presenter lingers.
func (f *Flow) OnCode() bool { return f.cur == stepCode }

// OnSummary says whether the screen shows the end (the done step).
func (f *Flow) OnSummary() bool { return f.cur == stepDone }
