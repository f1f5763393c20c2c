// Package accessible asks the wizard's questions as plain numbered prompts,
// one line each, for screen readers and dumb terminals (--accessible,
// ACCESSIBLE=1, TERM=dumb, or a terminal without colours), on both sides
// of the gap. It drives the same engines as the full-screen screens.
// Every prompt takes "back" to return to the question before.
package accessible

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"ferry/artifacts/bundle"
	events "ferry/artifacts/progress"
	"ferry/artifacts/size"
	"ferry/targets/catalog"
	"ferry/tui/farside"
	"ferry/tui/secret"
	"ferry/tui/wizard"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
	"ferry/workflow/session"
)

// Options tune the prompts.
type Options struct {
	MachineArch string
	Binary      string
	// SignKey is the signing key offered after the destination (ferry
	// --sign-key); the answer may change it.
	SignKey string
	// KeyPassword opens an encrypted signing key (FERRY_KEY_PASSWORD).
	// Without it the password is asked on Secret.
	KeyPassword string
	// Secret asks a key's password without echo; when nil, it is made
	// from the input if that is a terminal, and otherwise the user is
	// told to set KeyPassword's variable.
	Secret *secret.Asker
}

// withSecret is o with a password asker on in when in is a terminal.
func (o Options) withSecret(in io.Reader, out io.Writer) Options {
	if o.Secret == nil {
		if a, ok := secret.OnTerminal(in, out); ok {
			o.Secret = a
		}
	}
	return o
}

type prompter struct {
	in  *bufio.Reader
	out io.Writer
}

// errBack is the answer "back": return to the question before.
var errBack = errors.New("back to the question before")

func (p *prompter) ask(q string) (string, error) {
	fmt.Fprintf(p.out, "%s ", q)
	line, err := p.in.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no answer to %q: the input ended", strings.TrimSuffix(q, ":"))
	}
	a := strings.TrimSpace(line)
	if strings.EqualFold(a, "back") {
		return "", errBack
	}
	return a, nil
}

// question is one prompt of a walk (or work between prompts, which going
// back passes over).
type question struct {
	run func() error
	// skip, when it says so, leaves the question out (both ways).
	skip func() bool
	// work is not a question: going back passes over it.
	work bool
}

// walk asks the questions in order; "back" returns to the last question
// before the current one. Back from the first returns errBack.
func walk(qs []question) error {
	for i := 0; i < len(qs); {
		q := qs[i]
		if q.skip != nil && q.skip() {
			i++
			continue
		}
		err := q.run()
		if !errors.Is(err, errBack) {
			if err != nil {
				return err
			}
			i++
			continue
		}
		j := i - 1
		for j >= 0 && (qs[j].work || (qs[j].skip != nil && qs[j].skip())) {
			j--
		}
		if j < 0 {
			return errBack
		}
		i = j
	}
	return nil
}

// walkFirst is walk where nothing comes before the first question.
func walkFirst(p *prompter, qs []question) error {
	for {
		err := walk(qs)
		if !errors.Is(err, errBack) {
			return err
		}
		fmt.Fprintln(p.out, "This is the first question; there is none before it.")
	}
}

// choose asks for one number from a list; empty takes def (1-based).
func (p *prompter) choose(q string, options []string, def int) (int, error) {
	for i, o := range options {
		fmt.Fprintf(p.out, "  %d. %s\n", i+1, o)
	}
	for {
		a, err := p.ask(fmt.Sprintf("%s [%d]:", q, def))
		if err != nil {
			return 0, err
		}
		if a == "" {
			return def - 1, nil
		}
		n, err := strconv.Atoi(a)
		if err == nil && n >= 1 && n <= len(options) {
			return n - 1, nil
		}
		fmt.Fprintf(p.out, "Please type a number from 1 to %d.\n", len(options))
	}
}

// chooseMany asks for numbers separated by commas; empty keeps defs.
func (p *prompter) chooseMany(q string, options []string, defs []int) ([]int, error) {
	for i, o := range options {
		fmt.Fprintf(p.out, "  %d. %s\n", i+1, o)
	}
	var ds []string
	for _, d := range defs {
		ds = append(ds, strconv.Itoa(d+1))
	}
	for {
		a, err := p.ask(fmt.Sprintf("%s, numbers separated by commas [%s]:", q, strings.Join(ds, ",")))
		if err != nil {
			return nil, err
		}
		if a == "" {
			return defs, nil
		}
		var out []int
		ok := true
		for _, f := range strings.Split(a, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || n > len(options) {
				ok = false
				break
			}
			out = append(out, n-1)
		}
		if ok {
			return out, nil
		}
		fmt.Fprintf(p.out, "Please type numbers from 1 to %d, separated by commas.\n", len(options))
	}
}

