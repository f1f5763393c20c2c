// Command ferry carries software across an air gap: it plans, downloads and
// bundles container images and Maven artifacts on a connected machine, and
// loads and configures them on the disconnected side.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}
