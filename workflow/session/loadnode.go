package session

import (
	"context"
	"os"

	"ferry/artifacts/bundle"
	"ferry/workflow/loadnode"
)

// Where load-node puts a bundle's images unless told otherwise: the
// additional image store that ferry's registry-less mirror configuration
// names, its runtime folder, and the storage driver of RHCOS's CRI-O.
const (
	NodeStore   = "/var/lib/ferry-images"
	NodeRunRoot = "/run/ferry-images"
	NodeDriver  = "overlay"
)

// NodeOptions are load-node's defaults for b: the store, its runtime
// folder and driver, and the pin drop-in (a CRI-O drop-in named for the
// bundle).
func NodeOptions(b *bundle.Bundle) loadnode.Options {
	return loadnode.Options{Store: NodeStore, RunRoot: NodeRunRoot, Driver: NodeDriver, PinFile: loadnode.DefaultPinFile(b.Index.Name)}
}

// CanLoadNode says whether this process may write a node's image store
// and CRI-O's drop-ins: only root may.
func CanLoadNode() bool { return os.Geteuid() == 0 }

// LoadNode puts every image of b into this node's image store, skipping
// what the store holds, checking each by its digest and pinning them
// (loadnode.Loader.Load).
func (s *Session) LoadNode(ctx context.Context, b *bundle.Bundle, o loadnode.Options) (*loadnode.Result, error) {
	return (&loadnode.Loader{FS: s.FS}).Load(ctx, b, o)
}
