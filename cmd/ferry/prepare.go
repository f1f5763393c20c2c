package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"ferry/artifacts/bundle"
	"ferry/artifacts/size"
	"ferry/tui/summary"
	"ferry/workflow/prepare"
	"ferry/workflow/selection"
	"ferry/workflow/session"
)

func newPrepareCmd(a *app) *cobra.Command {
	var sf selectFlags
	var src sourceFlags
	var req session.BundleRequest
	var signKey string
	var progress progressFlag
	var noBinary bool
	c := command("prepare", func(cmd *cobra.Command, _ []string) error {
		output := req.Output
		if output == "" {
			return usageError{fmt.Errorf("say where the bundle goes with --output DIR (a folder, or the mounted stick)")}
		}
		// The key opens before any download: a wrong password costs
		// nothing, and the bundle is not left unsigned by surprise.
		if signKey == "" && sf.Answers != "" {
			if prev, err := selection.LoadFS(a.fs, sf.Answers); err == nil {
				signKey = prev.SignKey // the wizard's key, named in its answers
			}
		}
		if signKey != "" {
			var err error
			if req.Signer, err = a.loadSigner(signKey, output); err != nil {
				return err
			}
		}
		if err := req.SourceDate(a.getenv("SOURCE_DATE_EPOCH")); err != nil {
			return usageError{err}
		}
		r := progress.renderer(a)
		p, sess, sel, err := a.resolve(cmd, &sf, &src, r)
		if err != nil {
			if p != nil {
				summary.PlanErrors(a.stderr, p, wordsOf(cmd))
				return reportedError{err}
			}
			return err
		}
		req.Answers = sel
		req.Ready = func(sp prepare.Space, partSize int64) {
			if sp.Unknown {
				fmt.Fprintf(a.stderr, "ferry: warning: the file system at %s does not say how much space is free: the bundle (up to %s) is written without that check.\n", output, size.Format(prepare.EstimateSize(p)))
			}
			if req.Split.Auto && sp.FAT {
				a.logf("the output is a FAT file system: parts of %s", size.Format(partSize))
			}
		}
		if !noBinary {
			if exe, err := os.Executable(); err == nil {
				req.Binary = exe
			}
		}
		r = progress.renderer(a)
		w, err := sess.WriteBundle(cmd.Context(), p, req, r.Sink())
		r.Finish()
		if errors.Is(err, session.ErrWrittenNotSigned) {
			return fmt.Errorf("%w: sign it with ferry sign", err)
		} else if err != nil {
			return err
		}
		if w.Dropped {
			fmt.Fprintf(a.stderr, "ferry: warning: the earlier signature of %s no longer matched its index and was removed: sign it again with ferry sign.\n", w.Index.Name)
		}
		summary.Prepared(a.out(), a.theme(), p, w.Result, w.Sidecar, w.Fingerprint)
		return nil
	})
	sf.register(c)
	src.register(c)
	f := c.Flags()
	f.StringVarP(&req.Output, "output", "o", "", "folder to write the bundle to (created if missing)")
	f.StringVar(&src.CacheDir, "cache", session.DefaultCache(), "download cache; a later prepare reuses what it holds")
	parsedVar(f, &req.CacheCopies, "cache-copies", "", "auto", "keep a copy of every image blob in the cache: always, never, or auto (only when the cache is on another file system than the output; otherwise the cache notes where the bundle holds each blob)", prepare.ParseCopies)
	parsedVar(f, &req.Split, "split", "", "auto", "part size: 700M, 4G…, or fat32 (4 GiB − 1), dvd, none; auto: fat32 on FAT file systems, else none", session.ParseSplit)
	parsedVar(f, &req.Name, "name", "", "", "the bundle's base name (default: target-version)", func(s string) (string, error) {
		if s == "" {
			return s, nil // the default
		}
		return s, bundle.CheckName(s)
	})
	parsedVar(f, &src.Retries, "retries", "", "5", "retries of a failing download (5xx, 429, dropped connections) before giving up", atLeast(0))
	f.StringVar(&signKey, "sign-key", "", "private key to sign the bundle's index with (PREFIX.key from ferry keygen; FERRY_KEY_PASSWORD opens an encrypted one)")
	f.BoolVar(&noBinary, "no-binary", false, "do not put a copy of ferry beside the bundle")
	progress.register(c)
	haveFlag(c, &req.Have)
	return c
}
