// Package registrytest starts real container registries on loopback for
// tests, as net/http/httptest starts HTTP servers: the CNCF distribution
// registry from Debian's docker-registry package as a separate process
// (StartDistribution, optionally with TLS and htpasswd logins), or
// go-containerregistry's registry in process (StartInProcess).
//
// Registry.Push seeds either with deterministic images of known sizes whose
// layers can be shared between images and platforms, and records what was
// pushed from the bytes it sent. ExpectedListed and ExpectedUnique total
// those records, so tests compare ferry's figures with numbers computed
// without any of ferry's code.
//
// FaultProxy stands between a client and a registry to count bytes and
// inject the failures of flaky networks.
package registrytest
