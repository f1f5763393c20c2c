// Package workflow is ferry's engine, free of any terminal code. Its
// sub-packages follow the journey: selection (what the engineer chose, and
// the answers file that saves it) and plan (the selection resolved into
// every image, Maven artifact and file a bundle will carry, with sizes).
// The plain commands and the wizard drive the same code.
package workflow
