package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	tuiapp "ferry/tui/app"
	"ferry/tui/summary"
)

func newImportCmd(a *app) *cobra.Command {
	var reg registryFlags
	var report string
	var progress progressFlag
	var check, mavenPassStdin, accessibleFlag bool
	var trust trustFlag
	c := command("import", func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			sess, err := trust.session(a)
			if err != nil {
				return err
			}
			return a.askImport(cmd, sess, reg.Destination, accessibleFlag)
		}
		if reg.Registry == "" && reg.MavenURL == "" && reg.MavenDir == "" {
			return usageError{fmt.Errorf("say where the bundle goes: --registry HOST[:PORT][/PREFIX], and/or --maven-url URL or --maven-dir DIR")}
		}
		if reg.MavenURL != "" && reg.MavenDir != "" {
			return usageError{fmt.Errorf("give --maven-url or --maven-dir, not both")}
		}
		if err := reg.Check(); err != nil {
			return usageError{err}
		}
		// The parts are read again as they load; checking them here too
		// means nothing unsigned-for reaches the registry.
		sess, b, err := trust.open(a, cmd, args[0], progress, !check)
		if err != nil {
			return err
		}
		d, err := a.logins(reg.Destination, cmd.InOrStdin(), reg.passStdin, mavenPassStdin)
		if err != nil {
			return err
		}
		if d.Insecure {
			fmt.Fprintf(a.stderr, "ferry: warning: %s is reached over plain HTTP (--insecure): images travel unencrypted on the site network.\n", d.Host())
		}
		th, w := a.theme(), a.out()
		if check {
			checks, err := sess.Preflight(cmd.Context(), d)
			summary.Preflight(w, th, checks, err == nil)
			return err
		}
		r := progress.renderer(a)
		rep, err := sess.Import(cmd.Context(), b, d, r.Sink())
		r.Finish()
		var unreported error
		if report != "" && rep != nil {
			files, werr := rep.Write(sess.FS, report)
			if werr != nil {
				// What was loaded stays loaded; the run fails at the end
				// so that automation waiting for the report hears it.
				unreported = fmt.Errorf("the images are loaded, but the report was not written: %w", werr)
				if err != nil || len(rep.Problems) > 0 {
					fmt.Fprintf(a.stderr, "ferry: the report was not written: %v\n", werr) // the run fails for another reason
				}
			} else {
				fmt.Fprintf(a.stderr, "report: %s\n", strings.Join(files, ", "))
			}
		}
		if err != nil {
			if rep != nil { // nil when the destination was refused before any check
				summary.Checks(w, th, rep.Checks)
			}
			return err
		}
		summary.Imported(w, th, b.Index, rep, wordsOf(cmd))
		if len(rep.Problems) > 0 {
			summary.Failures(a.stderr, rep.Problems)
			return reportedError{fmt.Errorf("%d images need attention", len(rep.Problems))}
		}
		summary.ImportNext(w, th, args[0], d)
		return unreported
	})
	needs := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 && (a.term().Accessible(accessibleFlag) || (tuiapp.IsTerminal(cmd.InOrStdin()) && tuiapp.IsTerminal(a.stdout))) {
			return nil // the far-side wizard or its prompts ask for it
		}
		return needs(cmd, args)
	}
	reg.register(c, map[string]string{
		"registry":     "the site's registry: HOST[:PORT][/PREFIX]; images keep their path under it (docker.io/apache/x → HOST/PREFIX/apache/x)",
		"repo-mapping": "nested keeps paths (PREFIX/apache/x); flat joins them (PREFIX/apache-x) for registries that limit nesting",
	})
	reg.registerLogin(c, "how many blobs to push at once")
	f := c.Flags()
	f.StringVar(&reg.MavenURL, "maven-url", "", "the site's Maven repository URL (Nexus, Artifactory, Reposilite or any WebDAV PUT)")
	f.StringVar(&reg.MavenUser, "maven-username", "", "Maven repository login (or FERRY_MAVEN_USERNAME)")
	f.BoolVar(&mavenPassStdin, "maven-password-stdin", false, "read the Maven password from standard input (or FERRY_MAVEN_PASSWORD)")
	f.StringVar(&reg.MavenDir, "maven-dir", "", "copy the Maven files into this folder instead (a file repository for mvn -o)")
	f.BoolVar(&check, "check", false, "only check the destinations (reachable, certificate, login, push allowed), load nothing")
	f.StringVar(&report, "report", "", "write what was loaded where to PATH.md and PATH.json")
	progress.register(c)
	trust.register(c)
	f.BoolVar(&accessibleFlag, "accessible", false, "without a bundle: ask the far side's questions as plain numbered prompts (also ACCESSIBLE=1, TERM=dumb or a terminal without colours)")
	return c
}
