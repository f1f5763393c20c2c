package app

import (
	"context"
	"path/filepath"
	"runtime"

	"ferry/themes"
	"ferry/tui/components/textfit"
	"ferry/tui/farside"
	"ferry/tui/wizard"
	"ferry/workflow/demo"
	"ferry/workflow/session"
)

// Demo is the app playing both sides on the demo's embedded servers: the
// connected side prepares onto a stick under dir, the site's side imports
// it into the site registry and Maven repository and writes the mirror
// configuration under dir. The plain command the wizard shows reaches the
// same servers (commandFlags).
func Demo(d *demo.Demo, s *session.Session, dir string, th themes.Theme) Options {
	arch := runtime.GOARCH
	if arch != "amd64" && arch != "arm64" {
		arch = "amd64"
	}
	stick := filepath.Join(dir, "usb-stick")
	far := *s
	far.MediaRoots = []string{dir}
	return Options{Theme: th, Side: Prepare, Demo: true,
		PrepareEngine: s,
		Prepare: wizard.Options{MachineArch: arch, Archs: []string{"amd64", "arm64"}, Product: demo.Target, Animate: true, DefaultOutput: stick, Banner: demo.Banner,
			CommandFlags: commandFlags(d)},
		ImportEngine: farside.SessionEngine{Session: &far},
		Import: farside.Options{
			Path:        stick,
			Destination: session.Destination{Registry: d.Site + "/mirror", Insecure: true, MavenURL: d.SiteMaven},
			ConfigDir:   filepath.Join(dir, "mirror-config"),
			Banner:      demo.Banner,
		},
		ReadyBundle: func(ctx context.Context) (string, error) {
			return demo.ReadyBundle(ctx, s, arch, filepath.Join(dir, "ready-made-stick"))
		},
	}
}

// commandFlags are the flags that make a plain prepare reach the demo's
// embedded servers, for the command the wizard shows.
func commandFlags(d *demo.Demo) []string {
	flags := []string{"--catalog " + textfit.Quote(d.Catalog), "--insecure-source " + d.Upstream}
	for _, m := range d.Mirrors() {
		flags = append(flags, "--source-mirror "+m.From+"="+m.To)
	}
	return append(flags, "--maven-repo "+d.UpstreamMaven)
}
