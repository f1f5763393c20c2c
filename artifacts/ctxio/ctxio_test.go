package ctxio

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReaderStopsAtTheNextReadOnceCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	r := Reader(ctx, bytes.NewReader(make([]byte, 8)))
	buf := make([]byte, 4)
	n, err := r.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	cancel()
	n, err = r.Read(buf)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, n)
}
