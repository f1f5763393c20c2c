package accessible

import (
	"bufio"
	"context"
	"errors"
	events "ferry/artifacts/progress"
	"fmt"
	"io"
	"strconv"
	"strings"

	"ferry/artifacts/bundle"
	"ferry/artifacts/push"
	"ferry/artifacts/size"
	"ferry/targets/mirrorconfig"
	"ferry/tui/farside"
	"ferry/workflow/importer"
	"ferry/workflow/session"
)

// ImportOptions tune the far side's prompts.
type ImportOptions struct {
	// Path is the bundle's location, when known.
	Path string
	// Destination pre-fills where it goes (from the command's flags).
	Destination session.Destination
	// ConfigDir is where mirror configuration is written.
	ConfigDir string
}

// RunImport asks the far side's questions — find the bundle, check its
// code, where it goes, test the connection, load, configure — making the
// same engine calls as the far side's screens.
func RunImport(ctx context.Context, eng farside.Engine, in io.Reader, out io.Writer, o ImportOptions) error {
	p := &prompter{in: bufio.NewReader(in), out: out}
	return finish(walkFirst(p, importQuestions(ctx, p, eng, o)))
}

// yesNo asks a y/n question; empty takes def.
func (p *prompter) yesNo(q string, def bool) (bool, error) {
	d := "n"
	if def {
		d = "y"
	}
	for {
		a, err := p.ask(fmt.Sprintf("%s y/n [%s]:", q, d))
		if err != nil {
			return false, err
		}
		switch strings.ToLower(a) {
		case "":
			return def, nil
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
		fmt.Fprintln(p.out, "Please type y or n.")
	}
}

// field asks for a value; empty keeps def.
func (p *prompter) field(q, def string) (string, error) {
	prompt := q + ":"
	if def != "" {
		prompt = fmt.Sprintf("%s [%s]:", q, def)
	}
	a, err := p.ask(prompt)
	if err != nil {
		return "", err
	}
	if a == "" {
		return def, nil
	}
	if a == "-" {
		return "", nil
	}
	return a, nil
}

// percent prints a line each time progress passes another tenth.
func percent(out io.Writer, verb string) func(done, total int64) {
	last := -1
	return func(done, total int64) {
		if total <= 0 {
			return
		}
		pct := int(100 * done / total)
		if pct/10 != last/10 {
			last = pct
			fmt.Fprintf(out, "%s %d percent (%s of %s).\n", verb, pct, size.Format(done), size.Format(total))
		}
	}
}

func importQuestions(ctx context.Context, p *prompter, eng farside.Engine, o ImportOptions) []question {
	out := p.out
	d := o.Destination
	var b *bundle.Bundle
	verified := ""
	var trust session.Trust
	serve := false
	var rep *importer.Report
	var results []*mirrorconfig.Result
	loadOnly := func() bool { return serve }
	return []question{
		{run: func() error {
			fmt.Fprintln(out, "ferry: import a bundle. Answer each question and press Enter; an empty answer takes the value in brackets; back returns to the question before.")
			fmt.Fprintln(out, "\nQuestion 1: where is the bundle? Plug in the USB stick first.")
			found := eng.Find(ctx)
			def := o.Path
			for i, f := range found {
				fmt.Fprintf(out, "  %d. %s (%s %s, %d of %d parts, %s)\n", i+1, f.Path, f.Index.Target, f.Index.Version, f.Present, len(f.Index.Parts), size.Format(f.Index.Size))
			}
			if len(found) == 0 {
				fmt.Fprintln(out, "No bundle was found on mounted media (/media, /run/media, /mnt).")
			} else if def == "" {
				def = "1"
			}
			for {
				q := "Type a number from the list, or the folder the bundle is in"
				if len(found) == 0 {
					q = "Type the folder the bundle is in"
				}
				a, err := p.field(q, def)
				if err != nil {
					return err
				}
				if n, err := strconv.Atoi(a); err == nil && n >= 1 && n <= len(found) {
					a = found[n-1].Path
				}
				if a == "" {
					continue
				}
				if b, err = eng.Open(a); err != nil {
					fmt.Fprintf(out, "That is not a bundle ferry can read: %v\n", err)
					continue
				}
				if trust, err = askTrust(p, eng, b); err != nil {
					return err
				}
				return nil
			}
		}},
		{run: func() error {
			ix := b.Index
			fmt.Fprintf(out, "\nQuestion 2: does the code match? The bundle is %s %s (%s; modules %s), %d part(s), %s.\n", ix.Target, ix.Version, strings.Join(ix.Archs, ", "), strings.Join(ix.Modules, ", "), len(ix.Parts), size.Format(ix.Size))
			fmt.Fprintf(out, "Its code is %s. Ask the engineer who made it to read you theirs.\n", spell(ix.ShortCode))
			fmt.Fprintln(out, trustSentence(trust))
			ok, err := p.yesNo("Do the codes match?", true)
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(out, "Do not load this bundle: it is not the one the engineer made. Find the right stick, or ask for the bundle again.")
				return errBack
			}
			if verified == b.Dir {
				return nil
			}
			for {
				fmt.Fprintln(out, "Checking every part and every item in it…")
				pr := percent(out, "Checked")
				err := eng.Verify(ctx, b, func(e events.Event) {
					if e.BytesTotal > 0 {
						pr(e.BytesDone, e.BytesTotal)
					}
				})
				if err == nil {
					verified = b.Dir
					fmt.Fprintln(out, "The bundle is whole: every part and every item matches.")
					return nil
				}
				if ctx.Err() != nil {
					return err
				}
				fmt.Fprintf(out, "The bundle is damaged: %v\n", err)
				if _, err := p.ask("Copy the part again, then press Enter to check again (or type back):"); err != nil {
					return err
				}
			}
		}},
		{run: func() error {
			fmt.Fprintln(out, "\nQuestion 3: does the site have a container registry (and a Maven repository) to load the bundle into?")
			i, err := p.choose("Where it goes", []string{"Load it into the site's registry and Maven repository", "There is no registry here: serve the bundle from this machine", "There is no registry here: load this node's image store now, then one command per other node"}, 1)
			if err != nil {
				return err
			}
			if i == 2 {
				return loadNode(ctx, p, eng, b)
			}
			serve = i == 1
			if serve {
				fmt.Fprintf(out, "Serve it with `ferry serve %s`, keep that running and the stick plugged in while the nodes pull, and point them at it with `ferry configure --bundle %s --registry ADDRESS --insecure --platform crio` (or containerd, openshift).\n", b.Dir, b.Dir)
				return errDeclined
			}
			return nil
		}},
		{skip: loadOnly, run: func() error {
			fmt.Fprintln(out, "\nQuestion 4: where does it go? Type - to clear a value in brackets.")
			for {
				var err error
				if d.Registry, err = p.field("Registry address (host:port, and a folder prefix if you like, e.g. registry.site:5000/mirror; empty for none)", d.Registry); err != nil {
					return err
				}
				if d.MavenURL == "" && d.MavenDir != "" {
					d.MavenURL = d.MavenDir
				}
				if d.MavenURL, err = p.field("Maven repository URL, or a folder to copy the Maven files into (empty for none)", d.MavenURL); err != nil {
					return err
				}
				d.MavenDir = ""
				if d.MavenURL != "" && !strings.Contains(d.MavenURL, "://") {
					d.MavenDir, d.MavenURL = d.MavenURL, ""
				}
				if d.Registry != "" || d.MavenURL != "" || d.MavenDir != "" {
					return nil
				}
				fmt.Fprintln(out, "Type a registry address, a Maven repository, or both.")
			}
		}},
		{skip: func() bool { return serve || d.Registry == "" }, run: func() error {
			fmt.Fprintln(out, "\nQuestion 5: how does ferry reach the registry?")
			var err error
			if d.Username, err = p.field("Registry username (empty to use your docker config)", d.Username); err != nil {
				return err
			}
			if d.Username != "" && d.Password == "" {
				if d.Password, err = p.ask("Registry password (what you type is shown; ferry never writes it anywhere):"); err != nil {
					return err
				}
			}
			ca := strings.Join(d.CAFiles, ",")
			if ca, err = p.field("CA file, if the site uses its own certificates (empty for none)", ca); err != nil {
				return err
			}
			d.CAFiles = nil
			if ca != "" {
				d.CAFiles = strings.Split(ca, ",")
			}
			if d.Insecure, err = p.yesNo("Plain HTTP, only for a registry without TLS?", d.Insecure); err != nil {
				return err
			}
			if d.Insecure {
				fmt.Fprintln(out, "Plain HTTP: images travel unencrypted on the site network.")
			}
			return nil
		}},
		{skip: loadOnly, run: func() error {
			for {
				fmt.Fprintln(out, "\nTesting the connection before sending anything…")
				checks, err := eng.Preflight(ctx, d)
				printChecks(out, checks)
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					return err
				}
				fmt.Fprintf(out, "%v\n", err)
				if _, err := p.ask("Fix it, then press Enter to test again (or type back to change the answers):"); err != nil {
					return err
				}
			}
			ok, err := p.yesNo("Everything is ready. Load the bundle now?", true)
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(out, "Nothing was loaded.")
				return errDeclined
			}
			return nil
		}},
		{work: true, skip: loadOnly, run: func() error {
			for {
				fmt.Fprintln(out, "\nLoading: images go to the registry and Maven files to the repository, straight from the stick. What is already there is skipped.")
				pr := percent(out, "Loaded")
				var err error
				rep, err = eng.Import(ctx, b, d, func(e events.Event) {
					if e.Stage == events.StageImages && e.BytesTotal > 0 {
						pr(e.BytesDone, e.BytesTotal)
					}
				})
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					return err
				}
				fmt.Fprintf(out, "%v\nNothing that failed is reported as loaded.\n", err)
				if _, err := p.ask("Press Enter to load again; what is already there is skipped:"); err != nil {
					if errors.Is(err, errBack) {
						fmt.Fprintln(out, "The load cannot be undone; press Enter to load again, or stop with ctrl+c.")
						continue
					}
					return err
				}
			}
			if rep.Registry != "" {
				fmt.Fprintf(out, "Loaded %d images into %s.\n", len(rep.Images), rep.Registry)
			}
			if rep.Maven != nil {
				fmt.Fprintf(out, "Loaded %d Maven files into %s.\n", rep.Maven.Files, rep.Maven.Destination)
			}
			fmt.Fprintf(out, "Checked: %s.\n", rep.Summary())
			return nil
		}},
		{skip: loadOnly, run: func() error {
			fmt.Fprintln(out, "\nQuestion 6: which kinds of machines will pull from the mirror? ferry writes their configuration to "+o.ConfigDir+".")
			for i, pl := range mirrorconfig.Platforms {
				fmt.Fprintf(out, "  %d. %s\n", i+1, pl)
			}
			for {
				a, err := p.ask("Platforms, numbers separated by commas (empty for none):")
				if err != nil {
					return err
				}
				if a == "" {
					return nil
				}
				var chosen []string
				for _, f := range strings.Split(a, ",") {
					n, err := strconv.Atoi(strings.TrimSpace(f))
					if err != nil || n < 1 || n > len(mirrorconfig.Platforms) {
						chosen = nil
						break
					}
					chosen = append(chosen, mirrorconfig.Platforms[n-1])
				}
				if chosen == nil {
					fmt.Fprintf(out, "Please type numbers from 1 to %d, separated by commas.\n", len(mirrorconfig.Platforms))
					continue
				}
				results, err = eng.Configure(ctx, b, d, chosen, o.ConfigDir)
				if err != nil {
					if ctx.Err() != nil {
						return err
					}
					fmt.Fprintf(out, "%v\n", err)
					continue
				}
				for _, r := range results {
					fmt.Fprintf(out, "\n%s: written to %s/%s. Steps to apply it:\n", r.Platform, o.ConfigDir, r.Platform)
					for i, st := range r.Steps {
						fmt.Fprintf(out, "  %d. %s\n", i+1, st)
					}
				}
				return nil
			}
		}},
		{work: true, skip: loadOnly, run: func() error {
			fmt.Fprintln(out, "\nDone. The bundle is loaded and checked.")
			if rep.Path != "" {
				fmt.Fprintf(out, "Report: %s\n", rep.Path)
			}
			for _, pr := range rep.Problems {
				fmt.Fprintf(out, "Still to do: %s\n", pr)
			}
			if len(results) == 0 {
				fmt.Fprintf(out, "Still to do: write the mirror configuration with `%s`.\n", farside.ConfigureCommand(b.Dir, d))
			} else {
				fmt.Fprintf(out, "Mirror configuration: %s; each platform's steps are in its STEPS.md there.\n", o.ConfigDir)
			}
			return nil
		}},
	}
}

func printChecks(out io.Writer, checks []push.Check) {
	for _, c := range checks {
		if c.OK {
			fmt.Fprintf(out, "  ok: %s\n", c.Name)
		} else {
			fmt.Fprintf(out, "  failed: %s\n", c.Name)
		}
	}
}
