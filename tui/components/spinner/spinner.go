// Package spinner is the small turning mark shown while work runs. It
// turns only when asked to animate, so test screens stay stable.
package spinner

var frames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// Model is one spinner.
type Model struct {
	// Animate turns it; when off it shows a still ellipsis.
	Animate bool
	frame   int
}

// Step turns it by one frame (on each progress tick).
func (m *Model) Step() { m.frame++ }

// View is the current frame.
func (m Model) View() string {
	if !m.Animate {
		return "…"
	}
	return frames[m.frame%len(frames)]
}
