package wizard

import (
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
)

// Outcome is where the connected side stands, read by the app root when
// the program ends so the command can print a summary without asking the
// engine anything more.
type Outcome struct {
	// Step is the title of the step the engineer was on.
	Step string
	// Selection is the answers so far.
	Selection selection.Selection
	// Output is the destination folder, once that step was reached.
	Output string
	// Command is the same run as a plain command (empty before the
	// destination is chosen).
	Command string
	// Downloading says a download was started; Result is set once the
	// bundle is written.
	Downloading bool
	Result      *prepare.Result
	// SignedBy is the fingerprint of the key that signed the bundle
	// written ("" when it is not signed), and SignKey that key's path (a
	// path only: it goes on the screen, never into the bundle).
	SignedBy, SignKey string
	// Err is the failure the screen shows, if any (a stopped download's
	// cancellation included).
	Err error
}

// Outcome is where the connected side stands now.
func (f *Flow) Outcome() Outcome {
	o := Outcome{Step: f.Step(), Selection: f.Selection()}
	if f.cur >= stepDest {
		o.Output = f.dest.path()
		if f.target != nil {
			o.Command = f.Command()
		}
	}
	if f.cur >= stepDownload {
		o.Downloading = true
		o.Result, o.Err = f.download.result, f.download.err
		if o.Result != nil && f.download.signed.Fingerprint != "" {
			o.SignedBy, o.SignKey = f.download.signed.Fingerprint, f.confirm.sign.path()
		}
	}
	if o.Err == nil && f.cur == stepPreview && f.preview.planErr != nil {
		o.Err = f.preview.planErr
	}
	return o
}

// Tab is the preview's tab shown and how many there are, for a
// walkthrough that plays itself and shows each one.
func (f *Flow) Tab() (cur, count int) {
	if f.cur != stepPreview {
		return 0, 0
	}
	return f.preview.tab, len(tabs)
}

// OnCode says whether the screen shows the bundle's short code (the done
// step), where a presenter lingers.
func (f *Flow) OnCode() bool { return f.cur == stepDone }
