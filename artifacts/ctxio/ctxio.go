// Package ctxio stops a long copy when its context ends: a reader that
// fails its next read once the context is done, so copying a large file
// (a blob into the parts, a jar into a Maven folder, a layer into an image
// store) stops within one read of a Ctrl-C rather than at the file's end.
package ctxio

import (
	"context"
	"io"
)

// Reader is r, failing its next read with ctx's error once ctx is done.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
