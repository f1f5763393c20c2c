// Package image resolves container image references into what a bundle will
// carry for them: the digest, the manifests for the chosen architectures,
// and every config and layer blob with its compressed size. It also reads
// the plain image lists engineers bring (--images FILE).
package image
