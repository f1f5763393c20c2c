package wizard

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ferry/artifacts/size"
	"ferry/tui/components/picker"
	"ferry/tui/components/textfit"
	"ferry/workflow/plan"
)

// pickerStep is a step that is one list: the side, the product, the
// architectures or the version.
type pickerStep struct {
	f    *Flow
	id   stepID
	list picker.Model
	w, h int
	// refusal says why Enter did nothing.
	refusal string
}

func newSideStep(f *Flow) *pickerStep {
	return &pickerStep{f: f, id: stepSide, list: picker.New([]picker.Item{
		{ID: "prepare", Title: "Prepare a bundle", Detail: "on this connected machine: choose, download, write to a stick"},
		{ID: "import", Title: "Import a bundle", Detail: "on the site: check the stick, load it, configure the mirrors"},
	}, false, f.th)}
}

func newProductStep(f *Flow) *pickerStep {
	var items []picker.Item
	for _, t := range f.eng.Catalog().Targets() {
		if t.Name == "custom" {
			continue
		}
		items = append(items, picker.Item{ID: t.Name, Title: t.Title, Detail: t.Name, On: t.Name == f.opts.Product})
	}
	return &pickerStep{f: f, id: stepProduct, list: picker.New(items, false, f.th)}
}

func (s *pickerStep) SetSize(w, h int) { s.w, s.h = w, h; s.list.SetSize(w, h-4) }

// filterHelp is the help line while a list's filter has the keys.
func filterHelp(k KeyMap) []key.Binding {
	return []key.Binding{withHelp(k.Next, "enter", "keep filter"), withHelp(k.Back, "esc", "clear filter"), k.Move, k.TypingQuit}
}

func (s *pickerStep) ShortHelp() []key.Binding {
	k := s.f.keys
	switch {
	case s.list.Filtering():
		return filterHelp(k)
	case s.id == stepArch:
		return []key.Binding{k.Toggle, k.Next, k.Back, k.Move, k.Filter, k.Help, k.Quit}
	case s.id == stepSide:
		return []key.Binding{k.Next, k.Move, k.Help, k.Quit}
	}
	return []key.Binding{k.Next, k.Back, k.Move, k.Filter, k.Help, k.Quit}
}

func (s *pickerStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	switch s.id {
	case stepArch:
		return [][]key.Binding{{k.Toggle, k.Next, k.Back}, {k.Up, k.Down}, {k.Filter}, {k.Help, k.Quit}}
	case stepSide:
		return [][]key.Binding{{k.Next}, {k.Up, k.Down}, {k.Filter}, {k.Help, k.Quit}}
	}
	return [][]key.Binding{{k.Next, k.Back}, {k.Up, k.Down}, {k.Filter}, {k.Help, k.Quit}}
}

// listKey gives a key to a list unless it is enter or esc outside a
// filter; it says whether the list used it.
func listKey(l *picker.Model, keys KeyMap, msg tea.Msg) bool {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return false
	}
	if l.Filtering() || (!key.Matches(k, keys.Next) && !key.Matches(k, keys.Back)) {
		nl, used := l.Update(k)
		*l = nl
		return used
	}
	return false
}

func (s *pickerStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	s.refusal = ""
	if listKey(&s.list, f.keys, msg) {
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, f.keys.Back):
		return f.back()
	case !key.Matches(k, f.keys.Next):
		return nil
	}
	switch s.id {
	case stepSide:
		if c := s.list.Chosen(); len(c) == 1 && c[0] == "import" {
			return func() tea.Msg { return ImportChosenMsg{} }
		}
		f.goTo(stepProduct)
	case stepProduct:
		it, ok := s.list.Current()
		if !ok {
			return nil
		}
		t, err := f.eng.Catalog().Target(it.ID)
		if err != nil {
			return nil
		}
		if f.target == nil || f.target.Name != t.Name {
			f.target = t
			f.arch.build()
			f.versions.build()
			f.modules.list = picker.Model{}
			f.modules.heldBy = nil
		}
		f.goTo(stepArch)
	case stepArch:
		if len(s.list.Chosen()) == 0 {
			s.refusal = "Tick at least one architecture first (space)."
			return nil
		}
		if len(f.target.Versions) == 0 {
			f.version = ""
			f.modules.build()
			f.goTo(stepModules)
			return f.modules.size()
		}
		f.goTo(stepVersion)
	case stepVersion:
		v := s.list.Chosen()
		if len(v) == 0 {
			return nil
		}
		if v[0] != f.version || len(f.modules.list.Items()) == 0 {
			f.version = v[0]
			f.modules.build()
		}
		f.goTo(stepModules)
		return f.modules.size()
	}
	return nil
}

