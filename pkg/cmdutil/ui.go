package cmdutil

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/inspector"
)

// UIFlags are the web inspector's flags (--ui, --ui-addr, --ui-keep),
// shared by the commands that can serve it.
type UIFlags struct {
	Enabled   bool
	Addr      string
	Keep      int
	ReadyFile string
}

// AddUIFlags adds --ui, --ui-addr and --ui-keep; with withSwitch false
// (a command that always serves the inspector) there is no --ui.
func AddUIFlags(cmd *cobra.Command, f *UIFlags, withSwitch bool) {
	fl := cmd.Flags()
	if withSwitch {
		fl.BoolVar(&f.Enabled, "ui", false, "Also serve the web inspector (see --ui-addr)")
	} else {
		f.Enabled = true
	}
	fl.StringVar(&f.Addr, "ui-addr", inspector.DefaultAddr, "Serve the web inspector on `HOST:PORT` (port 0 picks a free one)")
	fl.IntVar(&f.Keep, "ui-keep", inspector.DefaultKeep, "Keep the last `N` exchanges in the web inspector")
	fl.StringVar(&f.ReadyFile, "ui-ready-file", "", "Write the web inspector's URL to `PATH` once it serves")
}

// Validate checks the flags; changed tells which were given.
func (f *UIFlags) Validate(changed func(string) bool) error {
	if !f.Enabled {
		for _, name := range []string{"ui-addr", "ui-keep", "ui-ready-file"} {
			if changed(name) {
				return FlagErrorf("--%s needs --ui", name)
			}
		}
		return nil
	}
	if f.Keep < 1 {
		return FlagErrorf("invalid --ui-keep %d: want 1 or more", f.Keep)
	}
	addr := strings.TrimSpace(f.Addr)
	bad := FlagErrorf("invalid --ui-addr %q: want HOST:PORT, such as %s", f.Addr, inspector.DefaultAddr)
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// A bare host gets the default port.
		_, defPort, _ := net.SplitHostPort(inspector.DefaultAddr)
		host, port = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"), defPort
		addr = net.JoinHostPort(host, port)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return bad
	}
	if host == "" || strings.ContainsAny(host, " /?#@[]") {
		return bad
	}
	f.Addr = addr
	return nil
}

// StartUI binds the --ui-addr and serves in there. Serve errors after
// the start are reported on errOut.
func (f *UIFlags) StartUI(in *inspector.Inspector, errOut io.Writer) (*inspector.Server, error) {
	srv, err := inspector.Listen(in, f.Addr)
	if err != nil {
		if AddrInUse(err) {
			return nil, fmt.Errorf("%w (is another inspector running? pick another --ui-addr, or port 0 for a free one)", err)
		}
		return nil, err
	}
	go func() {
		if err := srv.Serve(); err != nil {
			fmt.Fprintf(errOut, "wa-cb: the inspector stopped: %v\n", err)
		}
	}()
	return srv, nil
}

// AnnounceUI says on errOut where the inspector is (with a warning when
// other machines can reach it) and writes --ui-ready-file.
func (f *UIFlags) AnnounceUI(srv *inspector.Server, errOut io.Writer) error {
	if host, _, _ := net.SplitHostPort(f.Addr); !IsLoopbackHost(host) {
		fmt.Fprintf(errOut, "warning: the inspector on %s is reachable from other machines, and it can replay requests; use --ui-addr 127.0.0.1:PORT to keep it local\n", f.Addr)
	}
	fmt.Fprintf(errOut, "Inspector on %s\n", srv.URL())
	if f.ReadyFile != "" {
		if err := WriteReadyFile(f.ReadyFile, srv.URL()); err != nil {
			return fmt.Errorf("cannot write --ui-ready-file: %w", err)
		}
	}
	return nil
}
