// Package imagefs reads one folder out of a container image's layers, as
// the image's final filesystem has it, without unpacking the rest of the
// image: a Maven repository inside a builder image, for example, which
// ferry carries as Maven artifacts rather than as the whole image.
//
// List reports the folder's regular files with their sizes, permission
// bits and SHA-1 and SHA-256 sums; Extract does the same and also writes
// the files into a local folder. Both read each layer's compressed stream
// once, base layer first (a second time only for the hard links below),
// can be cancelled through their context, report what they read in
// Result.BytesRead, and keep in memory only one small record per
// path under the folder; file contents only pass through.
//
// Reading bottom-up and applying each layer as a container runtime does
// (later entries replace earlier ones, whiteouts remove, opaque whiteouts
// hide a folder's lower content) was chosen over a first pass that finds
// the topmost version of every path and a second that reads it: layers are
// compressed streams, so even a headers-only pass costs the whole download,
// and a second pass would read most layers twice. Hashing every version of
// a file costs CPU instead, and an extracted file that a higher layer
// replaces is written twice; both are cheap next to a download.
//
// The rules followed:
//   - Entry names are cleaned and taken from the image's root ("./a",
//     "/a" and "a" are the same path). An entry whose name climbs above the
//     root, or a hard link whose target does, is ignored; entries whose
//     cleaned names fall outside the folder play no part.
//   - An entry whose parent is, at that point, a file or a symbolic link is
//     ignored: a runtime would refuse it, or write through the link to
//     another path than its name says. Layers that turn a file into a
//     folder name the folder first, which replaces the file.
//   - ".wh.NAME" removes NAME and everything below it from lower layers;
//     ".wh..wh..opq" in a folder hides everything lower layers put there.
//     Either may hit the folder itself or one of its parents.
//   - A hard link gets the content of its target as the filesystem holds it
//     at that point. A target outside the folder is a file earlier in the
//     same layer, which the pass did not keep; that layer is then read a
//     second time, and the bytes are counted in Result.BytesRead.
//   - Symbolic links are not followed: they are reported in
//     Result.Symlinks with their target as the image stores it, and never
//     created on disk, so nothing Extract writes points outside its folder.
//     Maven repositories normally have none.
//   - When the folder or one of its parents ends up missing, a file, or a
//     symbolic link, the error is a *NoFolderError (errors.Is ErrNoFolder)
//     that says which, in a sentence a user can act on.
package imagefs
