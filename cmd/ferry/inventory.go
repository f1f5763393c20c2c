package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"ferry/tui/summary"
	"ferry/workflow/session"
)

func newInventoryCmd(a *app) *cobra.Command {
	var reg registryFlags
	var planFile, bundlePath, output string
	c := &cobra.Command{
		Use:   "inventory",
		Short: "Write what the site registry already holds, as a small file to carry back for a delta bundle",
		Long: `inventory asks the site's registry which manifests and blobs of a plan's or a
bundle's images it already holds, in the repositories ` + "`ferry import`" + ` loads them
into (same --registry prefix and --repo-mapping): one HEAD each, nothing
downloaded. It writes a small JSON file to carry back to the connected side,
where ` + "`ferry prepare --have FILE`" + ` leaves all of that out of the next bundle.

Ask about the images of the bundle last loaded (--bundle), or of the plan of
the next one, carried here beforehand (--plan, from ferry plan --output json).
Credentials are given as for ferry import and never go into the file.`,
		Example: `  ferry inventory --registry registry.site:5000/mirror --bundle /media/usb --output site-inventory.json
  ferry inventory --registry registry.site:5000 --plan next-plan.json --ca-file site-ca.pem --output site-inventory.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case reg.registry == "":
				return usageError{fmt.Errorf("say which registry to ask with --registry HOST[:PORT][/PREFIX]")}
			case output == "":
				return usageError{fmt.Errorf("say where the inventory goes with --output FILE")}
			case (planFile == "") == (bundlePath == ""):
				return usageError{fmt.Errorf("say which images to ask about: --plan FILE or --bundle BUNDLE, one of them")}
			}
			d, err := reg.destination()
			if err != nil {
				return err
			}
			sess, err := a.session(session.Options{}, nil)
			if err != nil {
				return err
			}
			if d, err = a.logins(d, cmd.InOrStdin(), reg.passStdin, false); err != nil {
				return err
			}
			inv, err := sess.Inventory(cmd.Context(), d, session.InventoryScope{Plan: planFile, Bundle: bundlePath}, nil)
			if err != nil {
				return err
			}
			if err := sess.SaveInventory(inv, output); err != nil {
				return err
			}
			summary.Inventory(a.out(), a.theme(), inv, output)
			return nil
		},
	}
	reg.register(c, map[string]string{"repo-mapping": "nested or flat, as the images were imported"})
	reg.registerLogin(c, "how many HEAD requests at once")
	f := c.Flags()
	f.StringVar(&planFile, "plan", "", "ask about the images of this plan (ferry plan --output json)")
	f.StringVar(&bundlePath, "bundle", "", "ask about the images of this bundle (its folder, .ferry.json index or a part)")
	f.StringVarP(&output, "output", "o", "", "file to write the inventory to (JSON)")
	return c
}
