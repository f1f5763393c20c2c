// Package tui holds ferry's terminal screens and the components they share.
// It renders workflow state and sends the user's intent back to the engine;
// it does no I/O of its own. Sub-packages are one component or screen each
// (planview renders a plan as tables, for `ferry plan` and the wizard's
// preview).
package tui