// Run asks the questions, shows the plan, and prepares the bundle.
func Run(ctx context.Context, eng wizard.Engine, in io.Reader, out io.Writer, o Options) error {
	p := &prompter{in: bufio.NewReader(in), out: out}
	return finish(walkFirst(p, prepareQuestions(ctx, p, eng, o.withSecret(in, out))))
}

// RunEither asks first which side of the gap the user is on, then that
// side's questions; "back" from a side's first question asks it again.
func RunEither(ctx context.Context, prep wizard.Engine, far farside.Engine, in io.Reader, out io.Writer, o Options, imp ImportOptions) error {
	p := &prompter{in: bufio.NewReader(in), out: out}
	o = o.withSecret(in, out)
	for {
		fmt.Fprintln(out, "ferry: which side of the gap are you on? Answer each question and press Enter; an empty answer takes the value in brackets; back returns to the question before.")
		i, err := p.choose("Side", []string{"Prepare a bundle (this machine is connected)", "Import a bundle (this machine is on the site)"}, 1)
		if errors.Is(err, errBack) {
			fmt.Fprintln(out, "This is the first question; there is none before it.")
			continue
		}
		if err != nil {
			return err
		}
		if i == 0 {
			err = walk(prepareQuestions(ctx, p, prep, o))
		} else {
			err = walk(importQuestions(ctx, p, far, imp))
		}
		if !errors.Is(err, errBack) {
			return finish(err)
		}
	}
}

