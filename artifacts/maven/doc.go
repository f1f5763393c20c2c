// Package maven handles the Maven artifacts a bundle carries: coordinates
// (groupId:artifactId:version[:packaging[:classifier]]) and the lists
// engineers bring; resolving a coordinate against one or more Maven
// repositories into the files it needs in repository layout (POM, main
// file, checksum sidecars) with their sizes; and deploying those files into
// the site's repository on the far side of the gap. It never prints, and
// never shows the credentials a repository URL carries.
package maven
