package main

import (
	"errors"
	"runtime"

	"github.com/spf13/cobra"

	"ferry/targets/catalog"
	"ferry/tui/progressline"
	"ferry/workflow/plan"
	"ferry/workflow/selection"
	"ferry/workflow/session"
)

// selectFlags are the flags that make a selection, shared by every command
// that needs one.
type selectFlags struct{ selection.Given }

func (f *selectFlags) register(c *cobra.Command) {
	fl, s, l := c.Flags(), &f.Settings, &f.Lists
	fl.StringVar(&f.Answers, "answers", "", "a saved selection (answers file); flags given as well override it")
	fl.StringVar(&s.Target, "target", "", "the catalog target to carry (see: ferry catalog list)")
	fl.StringVar(&s.Version, "version", "", "the target's version (default: the latest)")
	fl.StringArrayVar(&s.Archs, "arch", nil, "architecture to carry, repeatable (default: this machine's, "+runtime.GOARCH+")")
	fl.StringSliceVar(&s.Modules, "modules", nil, "modules to carry, comma-separated (default: the required and default ones)")
	fl.StringVar(&l.Images, "images", "", "a file of image references to carry, one per line")
	fl.StringVar(&l.Maven, "maven", "", "a file of Maven coordinates to carry, one per line (group:artifact:version[:packaging[:classifier]])")
	fl.StringVar(&l.Files, "files", "", "a file of plain files to carry, one per line: URL SHA256 [NAME]")
	fl.StringVar(&l.Operators, "operators", "", "a file of OLM packages to carry, one per line: CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE] (no channel: the package's default; no range: the channel's head); the bundle carries their images and a catalog filtered to them")
	fl.StringArrayVar(&l.OperatorLines, "operator", nil, "an OLM package to carry, as a line of --operators in quotes: 'CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE]'; repeatable")
	fl.StringArrayVar(&s.MavenRepositories, "maven-repo", nil, "Maven repository to resolve from: a URL, or a local folder in Maven layout (or its file:// URL); repeatable, tried in order (default: Maven Central)")
	fl.StringArrayVar(&s.MavenProjects, "maven-pom", nil, "a project's pom.xml whose build must work offline, repeatable: its dependencies, parents, BOMs and build plugins are carried")
	fl.StringSliceVar(&s.MavenScopes, "maven-scopes", nil, "scopes of direct Maven dependencies to carry, comma-separated (default: compile,runtime for --maven lists; compile,provided,runtime,test for --maven-pom)")
	fl.StringSliceVar(&s.MavenPhases, "maven-phases", nil, "Maven lifecycle phases the far side runs, whose plugins are carried, comma-separated (default: clean,install with --maven-pom; none for lists alone)")
	fl.StringVar(&s.MavenVersion, "maven-version", "", "the far side's Maven, whose default plugin versions are carried: 3.8 or 3.9, or a full version (default: 3.9)")
	fl.BoolVar(&s.MavenDirectOnly, "maven-no-deps", false, "carry listed Maven coordinates as they are, without their dependencies")
	fl.BoolVar(&s.NoSignatures, "no-signatures", false, "leave out the images' cosign signatures, attestations and SBOMs and their OCI referrers (carried by default)")
}

// answersKeys are the answers-file keys of the flags that override an
// answers file.
func answersKeys() map[string]string {
	return map[string]string{"target": "target", "version": "version", "arch": "archs", "modules": "modules",
		"maven-repo": "mavenRepositories", "maven-pom": "mavenProjects", "maven-scopes": "mavenScopes", "maven-phases": "mavenPhases",
		"maven-version": "mavenVersion", "maven-no-deps": "mavenDirectOnly", "no-signatures": "noSignatures"}
}

// selection builds the selection from the answers file and the flags
// given, which override it.
func (f *selectFlags) selection(a *app, c *cobra.Command) (selection.Selection, error) {
	g := f.Given
	g.Keys = nil
	for flag, key := range answersKeys() {
		if c.Flags().Changed(flag) {
			g.Keys = append(g.Keys, key)
		}
	}
	return g.Selection(a.fs, runtime.GOARCH, session.MavenCentral)
}

// resolve makes the selection from the flags and resolves it into a plan,
// reporting each item to r (in plain mode: logged with --verbose). The plan
// comes back with its errors even when some items failed.
func (a *app) resolve(cmd *cobra.Command, sf *selectFlags, src *sourceFlags, r *progressline.Renderer) (*plan.Plan, *session.Session, selection.Selection, error) {
	sel, err := sf.selection(a, cmd)
	if err != nil {
		return nil, nil, sel, mistake(err)
	}
	s, err := a.sourceSession(src)
	if err != nil {
		return nil, nil, sel, err
	}
	p, err := s.Plan(cmd.Context(), sel, r.Sink())
	r.Finish()
	return p, s, sel, mistake(err)
}

// mistake is err as a usage error when it is a mistake on the command
// line, like a bad flag: a choice ferry cannot carry, a name the catalog
// lacks or a choice that does not fit it.
func mistake(err error) error {
	if errors.Is(err, selection.ErrInvalid) || errors.Is(err, plan.ErrSelection) || errors.Is(err, catalog.ErrUnknown) {
		return usageError{err}
	}
	return err
}
