// Package prepare turns a plan into a bundle: it checks free space before
// the first byte, downloads every unique blob, Maven file and plain file
// once into the cache (verified, resumable, retried), then writes the
// deterministic bundle with its index, the technician's READ-ME-FIRST.txt,
// the answers file and a copy of ferry itself. Progress is reported as
// typed events; the CLI and the wizard render the same events.
package prepare
