// Package bundle writes, reads and verifies ferry bundles: one
// deterministic tar stream (manifest first, then image blobs, image
// manifests and indexes, the OCI layout's index.json and oci-layout, Maven
// files, plain files, and SHA256SUMS last), split into parts of a chosen
// size, with a small sidecar index naming every part with its size and
// sha256. The format is specified in docs/bundle-format.md.
//
// Layout is the one place that knows the entries' order and paths: the
// writer of a bundle adds what it carries and writes Layout.Entries in
// turn; Verify and the readers place what they read with KindOf and the
// path functions.
//
// Every long read (Verify, Walk, Scan, CheckParts, ReadManifest) takes a
// context and stops within one read-ahead buffer when it is cancelled.
//
// The far side trusts nothing it has not checked. Open refuses an index or
// a part that is not a regular file before opening it; every reader of the
// stream makes the same checks of each entry (a regular file, named once,
// inside the bundle, of a size the stream holds); documents read whole are
// bounded (MaxBundleManifestSize, MaxImageManifestSize) and image graphs
// are walked with Graph, each digest once and at most MaxNesting deep.
//
// The parts are read and written with package os, not through an
// afero.Fs: writing needs fsync of parts and folders and must see ENOSPC
// as such, and reading uses O_DIRECT so that verify checks what the medium
// holds rather than the page cache.
package bundle