// build fills the architecture or version list from the target.
func (s *pickerStep) build() {
	f := s.f
	var items []picker.Item
	multi := s.id == stepArch
	if multi {
		archs := f.target.Archs
		if len(archs) == 0 {
			archs = []string{"amd64", "arm64", "ppc64le", "s390x"}
		}
		for _, a := range archs {
			it := picker.Item{ID: a, Title: a}
			if a == f.opts.MachineArch {
				it.On, it.Detail = true, "this machine"
			}
			if slices.Contains(f.opts.Archs, a) {
				it.On = true
			}
			items = append(items, it)
		}
		if !slices.ContainsFunc(items, func(i picker.Item) bool { return i.On }) && len(items) > 0 {
			items[0].On = true
		}
	} else {
		for i, v := range f.target.Versions {
			it := picker.Item{ID: v.Version, Title: v.Version}
			if i == 0 {
				it.Note, it.On = "latest", true
			}
			items = append(items, it)
		}
	}
	s.list = picker.New(items, multi, f.th)
	s.SetSize(s.w, s.h)
}

func (s *pickerStep) View() string {
	v := s.view()
	if s.refusal != "" {
		v += "\n\n" + s.f.th.Warn.Render(s.refusal)
	}
	return v
}

func (s *pickerStep) view() string {
	th := s.f.th
	title := func(t string) string { return th.Title.Render(t) + "\n" }
	switch s.id {
	case stepSide:
		return title("Which side of the gap are you on?") +
			th.Subtle.Render("Prepare on the connected machine; import on the site, from the stick.") + "\n\n" + s.list.View()
	case stepProduct:
		return title("Which product do you want to carry?") + th.Subtle.Render("Each is a target of the catalog (`ferry catalog list`).") + "\n\n" + s.list.View() + s.productDetail()
	case stepArch:
		return title("Which architectures do the site's machines have?") + th.Subtle.Render("Tick every one the site runs; each adds its own images.") + "\n\n" + s.list.View()
	}
	return title("Which version?") + th.Subtle.Render("Newest first.") + "\n\n" + s.list.View()
}

func (s *pickerStep) productDetail() string {
	it, ok := s.list.Current()
	if !ok {
		return ""
	}
	t, err := s.f.eng.Catalog().Target(it.ID)
	if err != nil || t.Description == "" {
		return ""
	}
	return "\n\n" + s.f.th.Subtle.Render(textfit.Words(strings.TrimSpace(t.Description), s.w-1))
}

// modulesStep ticks modules, locking what the chosen ones depend on, and
// shows the running total from a plan of every module.
type modulesStep struct {
	f    *Flow
	list picker.Model
	w, h int
	// heldBy remembers how a module was ticked before a dependency locked it.
	heldBy map[string]bool

	sizes   *plan.Plan
	sizeErr error
	sizing  bool
	sizeKey string
}

type sizesResolvedMsg struct {
	key  string
	plan *plan.Plan
	err  error
}

func (s *modulesStep) SetSize(w, h int) { s.w, s.h = w, h; s.list.SetSize(w, h-4) }

func (s *modulesStep) ShortHelp() []key.Binding {
	k := s.f.keys
	if s.list.Filtering() {
		return filterHelp(k)
	}
	return []key.Binding{k.Toggle, k.Next, k.Back, k.Move, k.Filter, k.Help, k.Quit}
}

func (s *modulesStep) FullHelp() [][]key.Binding {
	k := s.f.keys
	return [][]key.Binding{{k.Toggle, k.Next, k.Back}, {k.Up, k.Down}, {k.Filter}, {k.Help, k.Quit}}
}

func (s *modulesStep) Update(msg tea.Msg) tea.Cmd {
	f := s.f
	if m, ok := msg.(sizesResolvedMsg); ok {
		if m.key == s.sizeKey {
			f.jobs.Finish(jobSizes)
			s.sizes, s.sizeErr, s.sizing = m.plan, m.err, false
			s.refreshSizes()
		}
		return nil
	}
	if listKey(&s.list, f.keys, msg) {
		s.applyDependencies()
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case key.Matches(k, f.keys.Back):
		return f.back()
	case key.Matches(k, f.keys.Next):
		if cmd, ok := f.ops.open(); ok {
			return cmd
		}
		f.goTo(stepPreview)
		return f.preview.start()
	}
	return nil
}

func (s *modulesStep) build() {
	f := s.f
	var items []picker.Item
	for _, md := range f.target.Modules {
		it := picker.Item{ID: md.Name, Title: md.Name, Detail: md.Title, On: md.Required || md.Default, Locked: md.Required}
		if md.Required {
			it.Note = "required"
		}
		items = append(items, it)
	}
	s.list = picker.New(items, true, f.th)
	s.applyDependencies()
	s.SetSize(s.w, s.h)
}

