// Package listen implements `wa-cb listen`.
package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmd/send/delivery"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/inspector"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/record"
	"github.com/wa-cb/wa-cb/pkg/redact"
	"github.com/wa-cb/wa-cb/pkg/render"
)

// Defaults of the listen address.
const (
	DefaultHost = "127.0.0.1"
	DefaultPort = 4280
)

// maxBodyCeiling bounds --max-body: bodies are held in memory.
const maxBodyCeiling = 1 << 30

// Options for `wa-cb listen`.
type Options struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string

	Host      string // from --addr
	Port      int
	ReadyFile string
	Status    int
	MaxBody   int64
	MaxEvents int
	JSON      bool
	// Compact: one line per event instead of cards or blocks.
	Compact bool
	// Timelines bounds how many messages' status timelines are kept.
	Timelines int

	VerifyToken      string
	AppSecret        string
	RequireSignature bool

	// Workbench: forwarding, recording, failing-app answers, --until and
	// --redact.
	Workbench Workbench
	// UI: the web inspector (--ui, --ui-addr, --ui-keep).
	UI cmdutil.UIFlags
	// Version is shown by the web inspector.
	Version string

	// Config is the engine configuration, built once from the flags by
	// complete; tests may adjust it (clock, ids, decoder) before listenRun.
	Config listener.Config

	addr, maxBody string // --addr and --max-body as given
}

