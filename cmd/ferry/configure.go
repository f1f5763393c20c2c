package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"ferry/targets/mirrorconfig"
	"ferry/tui/summary"
	"ferry/workflow/session"
)

func newConfigureCmd(a *app) *cobra.Command {
	var reg registryFlags
	var platforms []string
	var bundlePath, planPath, output string
	var icsp bool
	c := command("configure", func(cmd *cobra.Command, _ []string) error {
		if len(platforms) == 0 {
			return usageError{fmt.Errorf("choose at least one --platform (%s)", strings.Join(mirrorconfig.Platforms, ", "))}
		}
		if output == "" {
			return usageError{fmt.Errorf("say where the files go with --output DIR")}
		}
		for _, p := range platforms {
			if err := mirrorconfig.CheckPlatform(p); err != nil {
				return usageError{err}
			}
		}
		if (bundlePath == "") == (planPath == "") {
			return usageError{fmt.Errorf("give the images with --bundle BUNDLE or --plan FILE (one of them)")}
		}
		if err := reg.Check(); err != nil {
			return usageError{err}
		}
		sess, err := a.session(session.Options{}, nil)
		if err != nil {
			return err
		}
		c, err := sess.CarriedBy(cmd.Context(), bundlePath, planPath)
		if err != nil {
			return err
		}
		results, err := sess.Configure(c, reg.Destination, platforms, output, mirrorconfig.Options{ICSP: icsp})
		summary.Configured(a.out(), a.stderr, a.theme(), results, output)
		return err
	})
	c.Long += "\n\nPlatforms: " + strings.Join(mirrorconfig.Platforms, ", ") + "."
	reg.register(c, map[string]string{
		"registry": "the site's mirror registry, HOST[:PORT][/PREFIX], as given to ferry import",
		"ca-file":  "PEM file of the site's CA, carried into each platform's trust setting",
		"insecure": "the mirror speaks plain HTTP (each format marks it so, with a warning)",
	})
	f := c.Flags()
	f.StringSliceVar(&platforms, "platform", nil, "platforms, comma-separated or repeated: "+strings.Join(mirrorconfig.Platforms, ", "))
	f.StringVar(&bundlePath, "bundle", "", "the bundle whose images to configure (its folder, index or a part)")
	f.StringVar(&planPath, "plan", "", "a saved plan (ferry plan --output json) instead of a bundle")
	f.BoolVar(&icsp, "icsp", false, "openshift: also write the legacy ImageContentSourcePolicy (OpenShift 4.12 and older)")
	f.StringVar(&reg.MavenURL, "maven-url", "", "the site's Maven repository, for maven and gradle")
	f.StringVarP(&output, "output", "o", "", "folder to write the files to")
	return c
}
