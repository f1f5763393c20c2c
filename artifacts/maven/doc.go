// Package maven handles the Maven artifacts a bundle carries: coordinates
// (groupId:artifactId:version[:packaging[:classifier]]), the lists engineers
// bring, and resolving a coordinate against one or more Maven repositories
// into the files it needs in repository layout (POM, main file, checksum
// sidecars) with their sizes.
package maven
