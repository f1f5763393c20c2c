// Package selection holds what the engineer chose (target, version,
// architectures, modules, and any lists they brought) and reads and writes
// it as an answers file, so a choice made once in the wizard can be replayed
// by `--answers FILE`. It also reads the lists of images, Maven
// coordinates and plain files a selection carries on top of its target, and
// checks and completes a selection before it is planned. Given builds the
// selection a command plans: an answers file with the settings given
// besides it laid over it (Overlay, by answers-file key), and the lists.
package selection
