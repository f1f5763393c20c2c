package accessible

import (
	"context"
	"fmt"

	"ferry/artifacts/bundle"
	events "ferry/artifacts/progress"
	"ferry/tui/farside"
	"ferry/workflow/loadnode"
	"ferry/workflow/session"
)

// loadNode is the registry-less path where each node holds the images: it
// offers to load this node's image store now (as root), then gives the one
// command that loads each other node. It ends the walk.
func loadNode(ctx context.Context, p *prompter, eng farside.Engine, b *bundle.Bundle) error {
	out := p.out
	fmt.Fprintln(out, "\nWith no registry, each node holds the images itself, in an image store CRI-O and podman read, pinned so they are never removed. What a store holds already is skipped.")
	o := session.NodeOptions(b)
	store, err := p.field("Image store folder", o.Store)
	if err != nil {
		return err
	}
	o.Store = store
	var with []string
	for b.Index.FormatVersion == bundle.DeltaFormatVersion {
		base, err := p.field("This is a delta bundle: it loads over a store that holds its base. The base bundle's folder, if this node's store does not hold it yet (empty for none)", "")
		if err != nil {
			return err
		}
		if base == "" {
			break
		}
		bb, err := eng.Open(base)
		if err == nil {
			o.With, with = []*bundle.Bundle{bb}, []string{base}
			break
		}
		fmt.Fprintf(out, "The base bundle %s cannot be opened: %v\n", base, err)
	}
	command := farside.LoadNodeCommand(b.Dir, o.Store, with)
	others := func() error {
		fmt.Fprintf(out, "On each other node, as root, with the stick (or a copy of its folder) there, one command loads every image: %s\n", command)
		fmt.Fprintf(out, "Then, on every node, add the store to /etc/containers/storage.conf under [storage.options]: additionalimagestores = [%q], and restart CRI-O (systemctl restart crio).\n", o.Store)
		return errDeclined
	}
	if !eng.Root() {
		fmt.Fprintf(out, "ferry is not running as root, so it cannot load this node: the image store and CRI-O's drop-ins (/etc/crio/crio.conf.d) belong to root. On this node run: sudo %s\n", command)
		return others()
	}
	ok, err := p.yesNo("Load this node's image store now?", true)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(out, "This node was not loaded.")
		return others()
	}
	var res *loadnode.Result
	for {
		fmt.Fprintf(out, "Loading every image into %s, straight from the stick; each is read back by its digest…\n", o.Store)
		last := 0
		o.Progress = func(e events.Event) {
			if e.Stage == events.StageImages && e.ItemsTotal > 0 && e.ItemsDone*10/e.ItemsTotal != last*10/e.ItemsTotal {
				last = e.ItemsDone
				fmt.Fprintf(out, "Loaded %d of %d images.\n", e.ItemsDone, e.ItemsTotal)
			}
		}
		res, err = eng.LoadNode(ctx, b, o)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return err
		}
		fmt.Fprintf(out, "This node was not loaded: %v\n", err)
		if _, err := p.ask("Fix it, then press Enter to load again; what is loaded already is skipped (or type back):"); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "This node is loaded: %d images in %s (%d copied, %d there already), each checked in the store by its digest.\n", len(res.Images), o.Store, res.Copied, res.Skipped)
	if res.PinFile != "" {
		fmt.Fprintf(out, "Pinned by %s: CRI-O never removes them.\n", res.PinFile)
	}
	return others()
}
