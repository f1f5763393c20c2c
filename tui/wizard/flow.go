// Package wizard is the connected side of ferry's terminal app: the steps
// that walk the engineer from product to a finished bundle (side, product,
// architectures, version, modules, preview, destination, confirm, download,
// done). Each step is a component with its own key map; Flow holds the
// answers they share and moves between them. The app root (tui/app) owns
// the window, the theme and quitting, and builds the view. Every call to
// the Engine runs in a command, under a context that going back or
// quitting cancels.
package wizard

import (
	"context"
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ferry/targets/catalog"
	"ferry/themes"
	"ferry/tui/components/frame"
	"ferry/tui/components/jobs"
	"ferry/workflow/selection"
)

type stepID int

const (
	stepSide stepID = iota
	stepProduct
	stepArch
	stepVersion
	stepModules
	stepPreview
	stepDest
	stepConfirm
	stepDownload
	stepDone
)

var stepTitles = []string{"Side", "Product", "Architecture", "Version", "Modules", "Preview", "Destination", "Confirm", "Download", "Done"}

// Names of the jobs a Flow runs, each with its own cancel.
const (
	jobSizes    = "sizes"
	jobPlan     = "plan"
	jobDownload = "download"
)

// Options tune the connected side.
type Options struct {
	// MachineArch is pre-selected on the architecture step.
	MachineArch string
	// Archs, when set, are pre-selected instead.
	Archs []string
	// Animate turns on the spinner (off in tests for stable screens).
	Animate bool
	// DefaultOutput pre-fills the destination.
	DefaultOutput string
	// Binary is the ferry executable copied beside the bundle.
	Binary string
	// Banner is shown in the header of every screen (the demo's).
	Banner string
	// Product, when set, is the target the product list starts on.
	Product string
	// CommandFlags are the flags this run was started with that the
	// plain command needs too (where items come from: --insecure-source,
	// --source-mirror, --maven-repo, --catalog), shell-quoted.
	CommandFlags []string
	// Tick makes the timers that re-read progress (jobs.Tick when nil).
	Tick jobs.Ticker
	// Have are files saying what the site already holds (ferry --have),
	// taken on the preview's "what the site has" panel.
	Have []string
	// SignKey pre-fills the signing key on the confirmation.
	SignKey string
}

// step is one screen of the connected side.
type step interface {
	help.KeyMap
	SetSize(w, h int)
	Update(msg tea.Msg) tea.Cmd
	View() string
}

// ImportChosenMsg says the engineer chose the far side on the first screen.
type ImportChosenMsg struct{}

// FinishedMsg says the engineer left the done screen.
type FinishedMsg struct{}

// Flow is the connected side: its steps and the answers they share.
type Flow struct {
	eng  Engine
	opts Options
	th   themes.Theme
	keys KeyMap
	jobs *jobs.Set
	tick jobs.Ticker

	width, height int
	cur           stepID
	done          map[stepID]bool
	// stopping is set once quitting has cancelled the download.
	stopping bool

	// answers
	target  *catalog.Target
	version string

	side, product, arch, versions *pickerStep
	modules                       *modulesStep
	ops                           *operatorsStep
	preview                       *previewStep
	have                          *havePanel
	dest                          *destStep
	confirm                       *confirmStep
	download                      *downloadStep
	finish                        *doneStep
}

// New builds the connected side on an engine; ctx is the app's, from
// which every job's context derives.
func New(ctx context.Context, eng Engine, th themes.Theme, opts Options) *Flow {
	f := &Flow{eng: eng, opts: opts, th: th, keys: DefaultKeys(), jobs: jobs.New(ctx), tick: opts.Tick, done: map[stepID]bool{}}
	if f.tick == nil {
		f.tick = jobs.Tick
	}
	f.side = newSideStep(f)
	f.product = newProductStep(f)
	f.arch = &pickerStep{f: f, id: stepArch}
	f.versions = &pickerStep{f: f, id: stepVersion}
	f.modules = &modulesStep{f: f}
	f.ops = &operatorsStep{f: f}
	f.preview = &previewStep{f: f}
	f.have = newHavePanel(f)
	f.dest = newDestStep(f)
	f.confirm = &confirmStep{f: f, sign: newSignField(f)}
	f.download = &downloadStep{f: f}
	f.finish = &doneStep{f: f}
	return f
}

func (f *Flow) current() step {
	if f.cur == stepModules && f.ops.active {
		return f.ops
	}
	return []step{f.side, f.product, f.arch, f.versions, f.modules, f.preview, f.dest, f.confirm, f.download, f.finish}[f.cur]
}

// Init asks nothing of the engine until the first answer.
func (f *Flow) Init() tea.Cmd { return nil }

// SetSize gives the steps the room right of the rail.
func (f *Flow) SetSize(w, h int) {
	f.width, f.height = w, h
	for _, s := range []step{f.side, f.product, f.arch, f.versions, f.modules, f.ops, f.preview, f.dest, f.confirm, f.download, f.finish} {
		s.SetSize(w, h)
	}
}

// Update routes a result to the step that asked for it and a key to the
// current step.
func (f *Flow) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case sizesResolvedMsg:
		return f.modules.Update(msg)
	case operatorCatalogsReadMsg, opsTickMsg:
		return f.ops.Update(msg)
	case planResolvedMsg, planTickMsg:
		return f.preview.Update(msg)
	case haveCheckedMsg, haveListedMsg:
		return f.have.Update(msg)
	case spaceCheckedMsg, mediaFoundMsg, foldersListedMsg:
		return f.dest.Update(msg)
	case downloadTickMsg, bundleWrittenMsg:
		return f.download.Update(msg)
	case keyCheckedMsg:
		return f.confirm.Update(msg)
	case tea.KeyPressMsg:
		return f.current().Update(msg)
	}
	if f.cur == stepDest {
		return f.dest.Update(msg)
	}
	return nil
}

