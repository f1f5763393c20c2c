package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"ferry/artifacts/bundle"
	events "ferry/artifacts/progress"
	"ferry/artifacts/push"
	"ferry/artifacts/source"
	"ferry/targets/catalog"
	"ferry/targets/mirrorconfig"
	"ferry/workflow/importer"
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

// wizardEngine is the wizard's view of a session.
type wizardEngine struct{ *session.Session }

func (e wizardEngine) Media(context.Context) []session.Medium { return e.Session.Media() }

func (e wizardEngine) Folders(_ context.Context, prefix string) []string {
	return e.Session.Folders(prefix)
}

// farEngine is the far-side wizard's view of a session.
type farEngine struct{ *session.Session }

// Find looks on the mounted media and in the working folder, where the
// guide says to run ferry import (the stick's own folder).
func (e farEngine) Find(context.Context) []session.Found {
	s := *e.Session
	if s.WorkDir != "" {
		s.MediaRoots = append(slices.Clip(s.MediaRoots), s.WorkDir)
	}
	return s.FindBundles()
}

// CheckFile says whether a file named on the screen can be read.
func (e farEngine) CheckFile(path string) error {
	f, err := e.FS.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// Open refuses a bundle whose signature is not accepted (SignedBy), so
// every far-side face checks it where the bundle is chosen.
func (e farEngine) Open(path string) (*bundle.Bundle, error) {
	b, err := e.Session.Open(path)
	if err != nil {
		return nil, err
	}
	if _, err := e.SignedBy(b); err != nil {
		return nil, err
	}
	return b, nil
}

func (e farEngine) Preflight(ctx context.Context, d session.Destination) ([]push.Check, error) {
	return e.Session.Preflight(ctx, d)
}

func (e farEngine) Import(ctx context.Context, b *bundle.Bundle, d session.Destination, progress events.Sink) (*importer.Report, error) {
	rep, err := e.Session.Import(ctx, b, d, progress)
	if rep != nil {
		_, _ = e.SaveReport(b, rep)
	}
	return rep, err
}

func (e farEngine) Configure(ctx context.Context, b *bundle.Bundle, d session.Destination, platforms []string, dir string) ([]*mirrorconfig.Result, error) {
	c, err := e.BundleImages(ctx, b)
	if err != nil {
		return nil, err
	}
	return e.Session.Configure(c, d, platforms, dir, mirrorconfig.Options{})
}

func (e farEngine) Serve(ctx context.Context, b *bundle.Bundle, listen string, progress events.Sink) (string, func(), error) {
	v, err := e.Session.Serve(ctx, b, session.ServeOptions{Listen: listen, Progress: progress})
	if err != nil {
		return "", nil, err
	}
	return v.PublicAddr(), v.Stop, nil
}
