// Package registrytest starts real container registries on loopback for
// tests, as net/http/httptest starts HTTP servers: the CNCF distribution
// registry from Debian's docker-registry package as a separate process
// (optionally with TLS and htpasswd logins), or go-containerregistry's
// in-process registry. It seeds them with deterministic images of known
// sizes that can share layers, and records exactly what was pushed, so tests
// compare ferry's figures with numbers computed independently of it.
package registrytest
