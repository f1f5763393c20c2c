package mirrorconfig

import (
	"encoding/json"
	"fmt"
	"strings"
)

// docker writes daemon.json. Docker's registry-mirrors apply to Docker Hub
// only, so images from other registries must be pulled by their mirror
// name.
func docker(r *Result, in Input) error {
	var hub *Mirror
	var others []Mirror
	for i, m := range in.Mirrors {
		if hostOf(m.Source) != "docker.io" {
			others = append(others, m)
		} else if hub == nil {
			hub = &in.Mirrors[i]
		}
	}
	cfg := map[string][]string{}
	if hub != nil {
		cfg["registry-mirrors"] = []string{scheme(in) + "://" + hostOf(hub.Target)}
		// Docker asks the mirror for Docker Hub's own repository names.
		if ns, ok := namespace(*hub); !ok || ns != "" {
			r.Warnings = append(r.Warnings, fmt.Sprintf("Docker asks a Docker Hub mirror for Docker Hub's repository names, but the site serves %s as %s: pull Docker Hub images by their mirror name too, or import them without a prefix.", hub.Source, hub.Target))
		}
	}
	if in.Insecure {
		cfg["insecure-registries"] = []string{in.Registry}
	}
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot write docker/daemon.json: %w", err)
	}
	r.add("docker/daemon.json", append(out, '\n'))

	var pulls []string
	for _, m := range others {
		if len(pulls) == 3 {
			break
		}
		pulls = append(pulls, "`docker pull "+dockerExample(in, m)+"`")
	}
	w := "Docker mirrors only Docker Hub: images from other registries must be pulled by their name at the mirror"
	if len(pulls) > 0 {
		w += ", for example " + strings.Join(pulls, ", ")
	}
	r.Warnings = append(r.Warnings, w+".")

	r.Steps = append(r.Steps, "Merge docker/daemon.json into /etc/docker/daemon.json (keep any settings already there).")
	if len(in.CAPEM) > 0 {
		ca := "docker/certs.d/" + in.Registry + "/ca.crt"
		r.add(ca, in.CAPEM)
		r.Steps = append(r.Steps, fmt.Sprintf("Copy %s to /etc/docker/certs.d/%s/ca.crt, so the mirror's certificate is trusted.", ca, in.Registry))
	}
	r.Steps = append(r.Steps, "Restart Docker: `systemctl restart docker`.")
	for _, p := range pulls {
		r.Steps = append(r.Steps, "Pull images that are not from Docker Hub by their mirror name, for example "+p+".")
	}
	return nil
}

// dockerExample is m's first carried image renamed to the mirror, or its
// Target with a placeholder tag.
func dockerExample(in Input, m Mirror) string {
	for _, ref := range in.Images {
		if got, ok := atMirror(ref, []Mirror{m}); ok {
			return got
		}
	}
	return m.Target + ":TAG"
}
