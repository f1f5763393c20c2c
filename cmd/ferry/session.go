package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"ferry/artifacts/bundle"
	"ferry/artifacts/source"
	"ferry/targets/catalog"
	"ferry/workflow/session"
)

// sourceFlags say how to reach the registries and repositories items come
// from, as the session's options; commands that download also fill
// CacheDir and Retries, and the wizard MavenRepositories.
type sourceFlags struct {
	session.Options
	mirrors []string
}

func (f *sourceFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.PullSecret, "pull-secret", "", "docker config JSON with registry credentials, as oc takes; the docker config is used too")
	fl.StringArrayVar(&f.CAFiles, "ca-file", nil, "PEM file of an extra certificate authority to trust, repeatable")
	fl.StringArrayVar(&f.InsecureHosts, "insecure-source", nil, "registry host to reach over plain HTTP, repeatable (only hosts named here)")
	fl.StringArrayVar(&f.mirrors, "source-mirror", nil, "fetch FROM through TO, repeatable, e.g. docker.io=mirror.corp:5000/hub; plans keep the original references")
	parsedVar(fl, &f.Concurrency, "concurrency", "", "8", "how many items to resolve or fetch at once", atLeast(1))
	fl.StringVar(&f.SignatureStore, "signature-store", "", "base URL of the OpenShift release signature store to read instead of the catalog's (STORE/sha256=HEX/signature-1)")
}

// session starts a session with ferry's version; cat may be nil where no
// plan is made.
func (a *app) session(o session.Options, cat *catalog.Catalog) (*session.Session, error) {
	o.Version = version
	s, err := session.New(o, cat)
	if err != nil {
		return nil, err
	}
	s.FS = a.fs
	return s, nil
}

// sourceSession starts a session with the catalog and the source flags.
func (a *app) sourceSession(src *sourceFlags) (*session.Session, error) {
	for _, m := range src.mirrors {
		mm, err := source.ParseMirror(m)
		if err != nil {
			return nil, usageError{err}
		}
		src.Mirrors = append(src.Mirrors, mm)
	}
	cat, err := a.loadCatalog()
	if err != nil {
		return nil, err
	}
	return a.session(src.Options, cat)
}

// openBundle starts a session with no source options, as the far side's
// commands need, and opens the bundle at path in it.
func (a *app) openBundle(path string) (*session.Session, *bundle.Bundle, error) {
	sess, err := a.session(session.Options{}, nil)
	if err != nil {
		return nil, nil, err
	}
	b, err := sess.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return sess, b, nil
}

// registryFlags name the site's registry as import, inventory and
// configure take it, as the Destination they fill; help holds each
// command's own help of a flag.
type registryFlags struct {
	session.Destination
	passStdin bool
}

// register adds --registry, --repo-mapping, --ca-file and --insecure, with
// help[flag] where the command explains one its own way.
func (f *registryFlags) register(c *cobra.Command, help map[string]string) {
	h := func(flag, def string) string {
		if s, ok := help[flag]; ok {
			return s
		}
		return def
	}
	fl := c.Flags()
	fl.StringVar(&f.Registry, "registry", "", h("registry", "the site's registry: HOST[:PORT][/PREFIX], as given to ferry import"))
	parsedVar(fl, &f.Flat, "repo-mapping", "", "nested", h("repo-mapping", "nested or flat, as given to ferry import"), func(s string) (bool, error) {
		m, err := oneOf("nested", "flat")(s)
		return m == "flat", err
	})
	fl.StringArrayVar(&f.CAFiles, "ca-file", nil, h("ca-file", "PEM file of the site's certificate authority, repeatable"))
	fl.BoolVar(&f.Insecure, "insecure", false, h("insecure", "speak plain HTTP to the registry (only for registries without TLS)"))
}

// registerLogin adds --username, --password-stdin, and --concurrency with
// its help: what is done so many at once.
func (f *registryFlags) registerLogin(c *cobra.Command, concurrency string) {
	fl := c.Flags()
	fl.StringVar(&f.Username, "username", "", "registry login (or FERRY_REGISTRY_USERNAME; default: your docker config)")
	fl.BoolVar(&f.passStdin, "password-stdin", false, "read the registry password from standard input (or FERRY_REGISTRY_PASSWORD)")
	parsedVar(fl, &f.Concurrency, "concurrency", "", "4", concurrency, atLeast(1))
}

// logins fills what d lacks of its logins from standard input (with
// --password-stdin, mavenStdin) and the environment; a password asked for
// that the input does not hold is a usage error.
func (a *app) logins(d session.Destination, in io.Reader, passStdin, mavenStdin bool) (session.Destination, error) {
	d, err := d.WithLogins(session.Logins{Getenv: a.getenv, In: in, RegistryFromInput: passStdin, MavenFromInput: mavenStdin})
	for flag, missing := range map[string]error{"--password-stdin": session.ErrNoRegistryPassword, "--maven-password-stdin": session.ErrNoMavenPassword} {
		if errors.Is(err, missing) {
			return d, usageError{fmt.Errorf("%s was given but standard input holds no password", flag)}
		}
	}
	return d, err
}

// openWith opens the base bundles --with names.
func openWith(sess *session.Session, paths []string) ([]*bundle.Bundle, error) {
	var bases []*bundle.Bundle
	for _, p := range paths {
		b, err := sess.Open(p)
		if err != nil {
			return nil, fmt.Errorf("--with %s: %w", p, err)
		}
		bases = append(bases, b)
	}
	return bases, nil
}
