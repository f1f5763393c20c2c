// Package download fetches what a bundle carries into a content-addressed
// cache: registry blobs and manifests by digest, Maven files checked
// against their repository's checksums, plain files checked against the
// catalog's sha256. Every download is verified while it streams, resumed
// with an HTTP Range request after an interruption (or restarted alone
// when the server ignores Range), and retried with backoff on 5xx, 429
// (honouring Retry-After) and dropped connections. Nothing unverified is
// ever stored as complete.
package download
