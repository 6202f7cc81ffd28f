// Package inspect implements `wa-cb inspect`.
package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/inspector"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/record"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// Options for `wa-cb inspect`.
type Options struct {
	IO      *iostreams.IOStreams
	Getenv  func(string) string
	Version string

	Path      string
	UI        cmdutil.UIFlags
	ReplayTo  string
	AppSecret string
	SkipBad   bool
}

// NewCmdInspect builds `wa-cb inspect`.
func NewCmdInspect(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Getenv: f.Getenv, Version: f.AppVersion}
	cmd := &cobra.Command{
		Use:   "inspect <file>|-",
		Short: "Open a recording in the web inspector",
		Long: `Open a recording made by wa-cb listen --record (or downloaded from the
inspector) in the web inspector, read-only, so a teammate's session can be
browsed: every exchange's events, raw request, answer and forward result,
each message's status timeline, search by text or jq, copy as curl, and
download as HAR. The URL goes to stderr; Ctrl-C stops.

Replays are allowed: to the URL typed in the page, or to --replay-to.
Edited replays are signed anew with --app-secret (or WA_CB_APP_SECRET),
which never reaches the page. The inspector keeps the last --ui-keep
exchanges of the file (1000).

A line that is not a recording line stops before serving, naming the line,
unless --skip-bad skips it with a warning.`,
		Example: `  $ wa-cb inspect session.ndjson
  $ wa-cb inspect session.ndjson --replay-to http://127.0.0.1:3000/webhooks/whatsapp --app-secret "$APP_SECRET"
  $ wa-cb inspect --ui-addr 127.0.0.1:0 --ui-ready-file ui.txt - < session.ndjson`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			changed := cmd.Flags().Changed
			if err := opts.UI.Validate(changed); err != nil {
				return err
			}
			if opts.ReplayTo != "" {
				if _, err := sender.ParseTarget(opts.ReplayTo); err != nil {
					return cmdutil.FlagErrorf("--replay-to: %v", err)
				}
			}
			if !changed("app-secret") {
				getenv := opts.Getenv
				if getenv == nil {
					getenv = os.Getenv
				}
				opts.AppSecret = getenv("WA_CB_APP_SECRET")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return inspectRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.AddUIFlags(cmd, &opts.UI, false)
	fl.StringVar(&opts.ReplayTo, "replay-to", "", "Offer `URL` as a replay target (your app)")
	fl.StringVar(&opts.AppSecret, "app-secret", "", "App `SECRET` that signs edited replays anew (env WA_CB_APP_SECRET)")
	fl.BoolVar(&opts.SkipBad, "skip-bad", false, "Skip lines that are not recording lines, with a warning")
	return cmd
}

func inspectRun(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	errOut := opts.IO.ErrOut
	r, closeInput, err := cmdutil.OpenInput(opts.Path, opts.IO.In)
	if err != nil {
		return err
	}
	in := inspector.New(inspector.Config{
		Keep:       opts.UI.Keep,
		Title:      "wa-cb inspect " + opts.Path,
		ForwardURL: opts.ReplayTo,
		AppSecret:  opts.AppSecret,
		Version:    opts.Version,
	})
	// The ring keeps the last --ui-keep exchanges as they are read.
	n, err := load(r, opts, errOut, in)
	closeInput()
	if err != nil {
		return err
	}
	srv, err := opts.UI.StartUI(in, errOut)
	if err != nil {
		return err
	}
	defer srv.Close()
	what := fmt.Sprintf("%d exchanges", n)
	if n == 1 {
		what = "1 exchange"
	}
	if n > opts.UI.Keep {
		what = fmt.Sprintf("the last %d of %d exchanges (--ui-keep)", opts.UI.Keep, n)
	}
	fmt.Fprintf(errOut, "Showing %s of %s, read-only (Ctrl-C to stop)\n", what, opts.Path)
	if err := opts.UI.AnnounceUI(srv, errOut); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// load adds the recording's exchanges to in and says how many it read.
func load(r io.Reader, opts *Options, errOut io.Writer, in *inspector.Inspector) (int, error) {
	rd := record.NewReader(r)
	n := 0
	for {
		rec, _, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		var le *record.LineError
		if errors.As(err, &le) {
			if le.IsEventStream() {
				return n, cmdutil.ConfigErrorf("%s: line %d is an event of listen --json, not a recording: events do not keep the requests; record them with wa-cb listen --record FILE", opts.Path, le.Line)
			}
			if opts.SkipBad {
				fmt.Fprintf(errOut, "warning: %s: %v (skipped)\n", opts.Path, err)
				continue
			}
			return n, fmt.Errorf("%s: %w (--skip-bad skips such lines)", opts.Path, err)
		}
		if err != nil {
			return n, fmt.Errorf("reading %s: %w", opts.Path, err)
		}
		in.Add(inspector.Exchange{Record: rec})
		n++
	}
}