// complete parses and checks the flags, once: changed tells which were
// given. It fills the parsed fields (host, port, body limit, secrets from
// the environment, the workbench's target and --until matcher) and builds
// Config. Every usage error exits 2 before anything listens.
func (o *Options) complete(changed func(string) bool) error {
	host, port, err := cmdutil.SplitAddr(o.addr, o.Port, changed("port"), DefaultHost)
	if err != nil {
		return err
	}
	o.Host, o.Port = host, port
	if o.Status < 200 || o.Status > 599 {
		return cmdutil.FlagErrorf("invalid --status %d: want an HTTP status from 200 to 599", o.Status)
	}
	n, err := cmdutil.ParseSize(o.maxBody)
	if err != nil {
		return cmdutil.FlagErrorf("invalid --max-body: %v", err)
	}
	if n > maxBodyCeiling {
		return cmdutil.FlagErrorf("invalid --max-body %s: at most 1GiB", o.maxBody)
	}
	o.MaxBody = n
	if o.MaxEvents < 0 {
		return cmdutil.FlagErrorf("invalid --max-events %d: want 0 (no limit) or more", o.MaxEvents)
	}
	if err := cmdutil.CheckReadyFile(o.ReadyFile); err != nil {
		return err
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if !changed("verify-token") {
		o.VerifyToken = getenv(cmdutil.EnvVerifyToken)
	}
	if !changed("app-secret") {
		o.AppSecret = getenv(cmdutil.EnvAppSecret)
	}
	if o.RequireSignature && o.AppSecret == "" {
		return cmdutil.FlagErrorf("--require-signature needs --app-secret or WA_CB_APP_SECRET")
	}
	if o.Compact && o.JSON {
		return cmdutil.FlagErrorf("--compact is a text form; --json prints NDJSON: pick one")
	}
	if err := cmdutil.CheckTimelines(o.Timelines); err != nil {
		return err
	}
	if err := o.Workbench.validate(changed, getenv, o.MaxEvents); err != nil {
		return err
	}
	if err := o.UI.Validate(changed); err != nil {
		return err
	}
	o.Config = o.config()
	return nil
}

// config is the engine configuration the flags ask for.
func (o *Options) config() listener.Config {
	cfg := listener.Config{
		Status:           o.Status,
		MaxBody:          o.MaxBody,
		MaxEvents:        o.MaxEvents,
		VerifyToken:      o.VerifyToken,
		AppSecret:        o.AppSecret,
		RequireSignature: o.RequireSignature,
		TooLargeReason:   tooLargeReason,
		Lifecycle:        lifecycle.New(lifecycle.Options{MaxMessages: o.Timelines}),
	}
	wb := &o.Workbench
	if wb.responds() {
		cfg.Respond = wb.responder(o.Status).Respond
		// The app answers Meta's handshake itself, unless --verify-token
		// asks the listener to check it.
		cfg.RespondToHandshakes = wb.target != nil
		// An answer may wait for the app and the delay: the connection must
		// not be cut before it is written.
		if need := wb.answerTime() + 10*time.Second; need > listener.DefaultWriteTimeout {
			cfg.WriteTimeout = need
		}
	}
	return cfg
}

// NewCmdListen builds `wa-cb listen`.
func NewCmdListen(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Getenv: f.Getenv, Version: f.AppVersion}
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Run a local listener that decodes and shows every callback",
		Long: `Run a local HTTP listener for WhatsApp Business callbacks and show each one
as it arrives, decoded into events: Kaleyra v1 and v2, Meta on-premises and
the Meta Cloud API. It binds 127.0.0.1:4280, accepts any method and path and
answers 200 at once; its URL, warnings and the summary go to stderr.

Output: a card per event on a terminal (--compact: one line each), plain
text when piped, --json one wa-cb.event/v1 object per line. Undecodable
requests are shown raw with their decode error: nothing accepted is dropped.
Status events tell their message's story (order, gaps, duplicates, misses).

  --verify-token TOKEN   answer Meta's subscription handshake, checking TOKEN
  --app-secret SECRET    check X-Hub-Signature-256 (--require-signature: 401
                         to Cloud requests that are not validly signed)
  --forward-to URL       pass every callback on to your app; answer as it does
  --record FILE          keep every exchange; wa-cb replay sends them again
  --fail-every N         a failing app: also --status, --delay, --fail-rate
  --until EXPR           exit 0 once an event matches jq EXPR (3 on --timeout)
  --ui                   the same exchanges in a browser (127.0.0.1:4281)

--redact masks every personal value wherever it appears (events, raw payloads,
bodies, queries, headers, the forward line, the recording, the inspector):
numbers, WhatsApp and user ids, names, texts, captions, replies, buttons,
locations (coordinates to 2 decimals), contacts, file names and URL queries.
It keeps ids, kinds, types, statuses, timestamps, errors, pricing and refs.

Ctrl-C stops gracefully. Everything in detail: man wa-cb-listen, or the README.`,
		Example: `  $ wa-cb listen
  $ wa-cb listen --ui
  $ wa-cb listen --ui --ui-addr 127.0.0.1:0 --forward-to http://127.0.0.1:3000/hooks --app-secret "$APP_SECRET"
  $ wa-cb listen --port 8080 --app-secret "$APP_SECRET" --require-signature
  $ wa-cb listen --json | jq -r 'select(.kind == "status") | .status'
  $ wa-cb listen --port 0 --ready-file url.txt --max-events 1 --json > event.json
  $ wa-cb listen --forward-to http://127.0.0.1:3000/webhooks/whatsapp --record session.ndjson
  $ wa-cb listen --forward-to http://127.0.0.1:3000/hooks --fail-every 3 --delay 2s
  $ wa-cb listen --port 0 --ready-file url --until '.kind == "status" and .status == "read"' --timeout 30s
  $ wa-cb listen --redact --json | tee shareable.ndjson
  $ wa-cb listen --compact
  $ wa-cb listen --json | jq -c 'select(.lifecycle.flags) | {id, status, lifecycle}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.complete(cmd.Flags().Changed); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listenRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.addr, "addr", DefaultHost, "`HOST`, HOST:PORT or http://HOST:PORT/ to listen on")
	fl.IntVar(&opts.Port, "port", DefaultPort, "`PORT` to listen on (0 picks a free one)")
	fl.StringVar(&opts.ReadyFile, "ready-file", "", "Write the listener's URL to `PATH` once it is listening")
	fl.IntVar(&opts.Status, "status", 200, "HTTP `STATUS` to answer callbacks with")
	fl.StringVar(&opts.maxBody, "max-body", "3MiB", "Largest body to accept (`SIZE`, e.g. 512KiB, 3MiB); larger ones get 413")
	fl.IntVar(&opts.MaxEvents, "max-events", 0, "Exit after `N` events (0: run until stopped)")
	fl.BoolVar(&opts.JSON, "json", false, "Print one wa-cb.event/v1 JSON object per line")
	fl.BoolVar(&opts.Compact, "compact", false, "Print one line per event instead of cards (time, family, kind, from/to, text, id, answer)")
	cmdutil.TimelinesFlag(fl, &opts.Timelines)
	fl.StringVar(&opts.VerifyToken, "verify-token", "", "`TOKEN` expected in Meta's subscription handshake (env WA_CB_VERIFY_TOKEN)")
	fl.StringVar(&opts.AppSecret, "app-secret", "", "App `SECRET` to check X-Hub-Signature-256 with (env WA_CB_APP_SECRET)")
	fl.BoolVar(&opts.RequireSignature, "require-signature", false, "Answer 401 to Meta Cloud requests without a valid signature (Kaleyra and on-premises never sign and pass)")
	addWorkbenchFlags(cmd, &opts.Workbench)
	cmdutil.AddUIFlags(cmd, &opts.UI, true)
	cmdutil.SetDetails(cmd, details)
	cmdutil.FlagGroup(cmd, "Listening", "addr", "port", "max-body", "ready-file")
	cmdutil.FlagGroup(cmd, "Output", "json", "compact", "timelines", "redact", "redact-key")
	cmdutil.FlagGroup(cmd, "Answering", "status", "delay", "fail-every", "fail-rate", "fail-status", "seed")
	cmdutil.FlagGroup(cmd, "Forwarding", "forward-to", "forward-timeout", "forward-insecure")
	cmdutil.FlagGroup(cmd, "Recording", "record")
	cmdutil.FlagGroup(cmd, "Assertion", "until", "count", "timeout", "max-events")
	cmdutil.FlagGroup(cmd, "Security", "app-secret", "verify-token", "require-signature")
	cmdutil.FlagGroup(cmd, "Web inspector", "ui", "ui-addr", "ui-keep", "ui-ready-file")
	return cmd
}

// tooLargeReason is the decode error of a body over --max-body.
func tooLargeReason(size, limit int64) string {
	if size < 0 {
		return fmt.Sprintf("request refused with 413: body exceeds the %s limit (--max-body)", cmdutil.FormatSize(limit))
	}
	return fmt.Sprintf("request refused with 413: body of %s exceeds the %s limit (--max-body)", cmdutil.FormatSize(size), cmdutil.FormatSize(limit))
}

// listenRun listens with the options complete built: build binds the
// listener and opens the recording, announce says on stderr what it does
// and writes the ready file, serve runs it to the end.
func listenRun(ctx context.Context, opts *Options) (err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	// Stderr is written from many goroutines at once (the hooks of the
	// requests, the recording's writer telling of a failed write, the
	// output, the server's log, the summary): one lock for all of them.
	ios := *opts.IO
	ios.ErrOut = &listener.SyncWriter{W: ios.ErrOut}
	opts.IO = &ios
	r, err := build(opts)
	if err != nil {
		return err
	}
	defer func() { err = r.closeRecording(err) }()
	if err := r.announce(); err != nil {
		return err
	}
	return r.serve(ctx)
}

// run is one listener being run: the server and the per-run hooks.
type run struct {
	opts  *Options
	srv   *listener.Server
	hooks *hooks
	addr  string            // HOST:PORT as asked for
	ui    *inspector.Server // the web inspector, with --ui
}

// build opens the recording and binds the listener, with the per-run
// Answered hook (--until, --redact, --record) on top of opts.Config.
func build(opts *Options) (*run, error) {
	wb := &opts.Workbench
	cfg := opts.Config
	h := &hooks{until: wb.until, want: max(wb.Count, 1), errOut: opts.IO.ErrOut}
	if wb.Redact {
		h.red = redact.New([]byte(wb.RedactKey))
	}
	if wb.Record != "" {
		w, err := record.Create(wb.Record)
		if err != nil {
			return nil, fmt.Errorf("cannot open --record file: %w", err)
		}
		w.OnError(h.recordFailed)
		h.rec = w
	}
	if h.until != nil || h.red != nil || h.rec != nil || opts.UI.Enabled {
		prev := cfg.Answered
		cfg.Answered = func(ex *listener.Exchange) {
			if prev != nil {
				prev(ex)
			}
			h.answered(ex)
		}
	}
	r := &run{opts: opts, hooks: h, addr: net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port))}
	srv, err := listener.Listen(r.addr, cfg, opts.IO.ErrOut)
	if err != nil {
		r.closeRecording(nil)
		if cmdutil.AddrInUse(err) {
			return nil, fmt.Errorf("%w (is another listener running? pick another --port, or --port 0 for a free one)", err)
		}
		return nil, err
	}
	if selfForward(wb.target, srv.Addr()) {
		srv.Close()
		r.closeRecording(nil)
		return nil, cmdutil.ConfigErrorf("--forward-to %s is this listener itself: every callback would loop", wb.ForwardTo)
	}
	r.srv = srv
	h.met = srv.Stop
	if opts.UI.Enabled {
		ui, err := startUI(opts, srv)
		if err != nil {
			srv.Close()
			r.closeRecording(nil)
			return nil, err
		}
		r.ui = ui
		h.ui = ui.Inspector()
	}
	return r, nil
}

// closeRecording syncs and closes the recording, if any: a recording that
// failed turns a successful run (or a failed check) into an error.
func (r *run) closeRecording(err error) error {
	w := r.hooks.rec
	if w == nil {
		return err
	}
	r.hooks.rec = nil
	cerr := w.Close()
	if r.hooks.recErr != nil {
		cerr = r.hooks.recErr
	}
	if cerr != nil && (err == nil || errors.Is(err, cmdutil.ErrCheckFailed)) {
		return fmt.Errorf("recording to %s: %w", r.opts.Workbench.Record, cerr)
	}
	return err
}

// tryHint is the command that sends the listener at base a callback:
// short enough for an 80-column terminal, since send's --to defaults to
// the default listener.
func tryHint(base string) string {
	to := ""
	if base != delivery.DefaultTarget {
		to = " --to " + base
	}
	return "Try it from another terminal: wa-cb send fixture cloud-incoming-text" + to
}

// announce says on stderr where the listener listens and how it answers,
// then writes the ready file: once it exists, the listener is ready.
func (r *run) announce() error {
	opts, errOut := r.opts, r.opts.IO.ErrOut
	if w := cmdutil.ExposureWarning(opts.Host, r.addr); w != "" {
		fmt.Fprintln(errOut, w)
	}
	base := r.srv.URL()
	fmt.Fprintf(errOut, "Listening on %s ... (Ctrl-C to stop)\n", base)
	if opts.IO.IsStderrTTY() {
		fmt.Fprintln(errOut, tryHint(base))
	}
	if opts.AppSecret != "" {
		mode := "marking"
		if opts.RequireSignature {
			mode = "requiring"
		}
		fmt.Fprintf(errOut, "Checking X-Hub-Signature-256 (%s valid signatures)\n", mode)
	}
	for _, note := range opts.Workbench.notes(opts.Status) {
		fmt.Fprintln(errOut, note)
	}
	if r.ui != nil {
		if err := opts.UI.AnnounceUI(r.ui, errOut); err != nil {
			r.srv.Close()
			r.ui.Close()
			return err
		}
	}
	if opts.ReadyFile != "" {
		if err := cmdutil.WriteReadyFile(opts.ReadyFile, base); err != nil {
			r.srv.Close()
			return fmt.Errorf("cannot write --ready-file: %w", err)
		}
	}
	return nil
}

// serve runs the listener until it stops (a signal, --max-events, --until
// met, --timeout) and returns the run's outcome.
func (r *run) serve(ctx context.Context) error {
	opts, srv, wb := r.opts, r.srv, &r.opts.Workbench
	// Each request allocates its exchange while the live heap stays small,
	// so the default GOGC would collect every few hundred requests; a higher
	// target spends far less CPU on it for a few MiB more. GOGC still wins.
	if getenv := opts.Getenv; getenv == nil || getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	out := newOutput(opts)
	out.failed = srv.Stop // output that cannot be written ends the listener
	out.backlog = srv.Backlog
	stopped := make(chan struct{})
	go cmdutil.AbortOnSecondSignal(ctx, stopped, srv.Abort)
	var timedOut atomic.Bool
	if wb.Timeout > 0 {
		t := time.AfterFunc(wb.Timeout, func() {
			timedOut.Store(true)
			srv.Stop()
		})
		defer t.Stop()
	}
	stats, runErr := srv.Run(ctx, out.consume)
	close(stopped)
	if r.ui != nil {
		r.ui.Close()
	}
	out.flush()
	if ctx.Err() != nil && opts.IO.IsStderrTTY() {
		// The terminal echoed ^C without a newline: the summary starts
		// on a line of its own.
		fmt.Fprintln(opts.IO.ErrOut)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Stopped: %s\n", render.ListenSummary(stats))
	if tr := opts.Config.Lifecycle; tr != nil {
		fmt.Fprint(opts.IO.ErrOut, render.LifecycleSummary(tr.Anomalies(), tr.Anomalous(), tr.Dropped(), cmdutil.SummaryAnomalies))
	}
	if runErr != nil {
		return runErr
	}
	if out.err != nil {
		return fmt.Errorf("writing output: %w", out.err)
	}
	return wb.verdict(r.hooks, stats, opts.MaxEvents, timedOut.Load(), opts.IO.ErrOut)
}

// output renders exchanges on the consumer goroutine.
type output struct {
	ios    *iostreams.IOStreams
	json   bool
	event  func(render.EventView) string   // one event as text (cards or plain)
	fwd    func(render.ForwardView) string // a forward result as text
	buf    bytes.Buffer
	enc    *json.Encoder
	err    error
	failed func() // called once when writing fails
	warned bool
	// backlog tells how many exchanges wait to be shown; lagBehind is the
	// last backlog reported.
	backlog   func() int
	lagBehind int
}

func newOutput(opts *Options) *output {
	o := &output{ios: opts.IO, json: opts.JSON}
	o.enc = json.NewEncoder(&o.buf)
	o.enc.SetEscapeHTML(false)
	if !o.json {
		p := render.NewEventPrinter(opts.IO)
		if opts.Compact {
			p.Compact()
		}
		o.event, o.fwd = p.Event, p.Forward
	}
	return o
}

// consume shows one exchange. Output is written as soon as no further
// exchange is waiting (or the buffer is large): nothing known is held back,
// and under load many exchanges share one write.
func (o *output) consume(ex *listener.Exchange, more bool) {
	if ex.Handshake != nil && ex.Handshake.Outcome == listener.HandshakeUnchecked && !o.warned {
		o.warned = true
		fmt.Fprintf(o.ios.ErrOut, "warning: answered a subscription handshake without checking its token; set --verify-token (or WA_CB_VERIFY_TOKEN) to check it\n")
	}
	if ex.TooLarge {
		fmt.Fprintf(o.ios.ErrOut, "413 %s %s (request %s): %s\n", ex.Method, ex.Path, ex.ID, ex.Events[0].DecodeError)
	}
	o.noteLag()
	if o.json {
		ex.EncodeEvents() // a no-op for the listener's exchanges, which carry their bytes
		for _, line := range ex.EventsJSON {
			o.buf.Write(line)
			o.buf.WriteByte('\n')
		}
		// Checked first: the view escapes to the encoder, so asking for
		// it would allocate one for every exchange, forwarded or not.
		if ex.Forward != nil {
			v, _ := render.ForwardViewOf(ex)
			if err := o.enc.Encode(&v); err != nil {
				fmt.Fprintf(o.ios.ErrOut, "warning: request %s: the forward result could not be encoded: %v\n", ex.ID, err)
			}
		}
		if !more || o.buf.Len() >= 64<<10 {
			o.flush()
		}
		return
	}
	if ex.TooLarge {
		return // reported on stderr above
	}
	o.show(ex)
	if v, ok := render.ForwardViewOf(ex); ok && o.fwd != nil {
		o.buf.WriteString(o.fwd(v))
	}
	if !more || o.buf.Len() >= 64<<10 {
		o.flush()
	}
}

// noteLag says on stderr when the output falls far behind the requests
// (a paused or slow terminal): at 1000, 10000, 100000… waiting. They are
// all answered already and will all be shown.
func (o *output) noteLag() {
	if o.backlog == nil {
		return
	}
	n := o.backlog()
	next := 1000
	if o.lagBehind > 0 {
		next = o.lagBehind * 10
	}
	if n < next {
		if n < 100 {
			o.lagBehind = 0
		}
		return
	}
	for next*10 <= n {
		next *= 10
	}
	o.lagBehind = next
	fmt.Fprintf(o.ios.ErrOut, "note: the output is %d requests behind; they are answered and will all be shown\n", n)
}

// show renders an exchange's events; if rendering fails, the exchange is
// still shown, raw, and the failure is reported on stderr.
func (o *output) show(ex *listener.Exchange) {
	mark := o.buf.Len()
	defer func() {
		if p := recover(); p != nil {
			o.buf.Truncate(mark)
			fmt.Fprintf(o.ios.ErrOut, "warning: request %s could not be shown (%v); showing it raw\n", ex.ID, p)
			target := ex.Path
			if ex.RawQuery != "" {
				target += "?" + ex.RawQuery
			}
			fmt.Fprintf(&o.buf, "request %s: %s %s, answered %d\n", ex.ID, ex.Method, render.Sanitize(target), ex.Answer.Status)
			if len(ex.Body) > 0 {
				fmt.Fprintf(&o.buf, "  raw: %s\n", render.Sanitize(string(ex.Body)))
			}
			o.buf.WriteByte('\n')
		}
	}()
	for _, v := range render.ViewsOf(ex) {
		o.buf.WriteString(o.event(v))
	}
}

func (o *output) flush() {
	if o.buf.Len() == 0 {
		return
	}
	if o.err == nil {
		_, o.err = o.ios.Out.Write(o.buf.Bytes())
		if o.err != nil && o.failed != nil {
			o.failed()
		}
	}
	o.buf.Reset()
	if o.buf.Cap() > 1<<20 {
		o.buf = bytes.Buffer{}
	}
}
