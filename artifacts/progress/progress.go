package progress

// Stages of long work: what an event is about.
const (
	// StagePlan: a selection resolves into a plan, item by item.
	StagePlan = "plan"
	// StageCheck: free space is checked before the first byte.
	StageCheck = "check"
	// StageDownload: images, Maven files and plain files are fetched.
	StageDownload = "download"
	// StageWrite: the bundle's parts are written.
	StageWrite = "write"
	// StageVerify: a bundle's parts and items are checked.
	StageVerify = "verify"
	// StageImages: images are pushed into a registry.
	StageImages = "images"
	// StageMaven: Maven files are uploaded or copied.
	StageMaven = "maven"
	// StageServe: a served bundle is pulled from.
	StageServe = "serve"
	// StageDone: the operation finished; the figures are final.
	StageDone = "done"
)

// States of an item. Downloading, Writing, Reading and Sending only move
// bytes forward (see Event.ByteUpdate); every other state is a change a
// coalescer never drops.
const (
	Queued      = "queued"
	Downloading = "downloading"
	Retrying    = "retrying"
	Verified    = "verified"
	Cached      = "cached"
	Failed      = "failed"
	Resolved    = "resolved"
	Writing     = "writing"
	Reading     = "reading"
	Checked     = "checked"
	Sending     = "sending"
	Sent        = "sent"
	Uploaded    = "uploaded"
	Skipped     = "skipped"
	Pulled      = "pulled"
)

// Event is one report of long work. Overall figures (BytesDone of
// BytesTotal, ItemsDone of ItemsTotal) are the stage's and never go
// backwards within it.
type Event struct {
	Stage string
	// Item is what the event is about (a digest, a Maven path, a part, a
	// reference); Label says it for people when Item does not.
	Item, Label string
	State       string
	// ItemBytes of ItemSize is the item's own progress, when it has one.
	ItemBytes, ItemSize   int64
	BytesDone, BytesTotal int64
	ItemsDone, ItemsTotal int
	// Attempt counts retries of the item (0 for the first try).
	Attempt int
	// Err says why the item failed or is retried.
	Err error
}

// ByteUpdate reports whether e only moves bytes forward, so that a later
// event of the stage says all it says.
func (e Event) ByteUpdate() bool {
	switch e.State {
	case Downloading, Writing, Reading, Sending:
		return e.Err == nil
	}
	return false
}

// Name is Label, or Item when there is no label.
func (e Event) Name() string {
	if e.Label != "" {
		return e.Label
	}
	return e.Item
}

// Sink receives events. Engines call it one call at a time; a nil Sink
// discards them.
type Sink func(Event)

// Send gives e to the sink, if there is one.
func (s Sink) Send(e Event) {
	if s != nil {
		s(e)
	}
}