func prepareQuestions(ctx context.Context, p *prompter, eng wizard.Engine, o Options) []question {
	out := p.out
	var targets []*catalog.Target
	var names []string
	for _, t := range eng.Catalog().Targets() {
		if t.Name != "custom" {
			targets = append(targets, t)
			names = append(names, t.Title+" ("+t.Name+")")
		}
	}
	var t *catalog.Target
	var sel selection.Selection
	var pl *plan.Plan
	var dest string
	var sp prepare.Space
	var signer ssh.Signer
	return []question{
		{run: func() error {
			fmt.Fprintln(out, "ferry: prepare a bundle. Answer each question and press Enter; an empty answer takes the value in brackets; back returns to the question before.")
			fmt.Fprintln(out, "\nQuestion 1: which product?")
			ti, err := p.choose("Product", names, 1)
			if err != nil {
				return err
			}
			t = targets[ti]
			sel = selection.Selection{Target: t.Name}
			return nil
		}},
		{run: func() error {
			archs := t.Archs
			if len(archs) == 0 {
				archs = []string{"amd64", "arm64"}
			}
			def := 0
			for i, a := range archs {
				if a == o.MachineArch {
					def = i
				}
			}
			fmt.Fprintln(out, "\nQuestion 2: which architectures?")
			ai, err := p.chooseMany("Architectures", archs, []int{def})
			if err != nil {
				return err
			}
			sel.Archs = nil
			for _, i := range ai {
				sel.Archs = append(sel.Archs, archs[i])
			}
			return nil
		}},
		{skip: func() bool { return len(t.Versions) == 0 }, run: func() error {
			vs := t.VersionNames()
			vs[0] += " (latest)"
			fmt.Fprintln(out, "\nQuestion 3: which version?")
			vi, err := p.choose("Version", vs, 1)
			if err != nil {
				return err
			}
			sel.Version = t.Versions[vi].Version
			return nil
		}},
		{skip: func() bool { return len(t.Modules) == 0 }, run: func() error {
			var mods []string
			var defs []int
			for i, m := range t.Modules {
				label := m.Name + " — " + m.Title
				if m.Required {
					label += " (required, always carried)"
				}
				mods = append(mods, label)
				if m.Required || m.Default {
					defs = append(defs, i)
				}
			}
			fmt.Fprintln(out, "\nQuestion 4: which modules? Required ones and what the chosen ones need are always added.")
			mi, err := p.chooseMany("Modules", mods, defs)
			if err != nil {
				return err
			}
			sel.Modules = nil
			for _, i := range mi {
				sel.Modules = append(sel.Modules, t.Modules[i].Name)
			}
			return nil
		}},
		operatorsQuestion(ctx, p, eng, &t, &sel),
		{work: true, run: func() error {
			fmt.Fprintln(out, "\nResolving every image and artifact; this reads only manifests and sizes…")
			var err error
			pl, err = eng.Plan(ctx, sel, nil)
			if err != nil {
				if pl != nil {
					for _, e := range pl.Errors {
						fmt.Fprintf(out, "  problem: %s\n", e.Text(wizard.Words))
					}
				}
				return err
			}
			tot := pl.Totals
			fmt.Fprintf(out, "The bundle will carry %d images, %d Maven artifacts and %d files: %s after de-duplication (%s as listed).\n",
				tot.Images.Count, tot.Maven.Count, tot.Files.Count, size.Format(tot.Unique), size.Format(tot.Listed))
			if fit := pl.SmallestFit(); fit != "" {
				fmt.Fprintf(out, "It fits on a %s or larger.\n", fit)
			}
			return nil
		}},
		{run: func() error {
			for {
				fmt.Fprintln(out, "\nQuestion 5: where should the bundle go? Type a folder or the path of the mounted stick.")
				var err error
				dest, err = p.ask("Folder:")
				if err != nil {
					return err
				}
				if dest == "" {
					continue
				}
				sp, err = eng.Space(dest)
				if err != nil {
					fmt.Fprintf(out, "That path cannot be used: %v\n", err)
					continue
				}
				need := prepare.EstimateSize(pl)
				if sp.Unknown {
					fmt.Fprintf(out, "This file system does not say how much space is free; the bundle needs %s. Going on without that check.\n", size.Format(need))
					return nil
				}
				if sp.Free < need {
					fmt.Fprintf(out, "Not enough space there: %s needed, %s free. Choose another place.\n", size.Format(need), size.Format(sp.Free))
					continue
				}
				fmt.Fprintf(out, "%s free there; the bundle needs %s.\n", size.Format(sp.Free), size.Format(need))
				return nil
			}
		}},
		signQuestion(p, eng, o, &dest, &signer),
		{run: func() error {
			a, err := p.ask("\nStart the download now? Type y and Enter to start [n]:")
			if err != nil {
				return err
			}
			if !strings.EqualFold(a, "y") && !strings.EqualFold(a, "yes") {
				fmt.Fprintln(out, "Nothing was downloaded.")
				return errDeclined
			}
			return nil
		}},
		{work: true, run: func() error {
			opts := prepare.Options{Output: dest, PartSize: session.Split{Auto: true}.PartSize(sp), Answers: &sel, Binary: o.Binary}
			last := -1
			res, err := eng.Prepare(ctx, pl, opts, func(e events.Event) {
				if e.Stage != events.StageDownload || e.BytesTotal == 0 {
					return
				}
				pct := int(100 * e.BytesDone / e.BytesTotal)
				if pct/10 != last/10 {
					last = pct
					fmt.Fprintf(out, "Downloaded %d percent (%s of %s).\n", pct, size.Format(e.BytesDone), size.Format(e.BytesTotal))
				}
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "\nDone. The bundle is in %s: %d part(s), %s.\n", dest, len(res.Index.Parts), size.Format(res.Index.Size))
			fmt.Fprintf(out, "The bundle's code is %s. Read it to the technician, letter by letter.\n", spell(res.Index.ShortCode))
			fmt.Fprintf(out, "Index: %s\n", filepath.Join(dest, bundle.IndexName(res.Index.Name)))
			if res.Answers != "" {
				fmt.Fprintf(out, "Answers saved in %s.\n", res.Answers)
			}
			// Signed at the end, as the wizard and prepare --sign-key do;
			// the answers saved beside the bundle name no key.
			return sign(p, eng, res, signer)
		}},
	}
}

// errDeclined ends a walk the user chose not to finish; it is no failure.
var errDeclined = errors.New("declined")

func finish(err error) error {
	if errors.Is(err, errDeclined) {
		return nil
	}
	return err
}

// spell spaces a code out, letter by letter, for reading aloud.
func spell(code string) string { return strings.Join(strings.Split(code, ""), " ") }
