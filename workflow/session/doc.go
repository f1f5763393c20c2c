// Package session is the engine both of ferry's faces drive: the plain
// commands and the wizard build one Session from Options (how to reach the
// sources, where the download cache is) and walk the whole journey through
// its methods — selection → plan → bundle on the connected side; media →
// bundle → verify → import → configure → serve on the far side.
//
// A Session holds what both sides share: source access, the catalog, and
// the machine it runs on (file system, mounts file, media roots), which come
// in through its fields so tests can swap them. It never prints: long work
// takes a context and reports progress through the callback the caller
// passes in.
//
// WriteBundle is the connected side's whole prepare from a plan: measured
// against what the site holds, cut for the file system at the output,
// written and signed.
//
// It also holds what a face would otherwise read for itself from plain
// values: the site's logins from the environment or an input
// (Destination.WithLogins), signing keys made and opened with their
// password (GenerateKey, OpenSigningKey, KeyPasswordEnv) and the bundle prepare
// just wrote signed (SignPrepared), an inventory saved (SaveInventory), and
// the images of a bundle or a saved plan (CarriedBy).
package session
