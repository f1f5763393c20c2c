package farside

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ferry/artifacts/bundle"
	events "ferry/artifacts/progress"
	"ferry/tui/components/field"
	"ferry/tui/components/progress"
	"ferry/tui/components/textfit"
	"ferry/workflow/loadnode"
	"ferry/workflow/session"
)

// jobLoadNode is the load of this machine's image store.
const jobLoadNode = "load-node"

// Fields of the node step: the image store, and a delta's base bundle.
const (
	nStore = iota
	nBase
)

var nodeLabels = []string{"Image store", "Base bundle"}

type (
	// rootMsg says whether ferry may load this machine's image store.
	rootMsg bool
	// nodeLoadedMsg is the end of a load of this machine's image store.
	nodeLoadedMsg struct {
		seq int
		res *loadnode.Result
		err error
	}
)

// nodeStep is the registry-less path where the nodes hold the images
// themselves: it loads this machine's image store (what ferry load-node
// does), then gives the one command that loads each other node.
type nodeStep struct {
	f      *Flow
	w, h   int
	fields []textinput.Model
	focus  int

	// rootKnown says whether root has been asked yet.
	rootKnown, root bool
	// seq numbers the loads, so a stopped one's end is not taken for
	// the next's.
	seq     int
	images  *progress.Latest
	res     *loadnode.Result
	err     error
	stopped bool
	refusal string
}

func newNodeStep(f *Flow) *nodeStep {
	s := &nodeStep{f: f, images: &progress.Latest{}}
	for i := range nodeLabels {
		ti := field.New("", "")
		if i == nStore {
			ti.SetValue(session.NodeStore)
		}
		s.fields = append(s.fields, ti)
	}
	return s
}

// Root says whether this process may load this machine's image store.
func (e SessionEngine) Root() bool { return session.CanLoadNode() }

// nodeLoaded says whether the technician chose the registry-less path
// and this node holds the images.
func (s *whereStep) nodeLoaded() bool { return s.mode == "node" && s.node.res != nil }

// start shows the step: it asks whether ferry runs as root.
func (s *nodeStep) start() tea.Cmd {
	s.focus = nStore
	s.fields[nStore].Focus()
	eng := s.f.eng
	return func() tea.Msg { return rootMsg(eng.Root()) }
}

func (s *nodeStep) SetSize(w, h int) {
	s.w, s.h = w, h
	for i := range s.fields {
		s.fields[i].SetWidth(max(10, w-16))
	}
}

// delta says whether the bundle is a delta, which loads over its base.
func (s *nodeStep) delta() bool {
	return s.f.bundle != nil && s.f.bundle.Index.FormatVersion == bundle.DeltaFormatVersion
}

func (s *nodeStep) running() bool { return s.f.jobs.Running(jobLoadNode) }

// typing says whether a field has the keys.
func (s *nodeStep) typing() bool { return s.res == nil && !s.running() }

func (s *nodeStep) value(i int) string { return strings.TrimSpace(s.fields[i].Value()) }

func (s *nodeStep) ShortHelp() []key.Binding {
	f, k := s.f, s.f.keys
	switch {
	case s.running():
		return []key.Binding{withHelp(k.Back, "esc", "stop"), withHelp(k.Quit, "q", "stop and quit")}
	case s.res != nil:
		return f.short(withHelp(k.Next, "enter", "finish"), k.Back)
	case s.rootKnown && !s.root:
		return f.short(withHelp(k.Back, "esc", "back"))
	}
	b := []key.Binding{withHelp(k.Next, "enter", "load this node")}
	if s.delta() {
		b = append(b, k.Field)
	}
	return f.short(append(b, k.Back)...)
}

func (s *nodeStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return s.f.full([]key.Binding{withHelp(k.Next, "enter", "load this node (as root), then finish"), withHelp(k.Back, "esc", "stop a load, or go back")}, []key.Binding{k.Field})
}

