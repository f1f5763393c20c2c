// Package workflow is ferry's engine, free of any terminal code. Its
// sub-packages follow the journey: selection (what the engineer chose, and
// the answers file that saves it), plan (the selection resolved into every
// image, Maven artifact and file a bundle will carry, with sizes), prepare
// (the plan downloaded into a verified, resumable bundle), importer (a
// bundle checked, loaded into the site's registry and Maven repository, and
// reported), loadnode (a bundle's images into a registry-less node's image
// store) and demo (the embedded servers of `ferry demo`, the session
// options and catalog that reach them, and its ready-made bundle). session ties
// them together: the plain commands and the wizard both drive one Session.
package workflow
