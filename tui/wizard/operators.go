package wizard

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ferry/artifacts/olm"
	"ferry/targets/catalog"
	"ferry/tui/components/picker"
	"ferry/tui/components/spinner"
	"ferry/tui/components/textfit"
	"ferry/workflow/session"
)

// OperatorCatalogReader is what the operators screen asks of an engine:
// the file-based catalog of an operator catalog image, for the chosen
// architectures. *session.Session has it; an engine without it skips the
// screen.
type OperatorCatalogReader interface {
	OperatorCatalog(ctx context.Context, ref string, archs []string) (*olm.Catalog, error)
}

const jobOperators = "operators"

// opsPhase is where the operators screen is: reading the catalogs,
// ticking packages, or choosing a channel for each package ticked.
type opsPhase int

const (
	opsLoading opsPhase = iota
	opsPackages
	opsChannel
)

// operatorCatalogsReadMsg carries the catalogs read for a key (the
// catalog references and architectures asked for).
type operatorCatalogsReadMsg struct {
	key  string
	cats map[string]*olm.Catalog
	err  error
}

type opsTickMsg struct{}

// operatorsStep comes after the module list when a ticked module carries
// OLM operators: it lists every package of the catalog images those
// modules name (the modules' own ticked and locked), lets the engineer
// tick more with a fuzzy filter, then asks each new package's channel,
// the default preselected. It shares the Modules place on the rail.
type operatorsStep struct {
	f      *Flow
	active bool
	phase  opsPhase
	w, h   int

	key    string
	refs   []string
	listed map[string]string // package ID → the module that lists it
	cats   map[string]*olm.Catalog
	err    error
	spin   spinner.Model

	packages picker.Model
	channels picker.Model
	pending  []string // package IDs whose channel is asked, in order
	at       int
	chosen   map[string]string // package ID → channel
}

// opsID names a package of a catalog in the lists.
func opsID(ref, pkg string) string { return ref + " " + pkg }

// needs lists the operators the ticked modules name.
func (s *operatorsStep) needs() ([]olm.Wish, map[string]string) {
	f := s.f
	if f.target == nil {
		return nil, nil
	}
	sel, err := f.target.Select(catalog.Choice{Version: f.version, Archs: f.arch.list.Chosen(), Modules: f.modules.list.Chosen()})
	if err != nil {
		return nil, nil
	}
	var out []olm.Wish
	by := map[string]string{}
	for _, n := range sel.Needs {
		for _, o := range n.Operators {
			out = append(out, olm.Wish{Catalog: o.Catalog, Package: o.Package, Channel: o.Channel, Versions: o.Versions})
			by[opsID(o.Catalog, o.Package)] = n.Module
		}
	}
	return out, by
}

// open shows the screen when a ticked module carries operators and the
// engine can read catalogs, reading them unless they were read for the
// same catalogs and architectures; ok is false when there is nothing to
// show.
func (s *operatorsStep) open() (cmd tea.Cmd, ok bool) {
	f := s.f
	rd, can := f.eng.(OperatorCatalogReader)
	wishes, by := s.needs()
	if !can || len(wishes) == 0 {
		s.active, s.packages, s.chosen = false, picker.Model{}, nil
		return nil, false
	}
	s.active, s.listed = true, by
	var refs []string
	for _, w := range wishes {
		if !slices.Contains(refs, w.Catalog) {
			refs = append(refs, w.Catalog)
		}
	}
	archs := f.arch.list.Chosen()
	k := fmt.Sprint(refs, archs)
	if k == s.key && s.phase != opsLoading {
		s.phase = opsPackages
		s.build()
		return nil, true
	}
	s.key, s.refs, s.cats, s.err, s.phase = k, refs, nil, nil, opsLoading
	s.spin = spinner.Model{Animate: f.opts.Animate}
	ctx := f.jobs.Start(jobOperators)
	read := func() tea.Msg {
		cats := map[string]*olm.Catalog{}
		for _, ref := range refs {
			c, err := rd.OperatorCatalog(ctx, ref, archs)
			if err != nil {
				return operatorCatalogsReadMsg{key: k, err: err}
			}
			cats[ref] = c
		}
		return operatorCatalogsReadMsg{key: k, cats: cats}
	}
	return tea.Batch(read, f.every(100*time.Millisecond, opsTickMsg{})), true
}

