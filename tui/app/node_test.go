package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	events "ferry/artifacts/progress"
	"ferry/workflow/loadnode"
)

// nodeFake is this machine as the registry-less path loads it.
type nodeFake struct {
	root bool
	// delta opens every bundle but a base as a delta bundle.
	delta bool
	err   error
	// during, when set, runs after the first image is reported.
	during func(ctx context.Context)
	loads  int
	opts   loadnode.Options
}

// Root says whether the app runs as root.
func (f *fake) Root() bool { return f.node.root }

// LoadNode reports two images, the first there already, then succeeds,
// or fails with node.err; a cancel stops it after the first.
func (f *fake) LoadNode(ctx context.Context, b *bundle.Bundle, o loadnode.Options) (*loadnode.Result, error) {
	n := &f.node
	n.loads++
	n.opts = o
	refs := []string{"docker.io/apache/demo-operator:2.0", "docker.io/apache/demo-ui:2.0"}
	res := &loadnode.Result{}
	for i, ref := range refs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if n.err != nil && i == 1 {
			return res, n.err
		}
		st := events.Sent
		ld := loadnode.Loaded{Reference: ref, Digest: fmt.Sprintf("sha256:%064d", i)}
		if i == 0 {
			st, ld.Skipped = events.Skipped, true
			res.Skipped++
		} else {
			res.Copied++
		}
		res.Images = append(res.Images, ld)
		o.Progress(events.Event{Stage: events.StageImages, Item: ref, State: st, ItemsDone: i + 1, ItemsTotal: len(refs)})
		if i == 0 && n.during != nil {
			n.during(ctx)
		}
	}
	res.PinFile = o.PinFile
	return res, nil
}

