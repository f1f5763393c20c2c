package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	tuiapp "ferry/tui/app"
	"ferry/workflow/demo"
)

func newDemoCmd(a *app) *cobra.Command {
	var auto bool
	var pace time.Duration
	var themeName string
	c := command("demo", func(cmd *cobra.Command, _ []string) error {
		d, err := demo.Start(cmd.Context(), "")
		if err != nil {
			return err
		}
		defer d.Close()
		sess, err := d.Session(a.catalogs, version)
		if err != nil {
			return err
		}
		th, err := a.term().Theme(themeName)
		if err != nil {
			return err
		}
		ao := tuiapp.Demo(d, sess, d.Dir, th)
		if auto {
			ao.Auto = pace
		}
		// Both sides play in one program.
		r, err := a.term().Walk(cmd.Context(), ao, cmd.InOrStdin(), auto)
		if errors.Is(err, tuiapp.ErrNoTerminal) {
			return usageError{fmt.Errorf("the demo needs a terminal; `ferry demo --auto` also plays without one")}
		} else if err != nil {
			return err
		}
		if err := a.summarize(r); err != nil {
			return err
		}
		fmt.Fprintf(a.out(), "Demo complete: a bundle was prepared from the upstream side and loaded into the site registry (%s) and Maven repository (%d files), with its mirror configuration. Everything it wrote has been removed.\n", d.Site, d.SiteFiles())
		return nil
	})
	c.Flags().BoolVar(&auto, "auto", false, "play the walkthrough by itself, at --pace")
	c.Flags().DurationVar(&pace, "pace", 1200*time.Millisecond, "with --auto, the pause between keys")
	themeFlag(c, &themeName, "colours")
	return c
}
