package bundletest

import (
	"archive/tar"
	"strings"

	"ferry/artifacts/bundle"
)

// Hostile is a bundle every reader must refuse, and the sentence it must
// be refused with.
type Hostile struct {
	Name string
	// Spec forges it; a fresh spec on each call.
	Spec func() Spec
	// Want is part of the sentence; Is the sentinel it matches.
	Want string
	Is   error
	// Graph is set for a bundle only a walk of its images shows hostile
	// (full verify, serve, import of images), not a scan of its entries.
	Graph bool
}

// HostileJar is the Maven file the hostile bundles carry besides a POM.
const HostileJar = "maven/org/x/x/1/x-1.jar"

// MavenEntries are a small Maven artifact, whole.
func MavenEntries() []Entry {
	return []Entry{
		File(HostileJar, make([]byte, 9000)),
		File("maven/org/x/x/1/x-1.pom", []byte("<project/>")),
	}
}

// HostileBundles are the shapes of bundle the far side refuses: links,
// devices and FIFOs among the entries, a name carried twice, names escaping
// the bundle, a declared size past the end of the stream, an oversized
// manifest, and image indexes nested too deep.
func HostileBundles() []Hostile {
	with := func(extra ...Entry) func() Spec {
		return func() Spec { return Spec{Entries: append(MavenEntries(), extra...)} }
	}
	return []Hostile{
		{Name: "symlink over a jar", Spec: with(Symlink(HostileJar, "/etc/passwd")),
			Want: HostileJar + " is a symbolic link, not a regular file", Is: bundle.ErrUnsafePath},
		{Name: "hard link", Spec: with(Entry{Name: "maven/org/x/x/1/x-1.war", Type: tar.TypeLink, Linkname: HostileJar}),
			Want: "maven/org/x/x/1/x-1.war is a hard link, not a regular file", Is: bundle.ErrUnsafePath},
		{Name: "device", Spec: with(Entry{Name: "files/tty", Type: tar.TypeChar}),
			Want: "files/tty is a device, not a regular file", Is: bundle.ErrUnsafePath},
		{Name: "fifo entry", Spec: with(Entry{Name: "files/pipe", Type: tar.TypeFifo}),
			Want: "files/pipe is a FIFO, not a regular file", Is: bundle.ErrUnsafePath},
		{Name: "duplicate", Spec: with(File(HostileJar, []byte("other"))),
			Want: "the bundle carries " + HostileJar + " twice", Is: bundle.ErrUnsafePath},
		{Name: "escape", Spec: with(File("maven/../../evil", []byte("owned"))),
			Want: `"maven/../../evil" points outside the bundle`, Is: bundle.ErrUnsafePath},
		{Name: "absolute", Spec: with(File("/etc/evil", []byte("owned"))),
			Want: `"/etc/evil" points outside the bundle`, Is: bundle.ErrUnsafePath},
		{Name: "huge declared size", Spec: func() Spec {
			s := with(Entry{Name: "files/big", Data: []byte("short"), HeaderSize: 10 << 30})()
			s.NoChecksums = true
			return s
		}, Want: "the bundle's entry files/big says it holds 10.0 GiB but the bundle ends", Is: bundle.ErrIncomplete},
		{Name: "oversized manifest", Spec: func() Spec {
			return Spec{Plan: []byte(`{"pad":"` + strings.Repeat("x", 33<<20) + `"}`), Entries: MavenEntries()}
		}, Want: "the bundle manifest ferry-bundle.json is 33.0 MiB, more than the 32 MiB a bundle manifest may be", Is: bundle.ErrTooLarge},
		{Name: "indexes nested too deep", Spec: func() Spec { return NestedIndexes(bundle.MaxNesting+2, 1) },
			Want: "nests image indexes more than 8 deep", Is: bundle.ErrTooDeep, Graph: true},
	}
}
