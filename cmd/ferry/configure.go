package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/afero"
	"github.com/spf13/cobra"

	"ferry/artifacts/bundle"
	"ferry/artifacts/image"
	"ferry/targets/mirrorconfig"
	"ferry/workflow/plan"
)

func newConfigureCmd(a *app) *cobra.Command {
	var platforms, caFiles []string
	var bundlePath, planPath, registry, mavenURL, output, mapping string
	var insecure, icsp bool
	c := &cobra.Command{
		Use:   "configure",
		Short: "Write the mirror configuration for a platform, with the steps to apply it",
		Long: `configure writes, from a bundle (or a saved plan), the configuration that points
clients at the site's mirror: ImageDigestMirrorSet and ImageTagMirrorSet for
OpenShift, registries.conf.d drop-ins for CRI-O and Podman, hosts.toml for
containerd, daemon.json for Docker, registryMirrorConfiguration for EKS
Anywhere, settings.xml for Maven, an init script for Gradle, and pinned images
for registry-less OpenShift nodes. Each platform's folder gets a STEPS.md with
the numbered steps to apply it.

Platforms: ` + strings.Join(mirrorconfig.Platforms, ", ") + `.`,
		Example: `  ferry configure --bundle /media/usb --registry registry.site:5000/mirror --platform openshift --ca-file site-ca.pem --output mirror-config
  ferry configure --bundle /media/usb --registry registry.site:5000 --platform crio,containerd --output mirror-config
  ferry configure --plan plan.json --maven-url https://nexus.site/repository/maven-public --platform maven --output mirror-config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(platforms) == 0 {
				return usageError{fmt.Errorf("choose at least one --platform (%s)", strings.Join(mirrorconfig.Platforms, ", "))}
			}
			if output == "" {
				return usageError{fmt.Errorf("say where the files go with --output DIR")}
			}
			if (bundlePath == "") == (planPath == "") {
				return usageError{fmt.Errorf("give the images with --bundle BUNDLE or --plan FILE (one of them)")}
			}
			if mapping != "nested" && mapping != "flat" {
				return usageError{fmt.Errorf("--repo-mapping must be nested or flat, not %q", mapping)}
			}
			refs, images, name, err := configureImages(bundlePath, planPath)
			if err != nil {
				return err
			}
			in, err := mirrorInput(refs, images, name, registry, mapping == "flat", insecure, mavenURL, caFiles)
			if err != nil {
				return err
			}
			w := a.out()
			th := a.theme()
			for _, p := range platforms {
				r, err := mirrorconfig.Generate(p, in, mirrorconfig.Options{ICSP: icsp})
				if err != nil {
					return err
				}
				if err := mirrorconfig.Write(afero.NewOsFs(), output, r); err != nil {
					return err
				}
				fmt.Fprintf(w, "%s\n", th.Title.Render(p))
				for _, f := range r.Files {
					fmt.Fprintf(w, "  wrote %s\n", filepath.Join(output, filepath.FromSlash(f.Path)))
				}
				for _, warn := range r.Warnings {
					fmt.Fprintf(a.stderr, "ferry: warning: %s.\n", warn)
				}
				for i, s := range r.Steps {
					fmt.Fprintf(w, "  %d. %s\n", i+1, s)
				}
				fmt.Fprintf(w, "  (the steps are also in %s)\n\n", filepath.Join(output, p, "STEPS.md"))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringSliceVar(&platforms, "platform", nil, "platforms, comma-separated or repeated: "+strings.Join(mirrorconfig.Platforms, ", "))
	f.StringVar(&bundlePath, "bundle", "", "the bundle whose images to configure (its folder, index or a part)")
	f.StringVar(&planPath, "plan", "", "a saved plan (ferry plan --output json) instead of a bundle")
	f.StringVar(&registry, "registry", "", "the site's mirror registry, HOST[:PORT][/PREFIX], as given to ferry import")
	f.StringVar(&mapping, "repo-mapping", "nested", "nested or flat, as given to ferry import")
	f.StringArrayVar(&caFiles, "ca-file", nil, "PEM file of the site's CA, carried into each platform's trust setting")
	f.BoolVar(&insecure, "insecure", false, "the mirror speaks plain HTTP (each format marks it so, with a warning)")
	f.BoolVar(&icsp, "icsp", false, "openshift: also write the legacy ImageContentSourcePolicy (OpenShift 4.12 and older)")
	f.StringVar(&mavenURL, "maven-url", "", "the site's Maven repository, for maven and gradle")
	f.StringVarP(&output, "output", "o", "", "folder to write the files to")
	return c
}

type carried struct{ ref, digest string }

// mirrorInput builds the configuration writers' input: one mirror per
// source repository, mapped as ferry import loads it.
func mirrorInput(refs []string, images []carried, name, registry string, flat, insecure bool, mavenURL string, caFiles []string) (mirrorconfig.Input, error) {
	host, prefix, _ := strings.Cut(registry, "/")
	in := mirrorconfig.Input{Registry: host, Insecure: insecure, MavenURL: mavenURL, Name: dnsName(name)}
	seen := map[string]bool{}
	for _, ref := range refs {
		h, repo, _, err := image.Origin(ref)
		if err != nil {
			return in, err
		}
		src := h + "/" + repo
		if !seen[src] && host != "" {
			seen[src] = true
			target, err := image.MapRepo(ref, prefix, flat)
			if err != nil {
				return in, err
			}
			in.Mirrors = append(in.Mirrors, mirrorconfig.Mirror{Source: src, Target: host + "/" + target})
		}
	}
	for _, im := range images {
		h, repo, _, _ := image.Origin(im.ref)
		in.DigestRefs = append(in.DigestRefs, h+"/"+repo+"@"+im.digest)
	}
	sort.Slice(in.Mirrors, func(i, j int) bool { return in.Mirrors[i].Source < in.Mirrors[j].Source })
	sort.Strings(in.DigestRefs)
	if len(caFiles) > 0 {
		in.CAFile = caFiles[0]
		pem, err := os.ReadFile(caFiles[0])
		if err != nil {
			return in, fmt.Errorf("cannot read the CA file %s: %w", caFiles[0], err)
		}
		in.CAPEM = pem
	}
	return in, nil
}

// configureImages lists the references and digests a bundle or plan carries.
func configureImages(bundlePath, planPath string) ([]string, []carried, string, error) {
	var refs []string
	var images []carried
	if bundlePath != "" {
		b, err := bundle.Open(bundlePath)
		if err != nil {
			return nil, nil, "", err
		}
		m, err := b.ReadManifest()
		if err != nil {
			return nil, nil, "", err
		}
		for _, im := range m.Images {
			refs = append(refs, im.Reference)
			images = append(images, carried{im.Reference, im.Digest})
		}
		return refs, images, b.Index.Name, nil
	}
	data, err := os.ReadFile(planPath)
	if err != nil {
		return nil, nil, "", fmt.Errorf("cannot read the plan %s: %w", planPath, err)
	}
	var p plan.Plan
	if err := json.Unmarshal(data, &p); err != nil || p.FormatVersion == 0 {
		return nil, nil, "", fmt.Errorf("%s is not a plan saved with `ferry plan --output json`", planPath)
	}
	if p.FormatVersion != plan.FormatVersion {
		return nil, nil, "", fmt.Errorf("%s is plan format %d and this ferry reads format %d", planPath, p.FormatVersion, plan.FormatVersion)
	}
	for _, im := range p.Images {
		refs = append(refs, im.Reference)
		images = append(images, carried{im.Reference, im.Digest})
	}
	name := p.Selection.Target
	if p.Selection.Version != "" {
		name += "-" + p.Selection.Version
	}
	return refs, images, name, nil
}

var nonDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsName makes a DNS-1123 label out of a bundle name.
func dnsName(s string) string {
	s = strings.Trim(nonDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 50 {
		s = strings.Trim(s[:50], "-")
	}
	if s == "" {
		return "ferry"
	}
	return s
}
