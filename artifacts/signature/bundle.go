package signature

// SidecarSuffix follows a bundle's index file name to name its signature:
// NAME.ferry.json is signed into NAME.ferry.json.sig.
const SidecarSuffix = ".sig"

// SidecarName is the signature file of the index file called index.
func SidecarName(index string) string { return index + SidecarSuffix }
