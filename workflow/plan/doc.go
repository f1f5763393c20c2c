// Package plan turns a selection into a Plan: every container image (digest,
// platforms, compressed size, bytes shared with other images), every Maven
// artifact (files and sizes) and every plain file a bundle will carry, with
// totals before and after de-duplication and the media it fits on.
//
// The Plan's JSON form is a stable, versioned contract (docs/plan.md): it is
// what `ferry plan --output json` prints and what a bundle's manifest holds.
package plan
