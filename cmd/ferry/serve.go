package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/spf13/cobra"

	"ferry/tui/summary"
	"ferry/workflow/session"
)

func newServeCmd(a *app) *cobra.Command {
	var o session.ServeOptions
	var progress progressFlag
	var trust trustFlag
	var with []string
	c := command("serve", func(cmd *cobra.Command, args []string) error {
		if (o.CertFile == "") != (o.KeyFile == "") {
			return usageError{fmt.Errorf("give both --tls-cert and --tls-key, or neither")}
		}
		sess, b, err := trust.open(a, cmd, args[0], progress, !o.Verify)
		if err != nil {
			return err
		}
		if o.With, err = openWith(sess, with); err != nil {
			return err
		}
		if o.Verify {
			summary.ServeVerifying(a.out(), b.Index)
		}
		r := progress.renderer(a)
		o.OnError, o.Progress = func(err error) { fmt.Fprintln(a.stderr, err) }, r.Sink()
		v, err := sess.Serve(cmd.Context(), b, o)
		// The verify's live line goes before the address is printed;
		// pulls, each a change of state, still pass and are logged.
		r.Finish()
		var le *session.ListenError
		if errors.As(err, &le) {
			return fmt.Errorf("%w: choose another address with --listen", err)
		} else if err != nil {
			return err
		}
		summary.Serving(a.out(), b.Index, o.With, v.Scheme(), v.Addr(), v.Repositories())
		err = v.Wait(cmd.Context())
		if err == nil && cmd.Context().Err() != nil {
			summary.ServeStopped(a.stderr, v.Pulls())
		}
		return err
	})
	parsedVar(c.Flags(), &o.Listen, "listen", "", "127.0.0.1:5000", "address to serve on (host:port); 0.0.0.0:5000 for the whole network", listenAddress)
	c.Flags().StringVar(&o.CertFile, "tls-cert", "", "PEM certificate to serve HTTPS with")
	c.Flags().StringVar(&o.KeyFile, "tls-key", "", "PEM key of --tls-cert")
	progress.register(c)
	trust.register(c)
	c.Flags().StringArrayVar(&with, "with", nil, "a base bundle to serve a delta bundle with, repeatable")
	c.Flags().BoolVar(&o.Verify, "verify", false, "check every part and item before serving (reads the whole bundle) and refuse a damaged bundle")
	return c
}

// listenAddress reads HOST:PORT, with a port up to 65535.
func listenAddress(s string) (string, error) {
	_, port, err := net.SplitHostPort(s)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("must be HOST:PORT with a port up to 65535 (0.0.0.0:5000 for the whole network), not %q", s)
	}
	return s, nil
}
