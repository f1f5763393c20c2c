// Package olm carries Operator Lifecycle Manager content: it reads the
// file-based catalog an operator catalog image holds, picks the bundles a
// list of wishes asks for (channel heads, and the packages they require),
// and builds a filtered catalog image that holds only those, so a bundle
// never carries a whole upstream catalog.
//
// The catalog model here is small on purpose: olm.package, olm.channel,
// olm.bundle and olm.deprecations, with only the fields selection needs. Every blob kept in the
// filtered catalog is written back as the catalog had it, byte for byte, so
// fields this package does not model survive. operator-registry's own
// declarative config types were not used: the module is not reachable from
// the build here, and it depends on large parts of Kubernetes.
//
// The files hold one job each: wish.go the operators file, fbc.go the
// catalog's blobs and their reading, pick.go channel heads and
// dependencies, versions.go version ranges and cutting a channel to a
// valid upgrade graph, filter.go the filtered catalog's content and image,
// reader.go reading a catalog out of an image.
package olm
