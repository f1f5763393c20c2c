// Package bundle writes, reads and verifies ferry bundles: one
// deterministic tar stream (manifest first, then image blobs, image
// manifests and indexes, the OCI layout's index.json and oci-layout, Maven
// files, plain files, and SHA256SUMS last), split into parts of a chosen
// size, with a small sidecar index naming every part with its size and
// sha256. The format is specified in docs/bundle-format.md.
package bundle
