package mirrorconfig

import (
	"fmt"
	"sort"
	"strings"
)

// containerd writes one hosts.toml per source registry. containerd maps a
// whole registry host, so a mirror can only put a namespace in front of
// the repository names, which needs override_path.
func containerd(r *Result, in Input) {
	byHost := map[string][]Mirror{}
	for _, m := range in.Mirrors {
		byHost[hostOf(m.Source)] = append(byHost[hostOf(m.Source)], m)
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	sc := scheme(in)
	for _, h := range hosts {
		var b strings.Builder
		fmt.Fprintf(&b, "# Written by ferry: pull %s from the site mirror only.\n", h)
		// When every host fails containerd falls back to server, which
		// must not be the internet.
		fmt.Fprintf(&b, "server = %s\n", tomlString(sc+"://"+in.Registry))
		seen := map[string]bool{}
		for _, m := range byHost[h] {
			ns, ok := namespace(m)
			if !ok {
				r.Warnings = append(r.Warnings, fmt.Sprintf("containerd can only put a prefix in front of repository names, so %s cannot be mirrored at %s: pull it by its mirror name, or use the crio or podman configuration.", m.Source, m.Target))
				continue
			}
			// With override_path the URL is the registry's API root,
			// /v2 included; containerd appends the repository name.
			key := sc + "://" + hostOf(m.Target)
			if ns != "" {
				key += "/v2/" + ns
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			fmt.Fprintf(&b, "\n[host.%s]\n  capabilities = [\"pull\", \"resolve\"]\n", tomlString(key))
			if ns != "" {
				b.WriteString("  override_path = true\n")
			}
			if len(in.CAPEM) > 0 {
				fmt.Fprintf(&b, "  ca = %s\n", tomlString("/etc/containerd/certs.d/"+h+"/ca.crt"))
			}
			if in.Insecure {
				b.WriteString("  skip_verify = true\n")
			}
		}
		r.add("containerd/certs.d/"+h+"/hosts.toml", []byte(b.String()))
		if len(in.CAPEM) > 0 {
			r.add("containerd/certs.d/"+h+"/ca.crt", in.CAPEM)
		}
	}
	r.add("containerd/config-snippet-1.x.toml", []byte("[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n"))
	r.add("containerd/config-snippet-2.x.toml", []byte("[plugins.\"io.containerd.cri.v1.images\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n"))
	r.Steps = append(r.Steps,
		fmt.Sprintf("On every node, copy the folders under containerd/certs.d/ (%s) to /etc/containerd/certs.d/.", strings.Join(hosts, ", ")),
		"Make sure /etc/containerd/config.toml sets config_path: add containerd/config-snippet-1.x.toml for containerd 1.x, or containerd/config-snippet-2.x.toml for containerd 2.x (config version 3), unless the line is already there.",
		"Restart containerd: `systemctl restart containerd`.",
		fmt.Sprintf("Check: `ctr --namespace k8s.io images pull --hosts-dir /etc/containerd/certs.d %s` succeeds with the internet unplugged.", example(in)))
}
