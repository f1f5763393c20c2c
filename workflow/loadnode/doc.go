// Package loadnode puts a bundle's images onto a node that has no registry
// to pull from: into a containers-storage image store that CRI-O and
// podman read as an additional, read-only image store, pinned so the
// runtime never removes them, each checked afterwards through the
// storage's own view. It reads the bundle where it is: the bundle is
// served on loopback for the copy, and skopeo (which RHCOS ships) writes
// the store — or, where skopeo is absent, ferry itself through
// artifacts/containerstore (vfs stores only). Its pin drop-in goes where
// CRI-O reads drop-ins unless the caller says (DefaultPinFile), through the
// Loader's afero.Fs; the image store is image data and keeps package os.
package loadnode
