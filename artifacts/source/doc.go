// Package source says how ferry reaches the registries it reads images from:
// credentials (the docker config, or a pull secret as `oc` takes), the
// certificate authorities to trust, which hosts may be spoken to over plain
// HTTP, and mirrors to fetch through while plans keep the original
// references. It also turns registry failures into sentences a person can
// act on.
package source
