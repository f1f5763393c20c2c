// Package mirrorconfig writes the configuration that points clients at the
// site's mirror registry and Maven repository, one writer per platform, each
// with the numbered steps a technician follows to apply it.
package mirrorconfig
