// Command wa-cb sees, tests and checks WhatsApp Business callbacks.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/wa-cb/wa-cb/pkg/cmd/root"
	"github.com/wa-cb/wa-cb/pkg/cmd/version"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
)

// Set by goreleaser's ldflags.
var (
	buildVersion = "dev"
	buildCommit  = ""
	buildDate    = ""
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	info := buildInfo()
	f := cmdutil.NewFactory(info.Version, iostreams.System())
	cmd := root.NewCmdRoot(f, info)
	cmd.SetContext(ctx)
	return root.Execute(cmd, f, os.Args[1:])
}

// buildInfo prefers the ldflags values and falls back to what the Go
// toolchain recorded, so `go install …@v1.2.3` reports v1.2.3.
func buildInfo() version.Info {
	info := version.Info{Version: buildVersion, Commit: buildCommit, Date: buildDate, Go: version.GoVersion()}
	if info.Version != "dev" {
		return info
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		info.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.Date == "" {
				info.Date = s.Value
			}
		}
	}
	return info
}
