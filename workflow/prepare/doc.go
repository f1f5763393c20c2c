// Package prepare turns a plan into a bundle: it checks free space before
// the first byte, downloads every unique blob, Maven file and plain file
// once into the cache (verified, resumable, retried), then writes the
// deterministic bundle with its index, the technician's READ-ME-FIRST.txt,
// the answers file and a copy of ferry itself. Progress is reported as
// progress.Event; the CLI and the wizard render the same events.
//
// The files hold one job each: prepare.go the Preparer and its run,
// choices.go the options read from text (cache copies, SOURCE_DATE_EPOCH),
// worklist.go what to fetch and from where, space.go the free-space checks
// and the size estimate, download.go the downloads and their progress,
// mavenimage.go the Maven files read out of an image, compose.go what the
// bundle holds and where each file comes from (laid out by bundle.Layout
// and described by bundle.Manifest, which own the format's order, paths
// and encoding), write.go the writing of the stream,
// stream.go and spool.go the blobs streamed from the registry straight
// into the parts when the cache keeps no copy, readme.go the technician's
// READ-ME-FIRST.txt, extras.go what else travels beside the bundle.
//
// READ-ME-FIRST.txt and the answers file go through the Preparer's
// afero.Fs. The bundle's data path (the cache, the parts, the copy of
// ferry) keeps package os: it needs O_DIRECT, fsync, statfs for free
// space and file-system type, and ENOSPC reported as such.
package prepare
