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
	c := command("serve", func(cmd *cobra.Command, args []string) error {
		if (cert == "") != (key == "") {
			return usageError{fmt.Errorf("give both --tls-cert and --tls-key, or neither")}
		}
		sess, b, err := trust.open(a, cmd, args[0], progress, !verify)
		if err != nil {
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
	})
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:5000", "address to serve on (host:port); 0.0.0.0:5000 for the whole network")
	c.Flags().StringVar(&cert, "tls-cert", "", "PEM certificate to serve HTTPS with")
	c.Flags().StringVar(&key, "tls-key", "", "PEM key of --tls-cert")
	progress.register(c)
	trust.register(c)
	c.Flags().StringArrayVar(&with, "with", nil, "a base bundle to serve a delta bundle with, repeatable")
	c.Flags().BoolVar(&verify, "verify", false, "check every part and item before serving (reads the whole bundle) and refuse a damaged bundle")
	return c
}
