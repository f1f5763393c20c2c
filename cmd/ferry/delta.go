package main

import "github.com/spf13/cobra"

// haveFlag registers --have, what the site already holds, on plan and
// prepare.
func haveFlag(c *cobra.Command, have *[]string) {
	c.Flags().StringArrayVar(have, "have", nil, "what the site already holds, repeatable: an inventory (ferry inventory), an earlier bundle or its ferry-bundle.json, or an import report (.json); a delta bundle leaves those blobs out")
}
