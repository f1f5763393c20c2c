// Package jobs keeps one cancel function per running piece of engine work
// (a plan, a download, a verify, a server), so that going back or quitting
// stops exactly the work it leaves behind. Every job's context is derived
// from the app's, so quitting the app cancels them all.
package jobs

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Set is the running jobs of one side of the gap, by name.
type Set struct {
	parent  context.Context
	cancels map[string]context.CancelFunc
}

// New starts an empty set whose jobs derive from parent.
func New(parent context.Context) *Set {
	if parent == nil {
		parent = context.Background()
	}
	return &Set{parent: parent, cancels: map[string]context.CancelFunc{}}
}

// Context is the app's context, for short engine calls that are not
// jobs of their own (listing media or folders).
func (s *Set) Context() context.Context { return s.parent }

// Start gives the job called name a fresh context, cancelling the one it
// had before (a plan started again replaces the stale one).
func (s *Set) Start(name string) context.Context {
	s.Cancel(name)
	ctx, cancel := context.WithCancel(s.parent)
	s.cancels[name] = cancel
	return ctx
}

// Cancel stops the job called name, if it runs.
func (s *Set) Cancel(name string) {
	if c, ok := s.cancels[name]; ok {
		c()
		delete(s.cancels, name)
	}
}

// Finish forgets a job that has reported back, releasing its context.
func (s *Set) Finish(name string) { s.Cancel(name) }

// Running says whether the job called name has been started and has not
// finished or been cancelled.
func (s *Set) Running(name string) bool {
	_, ok := s.cancels[name]
	return ok
}

// CancelAll stops every job (on quit).
func (s *Set) CancelAll() {
	for n := range s.cancels {
		s.Cancel(n)
	}
}

// Ticker makes the timer commands that re-read progress while work runs.
// It is tea.Tick in the program; tests pass one that returns nil, so that
// commands run synchronously and no timer is left waiting.
type Ticker func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd

// Tick is the Ticker of a real program.
func Tick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd { return tea.Tick(d, fn) }
