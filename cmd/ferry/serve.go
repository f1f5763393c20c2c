package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"ferry/artifacts/bundle"
	"ferry/artifacts/bundleregistry"
	"ferry/artifacts/size"
)

func newServeCmd(a *app) *cobra.Command {
	var listen, cert, key string
	var verify bool
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
bundle first (as ferry verify does) and refuses to serve a damaged one.`,
		Example: `  ferry serve /media/usb
  ferry serve /media/usb --listen 0.0.0.0:5000 --tls-cert site.crt --tls-key site.key
  ferry serve --verify /media/usb`,
		Args: exactArgs(1, "name the bundle to serve: its folder, its .ferry.json index or one of its parts"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (cert == "") != (key == "") {
				return usageError{fmt.Errorf("give both --tls-cert and --tls-key, or neither")}
			}
			b, err := bundle.Open(args[0])
			if err != nil {
				return err
			}
			reg, err := bundleregistry.New(cmd.Context(), b)
			if err != nil {
				return err
			}
			defer reg.Close()
			if verify {
				fmt.Fprintf(a.out(), "Checking every part and item of %s (%s) before serving it…\n", b.Index.Name, size.Format(b.Index.Size))
				if _, err := b.Verify(cmd.Context(), false, nil); err != nil {
					return fmt.Errorf("the bundle is not served: %w", err)
				}
			}
			reg.OnError = func(err error) { fmt.Fprintln(a.stderr, err) }
			reg.OnPull = func(p bundleregistry.Pull) {
				fmt.Fprintf(a.stderr, "%s pulled %s:%s (%s)\n", p.Remote, p.Repo, p.Reference, p.Digest)
			}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("cannot listen on %s: %v: choose another address with --listen", listen, err)
			}
			scheme := "http"
			if cert != "" {
				scheme = "https"
			}
			srv := bundleregistry.NewServer(reg, bundleregistry.ServerOptions{})
			fmt.Fprintf(a.out(), "Serving %s (code %s) as a read-only registry on %s://%s\n", b.Index.Name, b.Index.ShortCode, scheme, l.Addr())
			for _, r := range reg.Repositories() {
				fmt.Fprintf(a.out(), "  %s/%s\n", l.Addr(), r)
			}
			fmt.Fprintln(a.out(), "Press Ctrl-C to stop.")
			errc := make(chan error, 1)
			go func() {
				if cert != "" {
					errc <- srv.ServeTLS(l, cert, key)
				} else {
					errc <- srv.Serve(l)
				}
			}()
			select {
			case err := <-errc:
				if errors.Is(err, http.ErrServerClosed) {
					return nil
				}
				return fmt.Errorf("the registry stopped: %w", err)
			case <-cmd.Context().Done():
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
				fmt.Fprintf(a.stderr, "stopped after %d pulls\n", reg.Pulls())
				return nil
			}
		},
	}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:5000", "address to serve on (host:port); 0.0.0.0:5000 for the whole network")
	c.Flags().StringVar(&cert, "tls-cert", "", "PEM certificate to serve HTTPS with")
	c.Flags().StringVar(&key, "tls-key", "", "PEM key of --tls-cert")
	c.Flags().BoolVar(&verify, "verify", false, "check every part and item before serving (reads the whole bundle) and refuse a damaged bundle")
	return c
}
