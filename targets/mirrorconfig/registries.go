package mirrorconfig

import (
	"fmt"
	"strings"
)

// registriesConf writes a containers-registries.conf(5) v2 drop-in, which
// CRI-O, Podman, Buildah and skopeo all read.
func registriesConf(r *Result, in Input, platform string) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by ferry for %s: pull these repositories from the site mirror.\n", in.Name)
	for _, m := range in.Mirrors {
		fmt.Fprintf(&b, "\n[[registry]]\nprefix = %s\nlocation = %s\n\n[[registry.mirror]]\nlocation = %s\n",
			tomlString(m.Source), tomlString(m.Source), tomlString(m.Target))
		if in.Insecure {
			b.WriteString("insecure = true\n")
		}
	}
	file := fmt.Sprintf("%s/registries.conf.d/50-ferry-%s.conf", platform, in.Name)
	r.add(file, []byte(b.String()))
	r.Steps = append(r.Steps, fmt.Sprintf("On every host, copy %s to /etc/containers/registries.conf.d/.", file))
	if len(in.CAPEM) > 0 {
		ca := platform + "/certs.d/" + in.Registry + "/ca.crt"
		r.add(ca, in.CAPEM)
		r.Steps = append(r.Steps, fmt.Sprintf("Copy %s to /etc/containers/certs.d/%s/ca.crt, so the mirror's certificate is trusted.", ca, in.Registry))
	}
	sigstoreAttachments(r, in, platform)
	check := "podman pull"
	if platform == "crio" {
		r.Steps = append(r.Steps, "Restart CRI-O: `systemctl restart crio`.")
		check = "crictl pull"
	}
	r.Steps = append(r.Steps, fmt.Sprintf("Check: `%s %s` succeeds with the internet unplugged.", check, example(in)))
}

// sigstoreAttachments writes a containers-registries.d(5) file that makes
// CRI-O and Podman read the cosign signatures and attestations the mirror
// holds beside each image (the sha256-<hex>.sig tags), as a signature
// policy of type sigstoreSigned needs. It is named for the mirror, not
// the bundle: every bundle loaded there writes the same file, and
// registries.d refuses two files configuring one registry.
func sigstoreAttachments(r *Result, in Input, platform string) {
	if in.Registry == "" {
		return
	}
	doc := map[string]any{"docker": map[string]any{in.Registry: map[string]bool{"use-sigstore-attachments": true}}}
	name := strings.NewReplacer(":", "-", "/", "-").Replace(in.Registry)
	file := fmt.Sprintf("%s/registries.d/ferry-%s.yaml", platform, name)
	r.add(file, append([]byte("# Written by ferry: read the image signatures and attestations the mirror holds beside each image.\n"), yamlDoc(doc)...))
	r.Steps = append(r.Steps, fmt.Sprintf("On every host, copy %s to /etc/containers/registries.d/, so signatures carried with the images are found at the mirror (a signature policy in /etc/containers/policy.json decides whether they are required).", file))
}
