// Package prepare turns a plan into a bundle: it checks free space before
// the first byte, downloads every unique blob, Maven file and plain file
// once into the cache (verified, resumable, retried), then writes the
// deterministic bundle with its index, the technician's READ-ME-FIRST.txt,
// the answers file and a copy of ferry itself. Progress is reported as
// progress.Event; the CLI and the wizard render the same events.
//
// The files hold one job each: worklist.go what to fetch and from where,
// space.go the free-space checks and the size estimate, download.go the
// downloads and their progress, compose.go the bundle's contents and
// manifest (laid out by bundle.Layout, which owns the format's order and
// paths), write.go the writing of the stream, extras.go what travels
// beside it.
//
// READ-ME-FIRST.txt and the answers file go through the Preparer's
// afero.Fs. The bundle's data path (the cache, the parts, the copy of
// ferry) keeps package os: it needs O_DIRECT, fsync, statfs for free
// space and file-system type, and ENOSPC reported as such.
package prepare
