// Package containerstore writes images into a containers-storage image
// store — the on-disk layout CRI-O, podman and skopeo read, here as an
// additional, read-only image store — without the containers libraries:
// for the vfs driver, each layer a full directory tree of its parent with
// the layer's diff applied, the layer and image records (layers.json,
// images.json), each image's manifest and config stored under the keys the
// libraries look them up by, each layer's tar-split record (so the image
// can be copied back out byte for byte) and the lock files the libraries
// take and watch. Layer and image IDs are computed as the containers
// libraries compute them, so a store written here and one written by
// skopeo share layers.
package containerstore
