// Package selection holds what the engineer chose (target, version,
// architectures, modules, and any lists they brought) and reads and writes
// it as an answers file, so a choice made once in the wizard can be replayed
// by `--answers FILE`.
package selection
