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
type selectFlags struct {
	answers    string
	target     string
	version    string
	archs      []string
	modules    []string
	imagesFile string
	mavenFile  string
	filesFile  string
	operators  string
	operator   []string
	mavenRepos []string

	mavenPOMs    []string
	mavenScopes  []string
	mavenPhases  []string
	mavenVersion string
	mavenNoDeps  bool
	noSignatures bool
}

func (f *selectFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.answers, "answers", "", "a saved selection (answers file); flags given as well override it")
	fl.StringVar(&f.target, "target", "", "the catalog target to carry (see: ferry catalog list)")
	fl.StringVar(&f.version, "version", "", "the target's version (default: the latest)")
	fl.StringArrayVar(&f.archs, "arch", nil, "architecture to carry, repeatable (default: this machine's, "+runtime.GOARCH+")")
	fl.StringSliceVar(&f.modules, "modules", nil, "modules to carry, comma-separated (default: the required and default ones)")
	fl.StringVar(&f.imagesFile, "images", "", "a file of image references to carry, one per line")
	fl.StringVar(&f.mavenFile, "maven", "", "a file of Maven coordinates to carry, one per line (group:artifact:version[:packaging[:classifier]])")
	fl.StringVar(&f.filesFile, "files", "", "a file of plain files to carry, one per line: URL SHA256 [NAME]")
	fl.StringVar(&f.operators, "operators", "", "a file of OLM packages to carry, one per line: CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE] (no channel: the package's default; no range: the channel's head); the bundle carries their images and a catalog filtered to them")
	fl.StringArrayVar(&f.operator, "operator", nil, "an OLM package to carry, as a line of --operators in quotes: 'CATALOG_IMAGE PACKAGE [CHANNEL] [VERSION RANGE]'; repeatable")
	fl.StringArrayVar(&f.mavenRepos, "maven-repo", nil, "Maven repository to resolve from: a URL, or a local folder in Maven layout (or its file:// URL); repeatable, tried in order (default: Maven Central)")
	fl.StringArrayVar(&f.mavenPOMs, "maven-pom", nil, "a project's pom.xml whose build must work offline, repeatable: its dependencies, parents, BOMs and build plugins are carried")
	fl.StringSliceVar(&f.mavenScopes, "maven-scopes", nil, "scopes of direct Maven dependencies to carry, comma-separated (default: compile,runtime for --maven lists; compile,provided,runtime,test for --maven-pom)")
	fl.StringSliceVar(&f.mavenPhases, "maven-phases", nil, "Maven lifecycle phases the far side runs, whose plugins are carried, comma-separated (default: clean,install with --maven-pom; none for lists alone)")
	fl.StringVar(&f.mavenVersion, "maven-version", "", "the far side's Maven, whose default plugin versions are carried: 3.8 or 3.9, or a full version (default: 3.9)")
	fl.BoolVar(&f.mavenNoDeps, "maven-no-deps", false, "carry listed Maven coordinates as they are, without their dependencies")
	fl.BoolVar(&f.noSignatures, "no-signatures", false, "leave out the images' cosign signatures, attestations and SBOMs and their OCI referrers (carried by default)")
}

// selection builds the selection from the answers file and the flags.
func (f *selectFlags) selection(a *app, c *cobra.Command) (selection.Selection, error) {
	var s selection.Selection
	if f.answers != "" {
		var err error
		if s, err = selection.LoadFS(a.fs, f.answers); err != nil {
			return s, err
		}
	}
	changed := c.Flags().Changed
	if changed("target") {
		s.Target = f.target
	}
	if changed("version") {
		s.Version = f.version
	}
	if changed("arch") {
		s.Archs = f.archs
	}
	if changed("modules") {
		s.Modules = f.modules
	}
	if changed("maven-repo") {
		s.MavenRepositories = f.mavenRepos
	}
	if changed("maven-pom") {
		s.MavenProjects = f.mavenPOMs
	}
	if changed("maven-scopes") {
		s.MavenScopes = f.mavenScopes
	}
	if changed("maven-phases") {
		s.MavenPhases = f.mavenPhases
	}
	if changed("maven-version") {
		s.MavenVersion = f.mavenVersion
	}
	if changed("maven-no-deps") {
		s.MavenDirectOnly = f.mavenNoDeps
	}
	if changed("no-signatures") {
		s.NoSignatures = f.noSignatures
	}
	if err := s.Check(a.fs); err != nil {
		if errors.Is(err, selection.ErrInvalid) {
			return s, usageError{err}
		}
		return s, err
	}
	if err := s.AddLists(a.fs, selection.Lists{Images: f.imagesFile, Maven: f.mavenFile, Files: f.filesFile, Operators: f.operators, OperatorLines: f.operator}); err != nil {
		if errors.Is(err, selection.ErrInvalid) {
			return s, usageError{err}
		}
		return s, err
	}
	s.Complete(runtime.GOARCH, session.MavenCentral)
	return s, nil
}

// resolve makes the selection from the flags and resolves it into a plan,
// reporting each item to r (in plain mode: logged with --verbose). The plan
// comes back with its errors even when some items failed.
func (a *app) resolve(cmd *cobra.Command, sf *selectFlags, src *sourceFlags, r *progressline.Renderer) (*plan.Plan, *session.Session, selection.Selection, error) {
	sel, err := sf.selection(a, cmd)
	if err != nil {
		return nil, nil, sel, err
	}
	o, err := src.options(nil)
	if err != nil {
		return nil, nil, sel, err
	}
	cat, err := a.loadCatalog()
	if err != nil {
		return nil, nil, sel, err
	}
	s, err := a.session(o, cat)
	if err != nil {
		return nil, nil, sel, err
	}
	p, err := s.Plan(cmd.Context(), sel, r.Sink())
	r.Finish()
	if errors.Is(err, plan.ErrSelection) || errors.Is(err, catalog.ErrUnknown) {
		// A name the catalog lacks or a choice that does not fit it is a
		// mistake on the command line, like a bad flag.
		err = usageError{err}
	}
	return p, s, sel, err
}
