package accessible

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"ferry/artifacts/bundle"
	events "ferry/artifacts/progress"
	"ferry/artifacts/push"
	"ferry/targets/mirrorconfig"
	"ferry/tui/farside"
	"ferry/workflow/importer"
	"ferry/workflow/loadnode"
	"ferry/workflow/session"
)

// nodeEngine is a far side on a node with no registry: it opens one
// bundle and loads the store, failing once when told to.
type nodeEngine struct {
	root    bool
	failOne bool
	loads   []loadnode.Options
}

var _ farside.Engine = (*nodeEngine)(nil)

func (e *nodeEngine) Find(context.Context) []session.Found { return nil }
func (e *nodeEngine) CheckFile(string) error               { return nil }
func (e *nodeEngine) Open(path string) (*bundle.Bundle, error) {
	return &bundle.Bundle{Dir: path, Index: bundle.Index{Name: "demo-2.0", Target: "demo", Version: "2.0", ShortCode: "7QK4-M2XD"}}, nil
}
func (e *nodeEngine) Verify(context.Context, *bundle.Bundle, events.Sink) error { return nil }
func (e *nodeEngine) Preflight(context.Context, session.Destination) ([]push.Check, error) {
	return nil, errors.New("no registry on this path")
}
func (e *nodeEngine) Import(context.Context, *bundle.Bundle, session.Destination, events.Sink) (*importer.Report, error) {
	return nil, errors.New("no registry on this path")
}
func (e *nodeEngine) Configure(context.Context, *bundle.Bundle, session.Destination, []string, string) ([]*mirrorconfig.Result, error) {
	return nil, nil
}
func (e *nodeEngine) Serve(context.Context, *bundle.Bundle, string, events.Sink) (string, func(), error) {
	return "", nil, errors.New("not served on this path")
}
func (e *nodeEngine) Root() bool { return e.root }
func (e *nodeEngine) LoadNode(ctx context.Context, b *bundle.Bundle, o loadnode.Options) (*loadnode.Result, error) {
	e.loads = append(e.loads, o)
	o.Progress(events.Event{Stage: events.StageImages, Item: "docker.io/apache/demo:2.0", State: events.Sent, ItemsDone: 1, ItemsTotal: 2})
	if e.failOne {
		e.failOne = false
		return &loadnode.Result{Copied: 1}, errors.New("skopeo could not copy docker.io/apache/demo-ui:2.0 into the image store: no space left on device")
	}
	o.Progress(events.Event{Stage: events.StageImages, Item: "docker.io/apache/demo-ui:2.0", State: events.Skipped, ItemsDone: 2, ItemsTotal: 2})
	return &loadnode.Result{Images: make([]loadnode.Loaded, 2), Copied: 1, Skipped: 1, PinFile: o.PinFile}, nil
}

func TestAccessibleNodePathLoadsThisNode(t *testing.T) {
	e := &nodeEngine{root: true, failOne: true}
	var out bytes.Buffer
	// the bundle's folder, the codes match, no registry: load each node,
	// another store, yes load it; it fails once, Enter loads again.
	in := "/media/usb\ny\n3\n/var/lib/site-images\ny\n\n"
	err := RunImport(context.Background(), e, strings.NewReader(in), &out, ImportOptions{ConfigDir: "/tmp/cfg"})
	require.NoError(t, err, out.String())
	text := out.String()
	require.Len(t, e.loads, 2, "loaded again after the failure")
	o := e.loads[1]
	assert.Equal(t, "/var/lib/site-images", o.Store)
	assert.Equal(t, session.NodeRunRoot, o.RunRoot)
	assert.Equal(t, "/etc/crio/crio.conf.d/50-ferry-demo-2.0.conf", o.PinFile)
	assert.Contains(t, text, "3. There is no registry here: load this node's image store now")
	assert.Contains(t, text, "Loaded 1 of 2 images.")
	assert.Contains(t, text, "This node was not loaded: skopeo could not copy docker.io/apache/demo-ui:2.0 into the image store: no space left on device")
	assert.Contains(t, text, "This node is loaded: 2 images in /var/lib/site-images (1 copied, 1 there already)")
	assert.Contains(t, text, "Pinned by /etc/crio/crio.conf.d/50-ferry-demo-2.0.conf")
	assert.Contains(t, text, "one command loads every image: ferry load-node /media/usb --store /var/lib/site-images\n")
	assert.NotContains(t, text, "Question 4", "no registry questions on this path")
}

func TestAccessibleNodePathWithoutRoot(t *testing.T) {
	e := &nodeEngine{}
	var out bytes.Buffer
	in := "/media/usb\ny\n3\n\n"
	require.NoError(t, RunImport(context.Background(), e, strings.NewReader(in), &out, ImportOptions{}))
	text := out.String()
	assert.Empty(t, e.loads)
	assert.Contains(t, text, "ferry is not running as root, so it cannot load this node")
	assert.Contains(t, text, "On this node run: sudo ferry load-node /media/usb --store /var/lib/ferry-images\n")
	assert.Contains(t, text, "one command loads every image: ferry load-node /media/usb --store /var/lib/ferry-images\n")
}