// View draws the current step.
func (f *Flow) View() string { return f.current().View() }

// Keys is the current step's key map, for the help line and full help.
func (f *Flow) Keys() help.KeyMap { return f.current() }

// QuitKey is the binding that quits when nothing is being typed.
func (f *Flow) QuitKey() key.Binding { return f.keys.Quit }

// HelpKey is the binding that shows every key.
func (f *Flow) HelpKey() key.Binding { return f.keys.Help }

// Typing says whether keys go to a filter or a text field, not shortcuts.
func (f *Flow) Typing() bool {
	switch f.cur {
	case stepSide, stepProduct, stepArch, stepVersion:
		return f.pickerOf(f.cur).list.Filtering()
	case stepModules:
		return f.modules.list.Filtering() || (f.ops.active && f.ops.typing())
	case stepPreview:
		return f.preview.filtering || f.have.open
	case stepDest:
		return true
	case stepConfirm:
		return f.confirm.sign.available()
	}
	return false
}

// QuitQuestion is what to ask before quitting, or "" when quitting loses
// nothing.
// Each fits whole on the smallest window (80 columns).
func (f *Flow) QuitQuestion() string {
	switch {
	case f.jobs.Running(jobDownload):
		return "Stop the download? It resumes next time. y: stop · any other key: keep going"
	case f.cur > stepProduct && f.cur < stepDownload:
		return "Quit? The answers so far are lost. y: quit · any other key: keep going"
	}
	return ""
}

// Stop cancels every running job; it says whether to wait for the
// download to report that it stopped before quitting.
func (f *Flow) Stop() (wait bool) {
	wait = f.jobs.Running(jobDownload)
	f.stopping = wait
	f.jobs.CancelAll()
	return wait
}

// Frame is the layout of the connected side's screens.
func (f *Flow) Frame() frame.Frame {
	return frame.Frame{Theme: f.th, Title: "prepare a bundle", Banner: f.opts.Banner, Steps: stepTitles}
}

// Position is the current step, the done ones and the selection so far.
func (f *Flow) Position() frame.Position {
	return frame.Position{Current: int(f.cur), Done: func(i int) bool { return f.done[stepID(i)] }, RailExtra: f.railExtra()}
}

// railExtra is the selection so far, under the steps.
func (f *Flow) railExtra() string {
	if f.target == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + f.th.Subtle.Render(f.target.Name))
	if f.version != "" && f.cur > stepVersion {
		b.WriteString(f.th.Subtle.Render(" " + f.version))
	}
	if f.cur > stepArch {
		b.WriteString("\n" + f.th.Subtle.Render(strings.Join(f.arch.list.Chosen(), ", ")))
	}
	return b.String()
}

// Step names the current step.
func (f *Flow) Step() string { return stepTitles[f.cur] }

// Ready says whether enter would move on from the current step now (what
// a scripted walkthrough waits for).
func (f *Flow) Ready() bool {
	switch f.cur {
	case stepModules:
		return !f.modules.sizing && f.ops.ready()
	case stepPreview:
		return f.preview.plan != nil && len(f.preview.plan.Errors) == 0
	case stepDest:
		return f.dest.space != nil && f.dest.fits()
	case stepDownload:
		return false
	case stepDone:
		return f.download.result != nil
	}
	return true
}

// Selection is the answers so far.
func (f *Flow) Selection() selection.Selection {
	s := selection.Selection{Version: f.version, Archs: f.arch.list.Chosen()}
	if f.target != nil {
		s.Target = f.target.Name
	}
	s.Modules = f.modules.list.Chosen()
	s.Have = f.have.Paths()
	s.Operators = f.ops.wishes()
	return s
}

// goTo moves on to s, marking the current step done.
func (f *Flow) goTo(s stepID) {
	f.done[f.cur] = true
	f.cur = s
	f.SetSize(f.width, f.height)
}

// back goes one step back, keeping every answer and cancelling the work
// the step it leaves had started.
func (f *Flow) back() tea.Cmd {
	switch f.cur {
	case stepSide, stepDownload, stepDone:
		return nil
	case stepModules:
		if f.modules.sizing {
			f.jobs.Cancel(jobSizes)
			f.modules.sizing, f.modules.sizeKey = false, ""
		}
		if f.target != nil && len(f.target.Versions) == 0 {
			f.cur = stepArch
			return nil
		}
	case stepPreview:
		f.preview.cancel()
	case stepConfirm:
		f.cur = stepDest
		return f.dest.enter() // the path field takes the keys again
	}
	f.cur--
	f.dest.input.Blur()
	return nil
}

func (f *Flow) pickerOf(id stepID) *pickerStep {
	return map[stepID]*pickerStep{stepSide: f.side, stepProduct: f.product, stepArch: f.arch, stepVersion: f.versions}[id]
}

func (f *Flow) every(d time.Duration, msg tea.Msg) tea.Cmd {
	return f.tick(d, func(time.Time) tea.Msg { return msg })
}

func errorsIsCanceled(err error) bool { return errors.Is(err, context.Canceled) }
