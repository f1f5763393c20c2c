package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"ferry/targets/catalog"
	"ferry/tui/catalogview"
)

func newCatalogCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "catalog",
		Short: "List and show the targets ferry can carry",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the targets in the catalog",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cat, err := a.loadCatalog()
			if err != nil {
				return err
			}
			catalogview.List(a.out(), a.theme(), cat.Targets())
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "lint PATH...",
		Short: "Check catalog files, folders of them or requirement folders: format, names, references, templates for every version",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("name the catalog files to check, for example `ferry catalog lint my-catalog.yaml`")}
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			builtin, err := catalog.Builtin()
			if err != nil {
				return err
			}
			w, th := a.out(), a.theme()
			for _, f := range args {
				ts, err := catalog.ReadPath(f)
				if err != nil {
					return err
				}
				catalogview.Linted(w, th, f, ts, builtin)
			}
			return nil
		},
	})
	var version string
	show := &cobra.Command{
		Use:   "show TARGET",
		Short: "Show a target: versions, architectures, modules and what each carries",
		Args:  exactArgs(1, "name the target to show, for example `ferry catalog show sonataflow`"),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			cat, err := a.loadCatalog()
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			var names []string
			for _, t := range cat.Targets() {
				names = append(names, t.Name+"\t"+t.Title)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			cat, err := a.loadCatalog()
			if err != nil {
				return err
			}
			t, err := cat.Target(args[0])
			if err != nil {
				return usageError{err}
			}
			if err := catalogview.Target(a.out(), a.theme(), t, version); errors.Is(err, catalog.ErrUnknown) {
				return usageError{err}
			} else if err != nil {
				return err
			}
			return nil
		},
	}
	show.Flags().StringVar(&version, "version", "", "show the items of this version (default: the latest)")
	c.AddCommand(show)
	return c
}

// exactArgs is cobra.ExactArgs with a sentence that says what to type.
func exactArgs(n int, hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s", hint)}
		}
		return nil
	}
}
