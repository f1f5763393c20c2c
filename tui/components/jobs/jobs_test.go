package jobs

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSet(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	s := New(parent)
	first := s.Start("plan")
	again := s.Start("plan")
	assert.ErrorIs(t, first.Err(), context.Canceled, "starting again cancels the stale job")
	assert.NoError(t, again.Err())
	assert.True(t, s.Running("plan"))
	s.Cancel("plan")
	assert.ErrorIs(t, again.Err(), context.Canceled)
	assert.False(t, s.Running("plan"))

	a, b := s.Start("a"), s.Start("b")
	s.CancelAll()
	assert.Error(t, a.Err())
	assert.Error(t, b.Err())

	c := s.Start("c")
	cancel()
	assert.Error(t, c.Err(), "jobs derive from the app's context")
}
