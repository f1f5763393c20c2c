// Package closure works out everything Maven will ask for when it builds
// offline: the transitive dependencies of a set of root coordinates or of
// a project's pom.xml, resolved with Maven's own rules (parents, imported
// BOMs, properties, dependencyManagement, exclusions, scopes, nearest
// wins, version ranges, relocations), every parent and BOM POM read along
// the way, and the build plugins of the lifecycle phases the user runs,
// each with its own closure. Every artifact in the result says why it is
// there.
//
// It reads POMs through a Fetcher (package maven's Resolver) and does no
// other I/O. It parses POMs itself rather than through deps.dev's model,
// which drops dependencies whose properties do not interpolate, has no
// build plugins and no artifactId interpolation; and it resolves the graph
// itself rather than through deps.dev's resolver, whose root package links
// gRPC and protobuf into the binary.
package closure
