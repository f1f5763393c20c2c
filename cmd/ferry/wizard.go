package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"ferry/artifacts/download"
	"ferry/targets/catalog"
	"ferry/tui/accessible"
	tuiapp "ferry/tui/app"
	"ferry/tui/farside"
	"ferry/tui/wizard"
	"ferry/workflow/plan"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
)

// engine is the wizard's view of the workflow, wired to the same code the
// plain commands use.
type engine struct {
	cat      *catalog.Catalog
	src      *sourceFlags
	cacheDir string
	repos    []string
}

func (e *engine) Catalog() *catalog.Catalog { return e.cat }

func (e *engine) Plan(ctx context.Context, sel selection.Selection, progress func(plan.Event)) (*plan.Plan, error) {
	if len(sel.MavenRepositories) == 0 {
		sel.MavenRepositories = e.repos
	}
	pl, _, err := e.src.planner(sel)
	if err != nil {
		return nil, err
	}
	pl.Catalog, pl.Progress = e.cat, progress
	return pl.Plan(ctx, sel)
}

func (e *engine) Prepare(ctx context.Context, p *plan.Plan, o prepare.Options, progress func(prepare.Event)) (*prepare.Result, error) {
	_, acc, err := e.src.planner(selection.Selection{MavenRepositories: e.repos})
	if err != nil {
		return nil, err
	}
	cache, err := download.OpenCache(e.cacheDir)
	if err != nil {
		return nil, err
	}
	prep := &prepare.Preparer{
		Downloader:  &download.Downloader{Cache: cache, Access: acc, HTTP: acc.HTTPClient()},
		Concurrency: e.src.concurrency,
		Progress:    progress,
	}
	return prep.Prepare(ctx, p, o)
}

func (e *engine) Space(path string) (prepare.Space, error) { return prepare.StatSpace(path) }

// Media lists mount points under /media, /run/media and /mnt.
func (e *engine) Media(context.Context) []wizard.Medium {
	data, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return nil
	}
	var out []wizard.Medium
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		mp := strings.ReplaceAll(f[1], `\040`, " ")
		if !strings.HasPrefix(mp, "/media/") && !strings.HasPrefix(mp, "/run/media/") && !strings.HasPrefix(mp, "/mnt/") && mp != "/mnt" {
			continue
		}
		sp, err := prepare.StatSpace(mp)
		if err != nil {
			continue
		}
		out = append(out, wizard.Medium{Path: mp, Free: sp.Free, FAT: sp.FAT || f[2] == "vfat", Label: filepath.Base(mp)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Folders lists existing folders starting with prefix.
func (e *engine) Folders(_ context.Context, prefix string) []string {
	if prefix == "" {
		prefix = "./"
	}
	if strings.HasPrefix(prefix, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			prefix = filepath.Join(h, prefix[2:])
		}
	}
	dir, base := filepath.Split(prefix)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, en := range entries {
		if en.IsDir() && strings.HasPrefix(en.Name(), base) && !strings.HasPrefix(en.Name(), ".") {
			out = append(out, filepath.Join(dir, en.Name()))
		}
	}
	return out
}

// runWizard opens the wizard, or the accessible prompts, or explains that
// a terminal is needed.
func runWizard(a *app, cmd *cobra.Command, src *sourceFlags, themeName string, accessibleFlag bool, cacheDir string, repos []string) error {
	cat, err := a.loadCatalog()
	if err != nil {
		return err
	}
	eng := &engine{cat: cat, src: src, cacheDir: cacheDir, repos: repos}
	if len(eng.repos) == 0 {
		eng.repos = []string{MavenCentral}
	}
	exe, _ := os.Executable()
	wd, _ := os.Getwd()
	opts := wizard.Options{MachineArch: runtime.GOARCH, Animate: true, DefaultOutput: filepath.Join(wd, "bundle"), Binary: exe}
	in, out := cmd.InOrStdin(), a.stdout
	inTTY := isTerminal(in)
	outTTY := isTerminal(out)
	if accessibleFlag || a.getenv("ACCESSIBLE") != "" || a.getenv("TERM") == "dumb" {
		return accessible.Run(cmd.Context(), eng, in, out, accessible.Options{MachineArch: runtime.GOARCH, Binary: exe})
	}
	if !inTTY || !outTTY {
		return usageError{fmt.Errorf("the wizard needs a terminal: use `ferry prepare` (see `ferry prepare --help`), or --accessible for plain prompts")}
	}
	th, err := a.tuiTheme(themeName)
	if err != nil {
		return err
	}
	far, farOpts := farsideSide(farside.Options{})
	o := tuiapp.Options{Theme: th, Side: tuiapp.Prepare, PrepareEngine: eng, Prepare: opts, ImportEngine: far, Import: farOpts}
	if _, err := tuiapp.Run(cmd.Context(), o, a.programOptions(in)...); err != nil && !errorsIsKilled(err) {
		return fmt.Errorf("the wizard stopped: %w", err)
	}
	return nil
}

func isTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}