// trimmed is the screen without the spaces that pad its lines.
func trimmed(d *driver) string {
	lines := strings.Split(d.screen(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// toNode opens the bundle and chooses the registry-less path where the
// nodes hold the images.
func toNode(d *driver) {
	d.t.Helper()
	d.press("enter", "y", "down", "down", "enter")
	require.Equal(d.t, "Where it goes", d.step())
}

func TestNodePathNotRoot(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		f := &fake{}
		d := newImport(t, f, sz[0], sz[1])
		toNode(d)
		s := d.screen()
		assert.Contains(t, s, "ferry is not running as root, so it cannot load this node")
		assert.Contains(t, s, "sudo ferry load-node /media/tech/USB/bundle --store")
		assert.Contains(t, s, "/var/lib/ferry-images")
		d.golden(fmt.Sprintf("import/3-node-not-root-%dx%d", sz[0], sz[1]))
		d.press("enter")
		assert.Zero(t, f.node.loads, "nothing loads without root")
		assert.Contains(t, d.screen(), "Without root ferry cannot load this node: run the sudo command above.")
		d.press("ctrl+c", "y")
		require.True(t, d.quit)
		r := d.m.Result()
		assert.Equal(t, Cancelled, r.Outcome)
		assert.Nil(t, r.Import.Node)
		assert.Equal(t, "ferry load-node /media/tech/USB/bundle --store /var/lib/ferry-images", r.Import.NodeCommand)
	}
}

func TestNodePathLoadsThisNode(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		f := &fake{node: nodeFake{root: true}}
		d := newImport(t, f, sz[0], sz[1])
		toNode(d)
		assert.Contains(t, d.screen(), "Press Enter to load this node now.")
		assert.Contains(t, d.screen(), "ferry load-node /media/tech/USB/bundle --store")
		d.golden(fmt.Sprintf("import/3-node-%dx%d", sz[0], sz[1]))
		// The store is a field: q is text in it, ctrl+u empties it.
		d.press("ctrl+u")
		d.typeText("/var/lib/site-images")
		f.node.during = func(context.Context) {
			assert.Contains(t, d.screen(), "1 of 2 images")
			assert.Contains(t, d.screen(), "docker.io/apache/demo-operator:2.0 (there already)")
			d.golden(fmt.Sprintf("import/3-node-loading-%dx%d", sz[0], sz[1]))
		}
		d.press("enter")
		require.Equal(t, 1, f.node.loads)
		o := f.node.opts
		assert.Equal(t, "/var/lib/site-images", o.Store)
		assert.Equal(t, "/run/ferry-images", o.RunRoot, "the rest as load-node's defaults")
		assert.Equal(t, "overlay", o.Driver)
		assert.Equal(t, "/etc/crio/crio.conf.d/50-ferry-demo-2.0.conf", o.PinFile)
		s := d.screen()
		assert.Contains(t, s, "✓ 2 images in /var/lib/site-images (1 copied, 1 there already)")
		assert.Contains(t, s, "/etc/crio/crio.conf.d/50-ferry-demo-2.0.conf")
		assert.Contains(t, s, `additionalimagestores = ["/var/lib/site-images"]`)
		assert.Contains(t, s, "ferry load-node /media/tech/USB/bundle --store /var/lib/site-images")
		d.golden(fmt.Sprintf("import/3-node-done-%dx%d", sz[0], sz[1]))
		d.press("enter")
		require.True(t, d.quit)
		r := d.m.Result()
		assert.Equal(t, Done, r.Outcome)
		require.NotNil(t, r.Import.Node)
		assert.Equal(t, 1, r.Import.Node.Copied)
	}
}

func TestNodePathFailureAndResume(t *testing.T) {
	f := &fake{node: nodeFake{root: true, err: errors.New("skopeo could not copy docker.io/apache/demo-ui:2.0 into the image store: writing blob: no space left on device")}}
	d := newImport(t, f, 80, 24)
	toNode(d)
	d.press("enter")
	s := d.screen()
	assert.Contains(t, s, "This node was not loaded: skopeo could not copy")
	assert.Contains(t, s, "no space left on device")
	assert.Contains(t, s, "press Enter to load again; what is loaded already is skipped")
	d.golden("import/3-node-failed-80x24")
	r := d.m.Result()
	assert.ErrorContains(t, r.Err, "no space left on device")
	f.node.err = nil
	d.press("enter")
	assert.Equal(t, 2, f.node.loads)
	assert.Contains(t, d.screen(), "This node is loaded")
}

func TestNodePathCancel(t *testing.T) {
	f := &fake{node: nodeFake{root: true}}
	d := newImport(t, f, 80, 24)
	toNode(d)
	// q while loading asks first; any other key keeps going.
	f.node.during = func(ctx context.Context) {
		d.press("q")
		assert.Contains(t, d.screen(), "Stop loading?")
		d.press("n")
		require.NoError(t, ctx.Err())
		assert.Contains(t, d.screen(), "esc stops")
		d.press("esc")
		assert.Error(t, ctx.Err(), "esc cancels the load's context")
	}
	d.press("enter")
	s := d.screen()
	assert.Contains(t, s, "Stopped after 1 of 2 images; they stay in the store. Enter loads again and")
	assert.NotContains(t, s, "This node is loaded")
	r := d.m.Result()
	assert.NoError(t, r.Err, "a stop is no failure")
	f.node.during = nil
	d.press("enter")
	assert.Contains(t, d.screen(), "This node is loaded")
	// esc goes back to the store, then to the choice of path.
	d.press("esc", "esc")
	assert.Contains(t, d.screen(), "Where does it go?")
}

func TestNodePathDeltaNamesTheBase(t *testing.T) {
	f := &fake{node: nodeFake{root: true, delta: true}}
	d := newImport(t, f, 80, 24)
	toNode(d)
	assert.Contains(t, d.screen(), "A delta bundle loads over a store that holds its base")
	d.press("tab")
	d.typeText("/media/tech/USB/base")
	assert.Contains(t, trimmed(d), "--with \\\n  /media/tech/USB/base", "the command shown carries the base")
	d.press("enter")
	require.Len(t, f.node.opts.With, 1)
	assert.Equal(t, "/media/tech/USB/base", f.node.opts.With[0].Dir)
	assert.Contains(t, trimmed(d), "ferry load-node /media/tech/USB/bundle --store /var/lib/ferry-images --with \\\n  /media/tech/USB/base")
}
