// Package progress is the one progress event every long operation reports
// (planning, prepare's downloads and bundle write, verify, import, serve)
// and the sink it is sent to. It sits below artifacts and workflow, so both
// report in the same shape and both faces, the plain commands and the
// screens, render the same event.
//
// Engines send every event; faces wrap their sink in a Coalescer, which
// keeps every change of state and lets through about ten byte updates a
// second, so that a fast download never floods a terminal or a screen.
package progress
