package summary

import (
	"fmt"
	"io"

	"ferry/artifacts/bundle"
	"ferry/themes"
	"ferry/workflow/loadnode"
)

// LoadedNode is `ferry load-node`'s result: what went into the store, the
// pin drop-in, and how to make the runtime read the store.
func LoadedNode(w io.Writer, th themes.Theme, idx bundle.Index, store string, res *loadnode.Result) {
	fmt.Fprintf(w, "%s %s (code %s) into %s: %d images copied, %d already there; each checked in the store by its digest\n",
		th.OK.Render("Loaded"), idx.Name, idx.ShortCode, store, res.Copied, res.Skipped)
	if res.PinFile != "" {
		fmt.Fprintf(w, "  pinned in %s\n", res.PinFile)
	}
	fmt.Fprintf(w, "%s make the runtime read the store: in /etc/containers/storage.conf, under [storage.options], add\n  additionalimagestores = [%q]\nthen restart CRI-O (systemctl restart crio). Do the same on every node.\n", th.Title.Render("Next:"), store)
}
