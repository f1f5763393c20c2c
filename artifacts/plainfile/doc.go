// Package plainfile handles the plain files a bundle carries beside images
// and Maven artifacts (installers, archives, OS images): each is fetched by
// URL and checked against the sha256 the catalog gives.
package plainfile
