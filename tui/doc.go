// Package tui holds ferry's terminal screens and the components they share.
// It renders workflow state and sends the user's intent back to the engine;
// it does no I/O of its own: every engine call runs in a command, under a
// context that going back or quitting cancels.
//
//   - app is the one root model and program: window size, theme, which side
//     of the gap, the quit question, and the only tea.View; its Terminal is
//     how both faces choose colour, width and theme and launch the program,
//     and Start begins a side as the full screen or the plain prompts. Its
//     tests drive it with keys and run commands synchronously; the golden
//     screens and the docs made from them live there.
//   - wizard is the connected side's steps (side, product, architectures,
//     version, modules, preview, destination, confirm, download, done).
//   - farside is the site's steps (find, code, where it goes, test, load,
//     configure, done).
//   - components are shared by both sides: frame (header, steps rail, key
//     help), field (a text field with a steady cursor), picker
//     (filterable list), progress (bar, bytes and rate), shortcode (the
//     bundle's code in a box), spinner, viewport (scrolling long content),
//     textfit (wrapping, cutting and shell-quoting text to a width) and
//     jobs (one cancel per running job).
//   - planview renders a plan as tables, for `ferry plan` and the preview;
//     accessible asks both sides' questions as plain numbered prompts;
//     secret asks a password without echo (signing keys).
//   - progressline renders the plain commands' progress: a live line, log
//     lines or JSON lines, auto chosen for the terminal; summary renders
//     what the commands and the closed full screen leave in the
//     scrollback; catalogview renders the catalog for `ferry catalog`.
package tui
