package summary

import (
	"fmt"
	"io"

	"ferry/artifacts/inventory"
	"ferry/themes"
)

// Inventory is `ferry inventory`'s result: what the registry holds of what
// was asked, where the file is, and where it goes next.
func Inventory(w io.Writer, th themes.Theme, inv *inventory.Inventory, path string) {
	fmt.Fprintf(w, "%s %s: %s holds %d manifests and %d blobs of %d asked about, in %d repositories\n",
		th.OK.Render("Inventory written:"), path, inv.Registry, len(inv.Manifests), len(inv.Blobs), inv.Checked, len(inv.Repositories))
	fmt.Fprintf(w, "%s carry %s back and give it to ferry prepare --have.\n", th.Title.Render("Next:"), path)
}