func (s *nodeStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch m := msg.(type) {
	case rootMsg:
		s.rootKnown, s.root = true, bool(m)
		return nil
	case nodeLoadedMsg:
		if m.seq != s.seq {
			return nil
		}
		f.jobs.Finish(jobLoadNode)
		s.stopped = errors.Is(m.err, context.Canceled)
		switch {
		case m.err == nil:
			s.res, s.err = m.res, nil
		case s.stopped:
			s.res, s.err = nil, nil
		default:
			s.res, s.err = nil, m.err
		}
		if m.res != nil && m.err != nil {
			// What was loaded before the stop stays, and is skipped next time.
			s.images.Record(events.Event{Stage: events.StageImages, ItemsDone: m.res.Copied + m.res.Skipped, ItemsTotal: s.images.Get().ItemsTotal})
		}
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case s.running():
		if k.String() == "esc" {
			f.jobs.Cancel(jobLoadNode)
			s.stopped = true // until the load reports how far it got
		}
		return nil
	case s.res != nil:
		switch k.String() {
		case "enter":
			return func() tea.Msg { return FinishedMsg{} }
		case "esc":
			s.res = nil
			s.fields[s.focus].Focus()
		}
		return nil
	}
	s.refusal = ""
	switch k.String() {
	case "esc":
		s.err, s.stopped = nil, false
		s.fields[s.focus].Blur()
		f.where.mode = ""
		return nil
	case "tab", "shift+tab", "up", "down":
		if s.delta() {
			s.fields[s.focus].Blur()
			s.focus = 1 - s.focus
			s.fields[s.focus].Focus()
		}
		return nil
	case "enter":
		return s.load()
	}
	var cmd tea.Cmd
	s.fields[s.focus], cmd = s.fields[s.focus].Update(msg)
	return cmd
}

// load starts loading this machine's image store, when ferry may.
func (s *nodeStep) load() tea.Cmd {
	f := s.f
	switch {
	case !s.root:
		s.refusal = "Without root ferry cannot load this node: run the sudo command above."
		return nil
	case s.value(nStore) == "":
		s.refusal = "Type the image store's folder first (the default is " + session.NodeStore + ")."
		return nil
	}
	s.err, s.stopped, s.res = nil, false, nil
	s.seq++
	seq := s.seq
	ctx := f.jobs.Start(jobLoadNode)
	box := &progress.Latest{}
	s.images = box
	b, eng, base := f.bundle, f.eng, s.base()
	o := session.NodeOptions(b)
	o.Store = s.value(nStore)
	return tea.Batch(func() tea.Msg {
		if base != "" {
			bb, err := eng.Open(base)
			if err != nil {
				return nodeLoadedMsg{seq: seq, err: fmt.Errorf("the base bundle %s cannot be opened: %w", base, err)}
			}
			o.With = []*bundle.Bundle{bb}
		}
		c := events.Coalesce(box.Record, 0)
		o.Progress = c.Send
		res, err := eng.LoadNode(ctx, b, o)
		c.Close()
		return nodeLoadedMsg{seq: seq, res: res, err: err}
	}, f.every())
}

// base is the base bundle typed, for a delta.
func (s *nodeStep) base() string {
	if !s.delta() {
		return ""
	}
	return s.value(nBase)
}

// command is the one command that loads a node as this one was (or would
// be) loaded: the bundle, the store, and a delta's base when one was
// typed.
func (s *nodeStep) command() string {
	var with []string
	if b := s.base(); b != "" {
		with = []string{b}
	}
	return LoadNodeCommand(s.f.bundle.Dir, s.value(nStore), with)
}

// LoadNodeCommand is the command that loads one node's image store from
// the bundle at dir, with the bases of a delta: one per node, never one per
// image.
func LoadNodeCommand(dir, store string, with []string) string {
	c := "ferry load-node " + textfit.Quote(dir) + " --store " + textfit.Quote(store)
	for _, w := range with {
		c += " --with " + textfit.Quote(w)
	}
	return c
}

