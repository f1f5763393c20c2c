package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"ferry/tui/summary"
	"ferry/workflow/session"
)

func newServeCmd(a *app) *cobra.Command {
	var listen, cert, key string
	var progress progressFlag
	var verify bool
	var trust trustFlag
	var with []string
	c := &cobra.Command{
		Use:   "serve BUNDLE",
		Short: "Serve a bundle as a read-only OCI registry, straight from its parts",
		Long: `serve exposes the images of a bundle as a read-only registry, reading the parts
where they are (a USB stick, a folder) without unpacking them, for sites with
no registry of their own. docker.io/apache/x:1.0 is pulled as
HOST:PORT/apache/x:1.0, by tag or by digest. Every pull is logged. Stop it
with Ctrl-C.

Manifests are checked against their digests on every read and blobs while
they stream: a damaged item is never served whole, the part holding it is
named in the log, and it is refused from then on. --verify checks the whole
bundle first (as ferry verify does) and refuses to serve a damaged one. --key
accepts only a bundle signed by that public key: the signature is checked and
then every part against the signed index, before anything is served.

A delta bundle is served with its base: --with names each earlier bundle it
was made against, whose images are then served too.`,
		Example: `  ferry serve /media/usb
  ferry serve /media/usb --listen 0.0.0.0:5000 --tls-cert site.crt --tls-key site.key
  ferry serve --verify /media/usb
  ferry serve --key site-a.pub /media/usb
  ferry serve /media/usb2/app-1.1.ferry.json --with /media/usb1/app-1.0.ferry.json`,
		Args: exactArgs(1, "name the bundle to serve: its folder, its .ferry.json index or one of its parts"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := progress.check(); err != nil {
				return err
			}
			if (cert == "") != (key == "") {
				return usageError{fmt.Errorf("give both --tls-cert and --tls-key, or neither")}
			}
			if err := trust.load(); err != nil {
				return err
			}
			sess, b, err := a.openBundle(args[0])
			if err != nil {
				return err
			}
			if err := trust.check(a, cmd, sess, b, progress, !verify); err != nil {
				return err
			}
			bases, err := openWith(sess, with)
			if err != nil {
				return err
			}
			if verify {
				summary.ServeVerifying(a.out(), b.Index)
			}
			r := progress.renderer(a)
			v, err := sess.Serve(cmd.Context(), b, session.ServeOptions{Listen: listen, CertFile: cert, KeyFile: key, Verify: verify, With: bases,
				OnError: func(err error) { fmt.Fprintln(a.stderr, err) }, Progress: r.Sink()})
			// The verify's live line goes before the address is printed;
			// pulls, each a change of state, still pass and are logged.
			r.Finish()
			var le *session.ListenError
			if errors.As(err, &le) {
				return fmt.Errorf("%w: choose another address with --listen", err)
			} else if err != nil {
				return err
			}
			summary.Serving(a.out(), b.Index, bases, v.Scheme(), v.Addr(), v.Repositories())
			err = v.Wait(cmd.Context())
			if err == nil && cmd.Context().Err() != nil {
				summary.ServeStopped(a.stderr, v.Pulls())
			}
			return err
		},
	}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:5000", "address to serve on (host:port); 0.0.0.0:5000 for the whole network")
	c.Flags().StringVar(&cert, "tls-cert", "", "PEM certificate to serve HTTPS with")
	c.Flags().StringVar(&key, "tls-key", "", "PEM key of --tls-cert")
	progress.register(c)
	trust.register(c)
	c.Flags().StringArrayVar(&with, "with", nil, "a base bundle to serve a delta bundle with, repeatable")
	c.Flags().BoolVar(&verify, "verify", false, "check every part and item before serving (reads the whole bundle) and refuse a damaged bundle")
	return c
}
