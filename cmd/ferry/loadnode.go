package main

import (
	"github.com/spf13/cobra"

	"ferry/tui/summary"
	"ferry/workflow/loadnode"
	"ferry/workflow/session"
)

func newLoadNodeCmd(a *app) *cobra.Command {
	var o loadnode.Options
	var progress progressFlag
	var with []string
	var noPin bool
	c := command("load-node", func(cmd *cobra.Command, args []string) error {
		sess, b, err := a.openBundle(args[0])
		if err != nil {
			return err
		}
		if noPin {
			o.PinFile = ""
		} else if o.PinFile == "" {
			o.PinFile = loadnode.DefaultPinFile(b.Index.Name)
		}
		if o.With, err = openWith(sess, with); err != nil {
			return err
		}
		r := progress.renderer(a)
		o.Progress = r.Sink()
		res, err := sess.LoadNode(cmd.Context(), b, o)
		r.Finish()
		if err != nil {
			return err
		}
		summary.LoadedNode(a.out(), a.theme(), b.Index, o.Store, res)
		return nil
	})
	f := c.Flags()
	f.StringVar(&o.Store, "store", session.NodeStore, "the image store's folder: an additional image store for CRI-O and podman")
	f.StringVar(&o.RunRoot, "runroot", session.NodeRunRoot, "the image store's runtime folder")
	f.StringVar(&o.Driver, "driver", session.NodeDriver, "the storage driver of the node's runtime (overlay, or vfs)")
	f.StringVar(&o.Arch, "arch", "", "the architecture to load of multi-architecture images (default: the bundle's only one, else this machine's)")
	f.StringArrayVar(&with, "with", nil, "a base bundle of a delta, repeatable, when its images are not in the store yet")
	f.StringVar(&o.PinFile, "pin-file", "", "the CRI-O drop-in pinning the images (default: /etc/crio/crio.conf.d/50-ferry-BUNDLE.conf)")
	f.BoolVar(&noPin, "no-pin", false, "do not write the CRI-O pin drop-in")
	parsedVar(f, &o.Via, "via", "", "", "who writes the store: skopeo, or native (ferry itself, vfs only) (default: skopeo when installed, else native)", oneOf("", "skopeo", "native"))
	progress.register(c)
	return c
}
