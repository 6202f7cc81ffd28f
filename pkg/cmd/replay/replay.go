// Package replay implements `wa-cb replay`.
package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmd/send/delivery"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/jqmatch"
	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/record"
	"github.com/wa-cb/wa-cb/pkg/render"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// Options for `wa-cb replay`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Path     string
	Delivery delivery.Flags
	Realtime bool
	Speed    float64
	Filter   string
	Limit    int
	SkipBad  bool

	filter *jqmatch.Matcher
	// Sleep waits between deliveries under --realtime (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewCmdReplay builds `wa-cb replay`.
func NewCmdReplay(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "replay <file>|-",
		Short: "Re-deliver the requests of a recording, byte for byte",
		Long: `Re-deliver the requests captured by wa-cb listen --record, in the order they
came, to the local listener or to --to URL: the same method, the recorded
path and query joined onto --to's (as wa-cb send joins them), the recorded
headers (but hop-by-hop ones, Content-Length and Host, which are set anew)
and the exact body bytes. No User-Agent or Accept-Encoding is added.

By default the requests go out one after the other as fast as the target
answers; --realtime keeps the spacing they had when recorded, and --speed
2 plays it twice as fast (--speed implies --realtime).

--filter EXPR keeps the recording lines for which the jq expression is
true; it sees the whole line: .request (method, path, query, headers,
body), .events, .response, .forward, .received_at. --limit N stops after
N deliveries. Requests whose body was not recorded (refused with 413, or
cut off) are skipped with a note.

Each delivery is reported like wa-cb send reports it (with the recorded
request id): status, latency and the start of the answer, or one JSON
object each with --json. The exit code is 3 when a delivery gets a status
outside --expect-status (2xx), and when the target cannot be reached, in
which case the replay stops there with a one-line error. A line of the file
that is not a recording line stops the replay before anything is sent
(exit 1, naming the line), unless --skip-bad skips it with a warning.

With --app-secret (or WA_CB_APP_SECRET) bodies are signed anew
(X-Hub-Signature-256 and X-Hub-Signature replace the recorded ones). A
recording made with --redact holds masked bodies and no signatures: they
are replayed unsigned unless --app-secret signs them. Recordings keep no
credentials (Authorization, Cookie, API keys): -H sends one again.`,
		Example: `  $ wa-cb replay session.ndjson
  $ wa-cb replay session.ndjson --to http://127.0.0.1:3000/webhooks/whatsapp
  $ wa-cb replay session.ndjson --filter '.events[].status == "failed"' --limit 1
  $ wa-cb replay session.ndjson --realtime --speed 4 --json | jq .status`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if err := opts.Delivery.Validate(cmd, f.Getenv); err != nil {
				return err
			}
			if cmd.Flags().Changed("speed") {
				if !(opts.Speed > 0) || opts.Speed > 1e6 {
					return cmdutil.FlagErrorf("invalid --speed %v: want a factor above 0, such as 0.5 or 2", opts.Speed)
				}
				opts.Realtime = true
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("invalid --limit %d: want 0 (no limit) or more", opts.Limit)
			}
			if opts.Filter != "" {
				m, err := jqmatch.Compile(opts.Filter)
				if err != nil {
					return cmdutil.FlagErrorf("--filter: %v", err)
				}
				opts.filter = m
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return replayRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Realtime, "realtime", false, "Keep the recorded spacing between requests")
	fl.Float64Var(&opts.Speed, "speed", 1, "Play the recorded spacing `FACTOR` times as fast (implies --realtime)")
	fl.StringVar(&opts.Filter, "filter", "", "Replay only the recording lines for which the jq `EXPR` is true")
	fl.IntVar(&opts.Limit, "limit", 0, "Stop after `N` deliveries (0: all)")
	fl.BoolVar(&opts.SkipBad, "skip-bad", false, "Skip lines that are not recording lines, with a warning")
	cmdutil.FlagGroup(cmd, "Replay", "filter", "limit", "skip-bad", "realtime", "speed")
	delivery.AddFlags(cmd, &opts.Delivery, true)
	if to := fl.Lookup("to"); to != nil {
		to.Usage = "Deliver to `URL` (its path and query come before the recorded ones)"
	}
	return cmd
}

// item is one recorded request to deliver.
type item struct {
	rec  *record.Record
	line int
}

// load reads the recording, keeping what the filter selects, up to the
// limit. A bad line is an error (exit 1) unless --skip-bad.
func load(r io.Reader, opts *Options, errOut io.Writer) ([]item, error) {
	rd := record.NewReader(r)
	var items []item
	line := 0
	for opts.Limit == 0 || len(items) < opts.Limit {
		rec, raw, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *record.LineError
		if errors.As(err, &le) {
			if le.IsEventStream() {
				return nil, cmdutil.ConfigErrorf("%s: line %d is an event of listen --json, not a recording: events do not keep the requests to send again; record them with wa-cb listen --record FILE", opts.Path, le.Line)
			}
			if opts.SkipBad {
				fmt.Fprintf(errOut, "warning: %s: %v (skipped)\n", opts.Path, err)
				continue
			}
			return nil, fmt.Errorf("%s: %w (--skip-bad skips such lines)", opts.Path, err)
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", opts.Path, err)
		}
		line++
		if opts.filter != nil {
			ok, ferr := opts.filter.MatchJSON(raw)
			if ferr != nil {
				fmt.Fprintf(errOut, "warning: --filter failed on request %s (not replayed): %v\n", rec.RequestID, ferr)
				continue
			}
			if !ok {
				continue
			}
		}
		if rec.Request.Body == nil && bodyMissing(rec) {
			fmt.Fprintf(errOut, "note: request %s not replayed: its body was not recorded (%s)\n", rec.RequestID, rec.Error)
			continue
		}
		// Only the request is sent: let the rest go (a long recording is held
		// in memory until it is replayed).
		rec.Events, rec.Forward, rec.Response.Body = nil, nil, ""
		items = append(items, item{rec: rec, line: line})
	}
	return items, nil
}