// applyDependencies ticks and locks what chosen modules depend on, saying
// why; when nothing needs a module any more it is unlocked and goes back to
// how the engineer had it.
func (s *modulesStep) applyDependencies() {
	t := s.f.target
	if t == nil || len(s.list.Items()) == 0 {
		return
	}
	if s.heldBy == nil {
		s.heldBy = map[string]bool{}
	}
	items := s.list.Items()
	chosen := map[string]bool{}
	for _, it := range items {
		md := t.Module(it.ID)
		if it.On && (md.Required || !it.Locked) {
			chosen[it.ID] = true
		}
	}
	needed := map[string]string{}
	for changed := true; changed; {
		changed = false
		for _, md := range t.Modules {
			if !chosen[md.Name] && needed[md.Name] == "" {
				continue
			}
			for _, d := range md.DependsOn {
				if _, ok := needed[d]; !ok && !t.Module(d).Required {
					needed[d] = "needed by " + md.Name
					changed = true
				}
			}
		}
	}
	for i := range items {
		id := items[i].ID
		md := t.Module(id)
		switch {
		case md.Required:
		case needed[id] != "":
			if !items[i].Locked {
				s.heldBy[id] = items[i].On // how the engineer had it
			}
			items[i].On, items[i].Locked, items[i].Note = true, true, needed[id]
		case items[i].Locked:
			items[i].On, items[i].Locked, items[i].Note = s.heldBy[id], false, ""
		}
	}
	s.list.SetItems(items)
	s.refreshSizes()
}

// size plans every module once, in the background, so the step can show
// a running total as modules are ticked.
func (s *modulesStep) size() tea.Cmd {
	f := s.f
	sel := f.Selection()
	sel.Modules = f.target.ModuleNames()
	k := fmt.Sprint(sel)
	if k == s.sizeKey && (s.sizes != nil || s.sizing) {
		return nil
	}
	s.sizeKey, s.sizes, s.sizeErr, s.sizing = k, nil, nil, true
	ctx := f.jobs.Start(jobSizes)
	eng := f.eng
	return func() tea.Msg {
		p, err := eng.Plan(ctx, sel, nil)
		return sizesResolvedMsg{key: k, plan: p, err: err}
	}
}

// refreshSizes writes each module's size into its row.
func (s *modulesStep) refreshSizes() {
	if s.sizes == nil {
		return
	}
	items := s.list.Items()
	for i := range items {
		for _, mt := range s.sizes.Totals.Modules {
			if mt.Module == items[i].ID {
				// The size first, so it stays in view when the title is cut.
				items[i].Detail = fmt.Sprintf("%10s  %s", sizeText(mt.Unique), s.f.target.Module(items[i].ID).Title)
			}
		}
	}
	s.list.SetItems(items)
}

// chosenSize is the de-duplicated size of the ticked modules, from the
// plan of every module.
func (s *modulesStep) chosenSize() (int64, bool) {
	if s.sizes == nil {
		return 0, false
	}
	on := map[string]bool{}
	for _, id := range s.list.Chosen() {
		on[id] = true
	}
	uses := func(mods []string) bool { return slices.ContainsFunc(mods, func(s string) bool { return on[s] }) }
	seen := map[string]int64{}
	for _, im := range s.sizes.Images {
		if uses(im.Modules) {
			for _, b := range im.Blobs {
				seen["b"+b.Digest] = b.Size
			}
		}
	}
	for _, mv := range s.sizes.Maven {
		if uses(mv.Modules) {
			for _, f := range mv.Files {
				seen["m"+f.Path] = f.Size
			}
		}
	}
	for _, f := range s.sizes.Files {
		if uses(f.Modules) {
			seen["f"+f.SHA256] = f.Size
		}
	}
	var n int64
	for _, v := range seen {
		n += v
	}
	return n, true
}

func (s *modulesStep) View() string {
	return s.f.th.Title.Render("Which modules?") + "\n" + s.total() + "\n\n" + s.list.View()
}

func (s *modulesStep) total() string {
	th := s.f.th
	switch {
	case s.sizing:
		return th.Subtle.Render("Sizing every module… (you can choose meanwhile)")
	case s.sizeErr != nil && s.sizes == nil:
		return th.Warn.Render("Sizes are not known: " + firstSentence(worded(s.sizeErr)))
	}
	n, ok := s.chosenSize()
	if !ok {
		return ""
	}
	return "Total of the ticked modules: " + th.Accent.Render(size.Format(n)) + th.Subtle.Render(" after de-duplication")
}

func firstSentence(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
