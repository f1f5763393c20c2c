// Package inventory is what a site already holds, carried back across the
// gap so the next bundle leaves it out: the file `ferry inventory` writes
// (the manifests and blobs a site registry answered for), and the other
// files that say the same thing — an earlier bundle, its manifest, or the
// report of its import. None of them holds a credential.
package inventory