// bodyMissing reports whether a record lacks the body its request had.
func bodyMissing(rec *record.Record) bool {
	return rec.Error != "" && (rec.Response.Status == http.StatusRequestEntityTooLarge || strings.Contains(rec.Error, "could not be read"))
}

func replayRun(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ios := opts.IO
	r, closeInput, err := cmdutil.OpenInput(opts.Path, ios.In)
	if err != nil {
		return err
	}
	defer closeInput()
	items, err := load(r, opts, ios.ErrOut)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		what := "no recorded requests"
		if opts.filter != nil {
			what = "no recorded requests match --filter"
		}
		fmt.Fprintf(ios.ErrOut, "wa-cb: %s in %s\n", what, opts.Path)
		return nil
	}
	extra, err := delivery.ParseHeaders(opts.Delivery.Headers)
	if err != nil {
		return err
	}
	redacted := 0
	for _, it := range items {
		if it.rec.Redacted {
			redacted++
		}
	}
	if names := maskedCredentials(items, extra); names.requests > 0 {
		fmt.Fprintf(ios.ErrOut, "note: recordings keep no credentials: %s sent without %s (-H 'NAME: VALUE' sends one)\n",
			plural(names.requests, "request is", "requests are"), strings.Join(names.headers, ", "))
	}
	if redacted > 0 && opts.Delivery.AppSecret == "" {
		fmt.Fprintf(ios.ErrOut, "note: %d of %d requests were recorded with --redact: they deliver the masked bodies, unsigned (--app-secret signs them anew)\n", redacted, len(items))
	}

	snd := opts.Delivery.Sender(opts.Factory)
	snd.UserAgent = ""
	if tr, ok := snd.Client.Transport.(*http.Transport); ok {
		c := *snd.Client
		tr = tr.Clone()
		tr.DisableCompression = true // send no Accept-Encoding the recording did not have
		c.Transport = tr
		snd.Client = &c
	}
	p := &printer{json: opts.Delivery.JSON, out: ios.Out, lines: render.NewDeliveryPrinter(ios, false)}
	sleep := opts.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	speed := opts.Speed
	if speed <= 0 {
		speed = 1
	}

	failedStatus := 0
	for i, it := range items {
		if i > 0 && opts.Realtime {
			gap := it.rec.ReceivedAt.Sub(items[i-1].rec.ReceivedAt)
			if gap > 0 {
				if err := sleep(ctx, time.Duration(float64(gap)/speed)); err != nil {
					fmt.Fprintf(ios.ErrOut, "wa-cb: stopped after %d of %d deliveries\n", i, len(items))
					return cmdutil.ErrCheckFailed
				}
			}
		}
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(ios.ErrOut, "wa-cb: stopped after %d of %d deliveries\n", i, len(items))
			return cmdutil.ErrCheckFailed
		}
		res := snd.Deliver(ctx, listener.ReplayRequest(it.rec, opts.Delivery.Target(), extra), opts.Delivery.AppSecret != "")
		if res.Status == 0 {
			if p.json {
				if err := p.print(it.rec.RequestID, res); err != nil {
					return err
				}
			}
			hint := ""
			if res.Error == "connection refused" && strings.HasPrefix(res.URL, delivery.DefaultTarget) {
				hint = " (is wa-cb listen running? --to picks another target)"
			}
			fmt.Fprintf(ios.ErrOut, "wa-cb: %s %s: %s%s; stopped after %d of %d deliveries\n", res.Method, delivery.TalkURL(res.URL), res.Error, hint, i, len(items))
			return cmdutil.ErrCheckFailed
		}
		if !res.OK {
			failedStatus++
		}
		if err := p.print(it.rec.RequestID, res); err != nil {
			return err
		}
	}
	if failedStatus > 0 {
		want := opts.Delivery.Expect
		if want == "" {
			want = "2xx"
		}
		fmt.Fprintf(ios.ErrOut, "wa-cb: %d of %d deliveries got an unexpected status (want %s)\n", failedStatus, len(items), want)
		return cmdutil.ErrCheckFailed
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// printer prints replay results: send's lines (named by the recorded
// request id), or JSON objects that carry request_id.
type printer struct {
	json  bool
	out   io.Writer
	lines *render.DeliveryPrinter
	buf   bytes.Buffer
}

// Result is the --json form of one replayed delivery.
type Result struct {
	RequestID string `json:"request_id"`
	sender.Result
}

func (p *printer) print(id string, res sender.Result) error {
	if !p.json {
		return p.lines.Print(res)
	}
	res.Name = ""
	p.buf.Reset()
	enc := json.NewEncoder(&p.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Result{RequestID: id, Result: res}); err != nil {
		return err
	}
	_, err := p.out.Write(p.buf.Bytes())
	return err
}

// credentialNote is what maskedCredentials found.
type credentialNote struct {
	requests int
	headers  []string
}

// maskedCredentials counts the requests whose credential headers the
// recording masked and that -H does not give back, and names the headers.
func maskedCredentials(items []item, extra http.Header) credentialNote {
	var n credentialNote
	seen := map[string]bool{}
	for _, it := range items {
		found := false
		for k := range record.MaskedHeaders(it.rec.Request.Header) {
			if extra.Get(k) != "" {
				continue
			}
			found = true
			if ck := http.CanonicalHeaderKey(k); !seen[ck] {
				seen[ck] = true
				n.headers = append(n.headers, ck)
			}
		}
		if found {
			n.requests++
		}
	}
	slices.Sort(n.headers)
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
