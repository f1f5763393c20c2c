// Package signature signs and checks bundles with SSH signatures: ed25519
// keys in OpenSSH's own key formats, and detached signatures in OpenSSH's
// SSHSIG format (PROTOCOL.sshsig), so a site can check a signature with
// `ssh-keygen -Y verify` as well as with ferry.
//
// What a bundle's signature covers is its index file, byte for byte: the
// index holds every part's sha256 and the manifest's digest, so a part or
// an index rewritten after signing no longer matches.
package signature