func (s *nodeStep) View() string {
	f, th, w := s.f, s.f.th, s.w
	var b strings.Builder
	switch {
	case s.running():
		say(&b, f, w, "Loading this node", "Every image of the bundle goes into "+s.value(nStore)+", straight from the stick, and is then read back by its digest. What the store holds already is skipped.")
		s.imagesView(&b)
		b.WriteString("\n" + th.Subtle.Render(textfit.Words("esc stops; loading again continues where it stopped.", w-1)))
		return b.String()
	case s.res != nil:
		s.doneView(&b)
		return b.String()
	}
	say(&b, f, w, "Load this node's image store", "With no registry, each node holds the images itself, in an image store CRI-O and podman read, pinned so they are never removed. ferry can load this node now; what is there already is skipped.")
	for i := range s.fields {
		if i == nBase && !s.delta() {
			continue
		}
		label := fmt.Sprintf("%-13s", nodeLabels[i])
		if i == s.focus {
			label = th.Accent.Render(label)
		}
		fmt.Fprintf(&b, "%s %s\n", label, s.fields[i].View())
	}
	if s.delta() {
		b.WriteString(th.Subtle.Render(textfit.Words("A delta bundle loads over a store that holds its base; if this node's does not, type the base bundle's folder.", w-1)) + "\n")
	}
	b.WriteString("\n")
	switch {
	case !s.rootKnown:
	case !s.root:
		b.WriteString(th.Warn.Render(textfit.Words("ferry is not running as root, so it cannot load this node: the image store and CRI-O's drop-ins (/etc/crio/crio.conf.d) belong to root. Quit, and on this node run:", w-1)) + "\n")
		b.WriteString(th.Accent.Render(textfit.Command("sudo "+s.command(), w-1)) + "\n\n")
	case s.stopped:
		b.WriteString(th.Warn.Render(textfit.Words(s.stoppedText(), w-1)) + "\n\n")
	case s.err != nil:
		b.WriteString(th.Error.Render(textfit.Words("This node was not loaded: "+worded(s.err), w-1)) + "\n")
		b.WriteString(th.Subtle.Render(textfit.Words("Fix it and press Enter to load again; what is loaded already is skipped.", w-1)) + "\n\n")
	default:
		b.WriteString(th.OK.Render("Press Enter to load this node now.") + "\n\n")
	}
	s.othersView(&b)
	if s.refusal != "" {
		b.WriteString("\n" + th.Warn.Render(textfit.Words(s.refusal, w-1)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// stoppedText says how far a stopped load got.
func (s *nodeStep) stoppedText() string {
	e := s.images.Get()
	if e.ItemsTotal > 0 {
		return fmt.Sprintf("Stopped after %d of %d images; they stay in the store. Enter loads again and skips them.", e.ItemsDone, e.ItemsTotal)
	}
	return "Stopped before any image was loaded. Enter loads again."
}

// imagesView is the load's progress: images done of all, and the last.
func (s *nodeStep) imagesView(b *strings.Builder) {
	th, w := s.f.th, s.w
	e := s.images.Get()
	b.WriteString("Images\n")
	b.WriteString(progress.Bar(th, int64(e.ItemsDone), int64(e.ItemsTotal), w-30) + "\n")
	if e.ItemsTotal == 0 {
		b.WriteString(th.Subtle.Render("copying the first image…") + "\n")
		return
	}
	state := "copied"
	if e.State == events.Skipped {
		state = "there already"
	}
	b.WriteString(fmt.Sprintf("%d of %d images\n", e.ItemsDone, e.ItemsTotal))
	b.WriteString(th.Subtle.Render(textfit.Middle("last: "+e.Item+" ("+state+")", w-1)) + "\n")
}

// doneView is the end: what this node holds, where it is pinned, what is
// left to do on it, and the command for the others.
func (s *nodeStep) doneView(b *strings.Builder) {
	th, w, r := s.f.th, s.w, s.res
	store := s.value(nStore)
	b.WriteString(th.Title.Render("This node is loaded") + "\n")
	b.WriteString(th.OK.Render(textfit.Words(fmt.Sprintf("✓ %d images in %s (%d copied, %d there already), each checked in the store by its digest.", len(r.Images), store, r.Copied, r.Skipped), w-1)) + "\n")
	if r.PinFile != "" {
		b.WriteString(th.OK.Render(textfit.Words("✓ pinned by "+r.PinFile+": CRI-O never removes them.", w-1)) + "\n")
	}
	b.WriteString("\n" + textfit.Words("On every node, add the store to /etc/containers/storage.conf under [storage.options], then restart CRI-O (systemctl restart crio):", w-1) + "\n")
	b.WriteString(th.Accent.Render(textfit.Command(fmt.Sprintf("additionalimagestores = [%q]", store), w-1)) + "\n\n")
	s.othersView(b)
	b.WriteString("\n" + th.Subtle.Render("Enter finishes."))
}

// othersView is the one command per other node.
func (s *nodeStep) othersView(b *strings.Builder) {
	th, w := s.f.th, s.w
	b.WriteString(textfit.Words("On each other node, as root, with the stick (or a copy of its folder) there, this one command loads every image:", w-1) + "\n")
	b.WriteString(th.Accent.Render(textfit.Command(s.command(), w-1)) + "\n")
}