// ready says whether enter would move on (the catalogs are read).
func (s *operatorsStep) ready() bool { return !s.active || s.phase != opsLoading }

// typing says whether a list's filter has the keys.
func (s *operatorsStep) typing() bool {
	switch s.phase {
	case opsPackages:
		return s.packages.Filtering()
	case opsChannel:
		return s.channels.Filtering()
	}
	return false
}

// build lists every package of the catalogs read: the modules' ticked and
// locked, those chosen before ticked.
func (s *operatorsStep) build() {
	if s.cats == nil {
		return
	}
	var items []picker.Item
	for _, ref := range s.refs {
		cat := s.cats[ref]
		for _, name := range cat.PackageNames() {
			id := opsID(ref, name)
			m := cat.Packages[name]
			detail := "default channel " + m.DefaultChannel
			if ch := m.Channels[m.DefaultChannel]; ch != nil {
				if head, err := olm.Head(ch); err == nil && m.Bundles[head] != nil {
					detail += " · " + m.Bundles[head].Version()
				}
			}
			if len(s.refs) > 1 {
				detail += " · " + ref
			}
			it := picker.Item{ID: id, Title: name, Detail: detail}
			if mod, ok := s.listed[id]; ok {
				it.On, it.Locked, it.Note = true, true, "module "+mod
			} else if _, ok := s.chosen[id]; ok {
				it.On = true
			}
			items = append(items, it)
		}
	}
	s.packages = picker.New(items, true, s.f.th)
	s.SetSize(s.w, s.h)
}

// buildChannels lists the channels of the package being asked about,
// the one chosen before (else the default) under the cursor.
func (s *operatorsStep) buildChannels() {
	ref, name, _ := strings.Cut(s.pending[s.at], " ")
	m := s.cats[ref].Packages[name]
	want, ok := s.chosen[s.pending[s.at]]
	if !ok || m.Channels[want] == nil {
		want = m.DefaultChannel
	}
	var items []picker.Item
	for _, ch := range m.ChannelNames() {
		it := picker.Item{ID: ch, Title: ch, On: ch == want}
		if head, err := olm.Head(m.Channels[ch]); err == nil && m.Bundles[head] != nil {
			it.Detail = "head " + m.Bundles[head].Version()
		}
		if ch == m.DefaultChannel {
			it.Note = "default"
		}
		items = append(items, it)
	}
	s.channels = picker.New(items, false, s.f.th)
	s.SetSize(s.w, s.h)
}

// Wishes are the packages ticked here beyond the modules' own, with the
// channel chosen for each: what the selection and the answers file
// record.
func (s *operatorsStep) wishes() []olm.Wish {
	var out []olm.Wish
	for _, it := range s.packages.Items() {
		ch, ok := s.chosen[it.ID]
		if !it.On || it.Locked || !ok {
			continue
		}
		ref, name, _ := strings.Cut(it.ID, " ")
		out = append(out, olm.Wish{Catalog: ref, Package: name, Channel: ch})
	}
	return out
}

func (s *operatorsStep) SetSize(w, h int) {
	s.w, s.h = w, h
	s.packages.SetSize(w, h-5)
	s.channels.SetSize(w, h-5)
}

func (s *operatorsStep) ShortHelp() []key.Binding {
	k := s.f.keys
	switch {
	case s.typing():
		return filterHelp(k)
	case s.phase == opsLoading:
		return []key.Binding{k.Back, k.Help, k.Quit}
	case s.phase == opsChannel:
		return []key.Binding{k.Next, k.Back, k.Move, k.Filter, k.Help, k.Quit}
	case s.err != nil:
		return []key.Binding{k.Next, k.Back, k.Help, k.Quit}
	}
	return []key.Binding{k.Toggle, k.Next, k.Back, k.Move, k.Filter, k.Help, k.Quit}
}

