package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"ferry/tui/summary"
	"ferry/workflow/session"
)

func newInventoryCmd(a *app) *cobra.Command {
	var reg registryFlags
	var scope session.InventoryScope
	var output string
	c := command("inventory", func(cmd *cobra.Command, _ []string) error {
		switch {
		case reg.Registry == "":
			return usageError{fmt.Errorf("say which registry to ask with --registry HOST[:PORT][/PREFIX]")}
		case output == "":
			return usageError{fmt.Errorf("say where the inventory goes with --output FILE")}
		case (scope.Plan == "") == (scope.Bundle == ""):
			return usageError{fmt.Errorf("say which images to ask about: --plan FILE or --bundle BUNDLE, one of them")}
		}
		if err := reg.Check(); err != nil {
			return usageError{err}
		}
		sess, err := a.session(session.Options{}, nil)
		if err != nil {
			return err
		}
		d, err := a.logins(reg.Destination, cmd.InOrStdin(), reg.passStdin, false)
		if err != nil {
			return err
		}
		inv, err := sess.Inventory(cmd.Context(), d, scope, nil)
		if err != nil {
			return err
		}
		if err := sess.SaveInventory(inv, output); err != nil {
			return err
		}
		summary.Inventory(a.out(), a.theme(), inv, output)
		return nil
	})
	reg.register(c, map[string]string{"repo-mapping": "nested or flat, as the images were imported"})
	reg.registerLogin(c, "how many HEAD requests at once")
	f := c.Flags()
	f.StringVar(&scope.Plan, "plan", "", "ask about the images of this plan (ferry plan --output json)")
	f.StringVar(&scope.Bundle, "bundle", "", "ask about the images of this bundle (its folder, .ferry.json index or a part)")
	f.StringVarP(&output, "output", "o", "", "file to write the inventory to (JSON)")
	return c
}
