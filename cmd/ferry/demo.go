package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"ferry/targets/catalog"
	"ferry/themes"
	"ferry/tui/farside"
	"ferry/tui/wizard"
	"ferry/workflow/demo"
	"ferry/workflow/session"
)

// autoMsg asks a scripted walkthrough for its next key.
type autoMsg struct{}

func newDemoCmd(a *app) *cobra.Command {
	var auto bool
	var pace time.Duration
	var themeName string
	c := &cobra.Command{
		Use:   "demo",
		Short: "The whole journey, both sides, on this machine with no network",
		Long: `demo starts, on loopback with free ports, an "upstream" registry and Maven
repository seeded with small generated content whose references are the
built-in sonataflow target's, and a "site" registry and Maven repository; then
runs the wizard through both sides: preparing a bundle, and importing it with
its mirror configuration. Nothing leaves this machine, and everything is
removed on exit. --auto plays the walkthrough by itself at a readable pace,
for a projector, and exits 0 when both sides completed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := os.MkdirTemp("", "ferry-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			d, err := demo.Start(cmd.Context(), dir)
			if err != nil {
				return err
			}
			defer d.Close()
			cat, err := catalog.Load(append(a.catalogs, d.Catalog)...)
			if err != nil {
				return err
			}
			o := session.Options{InsecureHosts: []string{d.Upstream}, Mirrors: d.Mirrors(), CacheDir: filepath.Join(dir, "cache"), MavenRepositories: []string{d.UpstreamMaven}}
			sess, err := a.session(o, cat)
			if err != nil {
				return err
			}
			eng := wizardEngine{sess}
			th := a.theme()
			if !a.plain() {
				if th, err = themes.ByName(themeName, true); err != nil {
					return usageError{err}
				}
			}
			arch := runtime.GOARCH
			if arch != "amd64" && arch != "arm64" {
				arch = "amd64"
			}
			stick := filepath.Join(dir, "usb-stick")
			w := wizard.New(eng, th, wizard.Options{MachineArch: arch, Archs: []string{"amd64", "arm64"}, Product: demo.Target, Animate: true, DefaultOutput: stick, Banner: demo.Banner})
			if err := a.play(cmd, w, auto, pace, func() (string, bool) {
				if w.Ready() {
					return "enter", true
				}
				return "", false
			}); err != nil {
				return err
			}
			if w.Step() != "Done" {
				if auto {
					return fmt.Errorf("the demo stopped on the connected side at %q", w.Step())
				}
				return nil
			}
			far := *sess
			far.MediaRoots = []string{dir}
			f := farside.New(farEngine{&far}, th, farside.Options{
				Path:        stick,
				Destination: farside.Destination{Registry: d.Site + "/mirror", Insecure: true, MavenURL: d.SiteMaven},
				ConfigDir:   filepath.Join(dir, "mirror-config"),
				Banner:      demo.Banner,
			})
			if err := a.play(cmd, f, auto, pace, f.Ready); err != nil {
				return err
			}
			if f.Step() != "Done" {
				if auto {
					return fmt.Errorf("the demo stopped on the far side at %q", f.Step())
				}
				return nil
			}
			fmt.Fprintf(a.out(), "Demo complete: a bundle was prepared from the upstream side and loaded into the site registry (%s) and Maven repository (%d files), with its mirror configuration. Everything it wrote has been removed.\n", d.Site, d.SiteFiles())
			return nil
		},
	}
	c.Flags().BoolVar(&auto, "auto", false, "play the walkthrough by itself, at --pace")
	c.Flags().DurationVar(&pace, "pace", 1200*time.Millisecond, "with --auto, the pause between keys")
	c.Flags().StringVar(&themeName, "theme", themes.Default, "colours: "+themes.Default+", "+themes.HighContrast+", "+themes.Mono)
	return c
}

// play runs one wizard; with auto, a ticker asks next() for the key to
// press, on the event loop, where reading the model is safe.
func (a *app) play(cmd *cobra.Command, m tea.Model, auto bool, pace time.Duration, next func() (string, bool)) error {
	opts := []tea.ProgramOption{tea.WithContext(cmd.Context()), tea.WithOutput(a.stdout)}
	if a.plain() {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	if !isTerminal(cmd.InOrStdin()) || !isTerminal(a.stdout) {
		if !auto {
			return usageError{fmt.Errorf("the demo needs a terminal; `ferry demo --auto` also plays without one")}
		}
		opts = append(opts, tea.WithInput(nil), tea.WithWindowSize(100, 30), tea.WithoutSignalHandler())
	} else {
		opts = append(opts, tea.WithInput(cmd.InOrStdin()))
	}
	if auto {
		opts = append(opts, tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(autoMsg); !ok {
				return msg
			}
			k, ok := next()
			if !ok {
				return nil
			}
			switch k {
			case "enter":
				return tea.KeyPressMsg{Code: tea.KeyEnter}
			case "space":
				return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
			}
			return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		}))
	}
	p := tea.NewProgram(m, opts...)
	if auto {
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			t := time.NewTicker(pace)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					p.Send(autoMsg{})
				}
			}
		}()
	}
	_, err := p.Run()
	if err != nil && !errorsIsKilled(err) {
		return err
	}
	return nil
}