func (s *operatorsStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return [][]key.Binding{{k.Toggle, k.Next, k.Back}, {k.Up, k.Down}, {k.Filter}, {k.Help, k.Quit}}
}

func (s *operatorsStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	switch msg := msg.(type) {
	case operatorCatalogsReadMsg:
		if msg.key == s.key && s.phase == opsLoading {
			f.jobs.Finish(jobOperators)
			s.cats, s.err, s.phase = msg.cats, msg.err, opsPackages
			s.build()
		}
		return nil
	case opsTickMsg:
		if s.active && s.phase == opsLoading {
			s.spin.Step()
			return f.every(100*time.Millisecond, opsTickMsg{})
		}
		return nil
	}
	switch s.phase {
	case opsPackages:
		if listKey(&s.packages, f.keys, msg) {
			return nil
		}
	case opsChannel:
		if listKey(&s.channels, f.keys, msg) {
			return nil
		}
	}
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
		return nil
	case key.Matches(k, f.keys.Back):
		s.back()
		return nil
	case !key.Matches(k, f.keys.Next):
		return nil
	}
	switch s.phase {
	case opsPackages:
		s.pending, s.at = nil, 0
		for _, it := range s.packages.Items() {
			if it.On && !it.Locked {
				s.pending = append(s.pending, it.ID)
			}
		}
		if len(s.pending) > 0 {
			s.phase = opsChannel
			s.buildChannels()
			return nil
		}
	case opsChannel:
		if s.chosen == nil {
			s.chosen = map[string]string{}
		}
		if c := s.channels.Chosen(); len(c) == 1 {
			s.chosen[s.pending[s.at]] = c[0]
		}
		if s.at++; s.at < len(s.pending) {
			s.buildChannels()
			return nil
		}
	default:
		return nil
	}
	// Coming back from the preview shows the package list.
	s.phase = opsPackages
	f.goTo(stepPreview)
	return f.preview.start()
}

// back goes to the package before, the package list, or the module list.
func (s *operatorsStep) back() {
	switch {
	case s.phase == opsChannel && s.at > 0:
		s.at--
		s.buildChannels()
	case s.phase == opsChannel:
		s.phase = opsPackages
	default:
		if s.phase == opsLoading {
			s.f.jobs.Cancel(jobOperators)
			s.key = ""
		}
		s.active = false
	}
}

func (s *operatorsStep) View() string {
	th := s.f.th
	title := th.Title.Render("Which operators?") + "\n"
	catalogs := strings.Join(s.refs, ", ")
	switch {
	case s.phase == opsLoading:
		return title + th.Subtle.Render(textfit.Words("Reading the catalog of "+catalogs+" "+s.spin.View(), s.w-1))
	case s.err != nil:
		return title + th.Warn.Render(textfit.Words(firstSentence(worded(s.err)), s.w-1)) + "\n\n" +
			th.Subtle.Render(textfit.Words("enter: go on with the operators the modules list · esc: back to the modules", s.w-1))
	case s.phase == opsChannel:
		_, name, _ := strings.Cut(s.pending[s.at], " ")
		return th.Title.Render("Which channel of "+name+"?") + "\n" +
			th.Subtle.Render(textfit.Words(fmt.Sprintf("Package %d of %d. The channel's head is carried; the default channel is preselected.", s.at+1, len(s.pending)), s.w-1)) + "\n\n" + s.channels.View()
	}
	return title + th.Subtle.Render(textfit.Words("From "+catalogs+": the modules' operators are ticked; tick others to carry too (/ filters). Each one's channel comes next.", s.w-1)) + "\n\n" + s.packages.View()
}

// The session reads operator catalogs.
var _ OperatorCatalogReader = (*session.Session)(nil)
