package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"ferry/tui/planview"
	"ferry/tui/summary"
	"ferry/workflow/plan"
)

func newPlanCmd(a *app) *cobra.Command {
	var sf selectFlags
	var src sourceFlags
	var output string
	var have []string
	c := command("plan", func(cmd *cobra.Command, _ []string) error {
		p, sess, _, err := a.resolve(cmd, &sf, &src, (&progressFlag{"plain"}).renderer(a))
		if p == nil {
			return err
		}
		if herr := sess.MeasureAgainst(cmd.Context(), p, have); herr != nil {
			return herr
		}
		if output == "json" {
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(p); err != nil {
				return err
			}
		} else {
			fmt.Fprint(a.out(), planview.Render(p, a.theme(), a.term().Width(), wordsOf(cmd)))
		}
		if errors.Is(err, plan.ErrIncomplete) {
			// Each failure was printed with the plan; say so once on stderr too.
			summary.PlanErrors(a.stderr, p, wordsOf(cmd))
			return reportedError{err}
		}
		return err
	})
	sf.register(c)
	src.register(c)
	parsedVar(c.Flags(), &output, "output", "o", "table", "table, or json for the stable plan format (docs/plan.md)", oneOf("table", "json"))
	haveFlag(c, &have)
	return c
}
