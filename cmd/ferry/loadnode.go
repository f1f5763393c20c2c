package main

import (
	"github.com/spf13/cobra"

	"ferry/tui/summary"
	"ferry/workflow/loadnode"
	"ferry/workflow/session"
)

func newLoadNodeCmd(a *app) *cobra.Command {
	var store, runRoot, driver, pinFile, arch, via string
	var progress progressFlag
	var with []string
	var noPin bool
	c := &cobra.Command{
		Use:   "load-node BUNDLE",
		Short: "On a node with no registry: put the bundle's images into a read-only image store, pinned",
		Long: `load-node runs on a node (as root) where no registry can be reached. It puts
every image of the bundle into a containers-storage image store (--store) that
CRI-O and podman read as an additional image store, writes a CRI-O drop-in that
pins them (pinned_images) so the runtime never removes them, and checks
through the store's own view that each image is there by its digest.

The bundle is read where it is and served on loopback; skopeo (which RHCOS
ships) writes the store, or, where skopeo is absent, ferry itself (vfs
stores only; --via chooses). Images the store holds already are skipped, so it is
safe to run again after an interruption. A delta bundle loads over a store
that holds its base (or give the base with --with).`,
		Example: `  sudo ./ferry load-node /media/usb
  sudo ./ferry load-node /media/usb2/app-1.1.ferry.json --store /var/lib/ferry-images`,
		Args: exactArgs(1, "name the bundle to load: its folder, its .ferry.json index or one of its parts"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := progress.check(); err != nil {
				return err
			}
			sess, b, err := a.openBundle(args[0])
			if err != nil {
				return err
			}
			o := loadnode.Options{Store: store, RunRoot: runRoot, Driver: driver, Arch: arch, Via: via}
			if o.With, err = openWith(sess, with); err != nil {
				return err
			}
			if !noPin {
				o.PinFile = pinFile
				if o.PinFile == "" {
					o.PinFile = loadnode.DefaultPinFile(b.Index.Name)
				}
			}
			r := progress.renderer(a)
			o.Progress = r.Sink()
			res, err := sess.LoadNode(cmd.Context(), b, o)
			r.Finish()
			if err != nil {
				return err
			}
			summary.LoadedNode(a.out(), a.theme(), b.Index, store, res)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&store, "store", session.NodeStore, "the image store's folder: an additional image store for CRI-O and podman")
	f.StringVar(&runRoot, "runroot", session.NodeRunRoot, "the image store's runtime folder")
	f.StringVar(&driver, "driver", session.NodeDriver, "the storage driver of the node's runtime (overlay, or vfs)")
	f.StringVar(&arch, "arch", "", "the architecture to load of multi-architecture images (default: the bundle's only one, else this machine's)")
	f.StringArrayVar(&with, "with", nil, "a base bundle of a delta, repeatable, when its images are not in the store yet")
	f.StringVar(&pinFile, "pin-file", "", "the CRI-O drop-in pinning the images (default: /etc/crio/crio.conf.d/50-ferry-BUNDLE.conf)")
	f.BoolVar(&noPin, "no-pin", false, "do not write the CRI-O pin drop-in")
	f.StringVar(&via, "via", "", "who writes the store: skopeo, or native (ferry itself, vfs only) (default: skopeo when installed, else native)")
	progress.register(c)
	return c
}
