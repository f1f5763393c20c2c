// Package bundletest forges bundles for tests: a manifest, the entries a
// test chooses, SHA256SUMS, the parts and an index whose part checksums
// are right, so that a bundle looks whole to every check that reads only
// the index and the parts. Entries can be hostile (a flipped byte under
// the original sha256, a symlink, a duplicate name, a name escaping with
// ../, a recorded size that disagrees with the data), and a part can be
// damaged after it was written, as a bad medium would, to test what the
// far side does with each.
package bundletest
