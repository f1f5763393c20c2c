package main

import (
	"ferry/artifacts/bundle"
	"fmt"

	"github.com/spf13/cobra"

	"ferry/artifacts/source"
	"ferry/targets/catalog"
	"ferry/workflow/session"
)

// sourceFlags say how to reach the registries and repositories items come
// from; commands that download also fill cacheDir and retries.
type sourceFlags struct {
	pullSecret  string
	caFiles     []string
	insecure    []string
	mirrors     []string
	concurrency int
	cacheDir    string
	retries     int
	sigStore    string
}

func (f *sourceFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.pullSecret, "pull-secret", "", "docker config JSON with registry credentials, as oc takes; the docker config is used too")
	fl.StringArrayVar(&f.caFiles, "ca-file", nil, "PEM file of an extra certificate authority to trust, repeatable")
	fl.StringArrayVar(&f.insecure, "insecure-source", nil, "registry host to reach over plain HTTP, repeatable (only hosts named here)")
	fl.StringArrayVar(&f.mirrors, "source-mirror", nil, "fetch FROM through TO, repeatable, e.g. docker.io=mirror.corp:5000/hub; plans keep the original references")
	fl.IntVar(&f.concurrency, "concurrency", 8, "how many items to resolve or fetch at once")
	fl.StringVar(&f.sigStore, "signature-store", "", "base URL of the OpenShift release signature store to read instead of the catalog's (STORE/sha256=HEX/signature-1)")
}

// options turns the flags into session options; a flag that cannot be
// read is a usage error.
func (f *sourceFlags) options(repos []string) (session.Options, error) {
	if f.concurrency < 1 {
		return session.Options{}, usageError{fmt.Errorf("--concurrency must be at least 1")}
	}
	o := session.Options{PullSecret: f.pullSecret, CAFiles: f.caFiles, InsecureHosts: f.insecure, Concurrency: f.concurrency,
		MavenRepositories: repos, CacheDir: f.cacheDir, Retries: f.retries, SignatureStore: f.sigStore}
	for _, m := range f.mirrors {
		mm, err := source.ParseMirror(m)
		if err != nil {
			return o, usageError{err}
		}
		o.Mirrors = append(o.Mirrors, mm)
	}
	return o, nil
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
