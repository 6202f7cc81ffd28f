// Package mock implements `wa-cb mock` and `wa-cb mock numbers`.
package mock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmd/fixtures/shared"
	"github.com/wa-cb/wa-cb/pkg/cmd/validateurl"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/inspector"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/mock"
	"github.com/wa-cb/wa-cb/pkg/render"
	"github.com/wa-cb/wa-cb/pkg/sender"
	"github.com/wa-cb/wa-cb/pkg/urlcheck"
)

// maxWorkers bounds --callback-workers: each is a goroutine and, while
// it waits on the app, a connection.
const maxWorkers = 1024

// maxMediaCeiling bounds --max-media: uploads are held in memory.
const maxMediaCeiling = 1 << 30

// Defaults of the mock's address.
const (
	DefaultHost = "127.0.0.1"
	DefaultPort = 4290
)

// Options for `wa-cb mock`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Host      string
	Port      int
	ReadyFile string
	JSON      bool

	APIKey, SID     string
	CallbackProfile string
	Token           string
	WebhookURL      string
	AppSecret       string
	VerifyToken     string
	IncomingURL     string
	DisplayNumber   string

	Delays  mock.Delays
	Speed   float64
	Strict  bool
	Window  bool
	Keep    int
	Routes  map[string]*url.URL
	Timeout time.Duration
	// Workers deliver callbacks; an app that hangs holds one each until
	// Timeout.
	Workers int
	// MediaBytes bounds the uploaded media kept (--max-media).
	MediaBytes int64

	Whitelist      *urlcheck.Whitelist
	EntryWarnings  []urlcheck.EntryWarning
	whitelistLists []string
	whitelistFiles []string

	// Ready, when set, is called with the mock once it serves.
	Ready func(*mock.Mock)
	// UI: the web inspector over the mock's exchanges (--ui, --ui-addr,
	// --ui-keep, --ui-ready-file).
	UI cmdutil.UIFlags
	// Exchanges, when set, receives every whole exchange of the mock (the
	// app's calls and the callbacks sent) for a viewer such as the web
	// inspector (mock.Config.Exchanges); it must return at once.
	Exchanges func(mock.Exchange)
}

// NewCmdMock builds `wa-cb mock`.
func NewCmdMock(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	var addr, delays, maxMedia string
	var routes []string
	cmd := &cobra.Command{
		Use:   "mock",
		Short: "Stand in for the Kaleyra and Meta Cloud send APIs, and call back",
		Long: `Run a local stand-in for the WhatsApp send APIs, so the messages your app
really sends get their callbacks, offline. Point the app's Kaleyra (or Meta
Cloud) base URL at the mock (default http://127.0.0.1:4290) and send as in
production: it answers like the provider, judges each callback_url exactly
as validate-url does, and calls back with each message's statuses, sent →
delivered → read (--delays, --speed), with the ids it returned.

APIs:
  /v1/{SID}/messages                      Kaleyra v1 (statuses to its callback_url)
  /v2/{SID}/whatsapp/{number}/messages    Kaleyra v2 (statuses to --callback-profile)
  /{version}/{phone_number_id}/messages   Meta Cloud API (webhooks to --webhook-url)
  /{version}/{phone_number_id}/media      Cloud media (upload; GET, DELETE by id)

The mock never calls a host off this machine: a whitelisted production
callback_url is called back only through --route HOST=URL. /_mock/ is a
control API (messages, a status now, inbound customer messages, the clock).

Magic recipients (last four digits; wa-cb mock numbers):
` + magicList() + `
Output: a line per API call and callback try on stdout (--json: NDJSON), talk
on stderr, all of it in the inspector (--ui). Shape inferred (undocumented): the
v1 data array, E413's answer, v2's answer, retries. Details: man wa-cb-mock.`,
		Example: `  # Kaleyra v1: point your app's Kaleyra base URL at the mock
  $ wa-cb mock --speed 10
  $ curl -s http://127.0.0.1:4290/v1/HXAP16XXXXXX97IN/messages -H 'api-key: test' \
      -d channel=whatsapp -d type=text -d from=918012340128 -d to=919812345678 \
      -d body=Hello --data-urlencode callback_url=http://127.0.0.1:3000/kaleyra/status

  # test the production callback_url: whitelist its domain, route its host to your app
  $ wa-cb mock --whitelist example.com --route hooks.example.com=http://127.0.0.1:3000

  # Meta Cloud API: signed webhooks, after the verification handshake
  $ wa-cb mock --webhook-url http://127.0.0.1:3000/webhook --app-secret s3cret --verify-token vt --token T

  # webhooks name the phone_number_id the app sent on and this display number
  $ wa-cb mock --webhook-url http://127.0.0.1:3000/webhook --display-number +14155550123

  # an app that answers slowly: more callbacks in flight, each cut after 2s
  $ wa-cb mock --callback-workers 32 --callback-timeout 2s

  # Cloud media: upload, send by id, look up the URL, download it
  $ curl -s localhost:4290/v21.0/106540352242922/media -H 'Authorization: Bearer T' \
      -F messaging_product=whatsapp -F type=image/png -F file=@receipt.png
  $ curl -s localhost:4290/v21.0/<media id> -H 'Authorization: Bearer T'

  # room for large documents (Meta takes up to 100 MB each)
  $ wa-cb mock --max-media 256MiB

  # every call and callback in the browser
  $ wa-cb mock --ui --speed 10

  # in a script: a free port, its URL in a file, the event log as NDJSON
  $ wa-cb mock --port 0 --ready-file mock.url --json --delays sent=50ms,delivered=100ms,read=150ms > mock.ndjson &

  # a customer answers a message (context set), then 25 hours pass
  $ curl -s localhost:4290/_mock/inbound -d '{"reply_to":"wamid.…","text":"Yes please"}'
  $ curl -s localhost:4290/_mock/clock -d '{"advance":"25h"}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			host, port, err := cmdutil.SplitAddr(addr, opts.Port, cmd.Flags().Changed("port"), DefaultHost)
			if err != nil {
				return err
			}
			opts.Host, opts.Port = host, port
			if err := cmdutil.CheckReadyFile(opts.ReadyFile); err != nil {
				return err
			}
			if err := opts.UI.Validate(cmd.Flags().Changed); err != nil {
				return err
			}
			if opts.Delays, err = ParseDelays(delays); err != nil {
				return cmdutil.FlagErrorf("--delays: %v", err)
			}
			if opts.Speed <= 0 || opts.Speed > 1e6 {
				return cmdutil.FlagErrorf("invalid --speed %v: want a positive factor such as 10", opts.Speed)
			}
			if opts.Keep < 1 {
				return cmdutil.FlagErrorf("invalid --keep %d: want 1 or more", opts.Keep)
			}
			if opts.MediaBytes, err = cmdutil.ParseSize(maxMedia); err != nil {
				return cmdutil.FlagErrorf("invalid --max-media: %v", err)
			}
			if opts.MediaBytes > maxMediaCeiling {
				return cmdutil.FlagErrorf("invalid --max-media %s: at most 1GiB (uploads are held in memory)", maxMedia)
			}
			if opts.Workers < 1 || opts.Workers > maxWorkers {
				return cmdutil.FlagErrorf("invalid --callback-workers %d: want 1 to %d", opts.Workers, maxWorkers)
			}
			if opts.Routes, err = ParseRoutes(routes); err != nil {
				return cmdutil.FlagErrorf("--route: %v", err)
			}
			getenv := f.Getenv
			if getenv == nil {
				getenv = func(string) string { return "" }
			}
			if !cmd.Flags().Changed("app-secret") {
				opts.AppSecret = getenv(cmdutil.EnvAppSecret)
			}
			if !cmd.Flags().Changed("verify-token") {
				opts.VerifyToken = getenv(cmdutil.EnvVerifyToken)
			}
			for _, c := range []struct{ flag, v string }{
				{"--callback-profile", opts.CallbackProfile}, {"--webhook-url", opts.WebhookURL}, {"--incoming-url", opts.IncomingURL},
			} {
				if c.v == "" {
					continue
				}
				if r := urlcheck.New(urlcheck.Options{}).Check(c.v); r.Verdict == urlcheck.Invalid {
					return cmdutil.FlagErrorf("%s %q: %s (%s)", c.flag, c.v, r.Reason, r.Rule)
				}
			}
			if d, ok := mock.PhoneDigits(opts.DisplayNumber); ok {
				opts.DisplayNumber = d
			} else {
				return cmdutil.FlagErrorf("invalid --display-number %q: want the business's phone number, 8 to 15 digits (+ optional)", opts.DisplayNumber)
			}
			if opts.VerifyToken != "" && opts.WebhookURL == "" {
				return cmdutil.FlagErrorf("--verify-token needs --webhook-url (the handshake is made against it)")
			}
			wl, warnings, err := validateurl.BuildWhitelist(validateurl.WhitelistSources{
				Lists: opts.whitelistLists, Files: opts.whitelistFiles, Getenv: getenv})
			if err != nil {
				return err
			}
			opts.Whitelist, opts.EntryWarnings = wl, warnings
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return mockRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", DefaultHost, "`HOST`, HOST:PORT or http://HOST:PORT/ to serve on")
	fl.IntVar(&opts.Port, "port", DefaultPort, "`PORT` to serve on (0 picks a free one)")
	fl.StringVar(&opts.ReadyFile, "ready-file", "", "Write the mock's URL to `PATH` once it is serving")
	fl.BoolVar(&opts.JSON, "json", false, "Print the event log as NDJSON (one object per API call and per callback)")
	fl.StringVar(&opts.APIKey, "api-key", "", "Require this Kaleyra api-`KEY` (header or form field; default: any)")
	fl.StringVar(&opts.SID, "sid", "", "Accept only this Kaleyra account `SID` in paths (default: any)")
	fl.StringVar(&opts.CallbackProfile, "callback-profile", "", "Kaleyra Callback Profile `URL`: where v2 statuses go, and v1 ones sent with callback_profile_id")
	fl.StringVar(&opts.Token, "token", "", "Require this Cloud API Bearer `TOKEN` (default: any)")
	fl.StringVar(&opts.WebhookURL, "webhook-url", "", "Cloud API webhook `URL`: where Cloud statuses and messages go")
	fl.StringVar(&opts.AppSecret, "app-secret", "", "Sign webhooks with X-Hub-Signature-256 using app `SECRET` (env WA_CB_APP_SECRET)")
	fl.StringVar(&opts.VerifyToken, "verify-token", "", "Perform Meta's GET handshake with `TOKEN` before the first webhook (env WA_CB_VERIFY_TOKEN)")
	fl.StringVar(&opts.DisplayNumber, "display-number", mock.DefaultDisplayNumber, "The business's phone `NUMBER` in Cloud webhooks (display_phone_number)")
	fl.StringVar(&opts.IncomingURL, "incoming-url", "", "Kaleyra v1 Incoming `URL`: where customer messages go")
	fl.StringVar(&delays, "delays", "sent=200ms,delivered=1s,read=3s", "When each status goes out after a message is accepted (`LIST`)")
	fl.Float64Var(&opts.Speed, "speed", 1, "Divide every delay (statuses and retries) by `FACTOR`")
	fl.StringArrayVarP(&opts.whitelistLists, "whitelist", "w", nil, "Whitelisted callback `domains`, comma-separated (repeatable), as validate-url reads them")
	fl.StringArrayVar(&opts.whitelistFiles, "whitelist-file", nil, "Read whitelist entries from `FILE` (repeatable; env WA_CB_WHITELIST adds a list)")
	fl.BoolVar(&opts.Strict, "strict", false, "Apply production rules to loopback callback URLs too (not called back unless whitelisted)")
	fl.StringArrayVar(&routes, "route", nil, "Deliver callbacks for whitelisted `HOST=URL` to a local base URL, keeping path and query (repeatable)")
	fl.BoolVar(&opts.Window, "window", false, "Refuse free-form Cloud messages outside the customer's 24-hour window (131047)")
	fl.IntVar(&opts.Keep, "keep", mock.DefaultKeep, "Keep the latest `N` messages (and media uploads) for the control API (older ones dropped and counted)")
	fl.StringVar(&maxMedia, "max-media", "64MiB", "Keep at most `SIZE` of uploaded Cloud media in all (the oldest dropped; a larger file gets 413)")
	fl.DurationVar(&opts.Timeout, "callback-timeout", 10*time.Second, "Give up on a callback attempt after `DURATION`")
	fl.IntVar(&opts.Workers, "callback-workers", mock.DefaultWorkers, "Deliver callbacks on `N` workers at once (an app that hangs holds one until --callback-timeout)")
	cmdutil.SetDetails(cmd, details())
	cmdutil.AddUIFlags(cmd, &opts.UI, true)
	cmdutil.FlagGroup(cmd, "Serving", "addr", "port", "ready-file", "json", "keep", "max-media")
	cmdutil.FlagGroup(cmd, "Web inspector", "ui", "ui-addr", "ui-keep", "ui-ready-file")
	cmdutil.FlagGroup(cmd, "Kaleyra", "api-key", "sid", "callback-profile", "incoming-url")
	cmdutil.FlagGroup(cmd, "Meta Cloud", "token", "webhook-url", "app-secret", "verify-token", "display-number", "window")
	cmdutil.FlagGroup(cmd, "Callback", "delays", "speed", "callback-timeout", "callback-workers", "whitelist", "whitelist-file", "strict", "route")
	cmd.AddCommand(newCmdNumbers(f))
	return cmd
}

// magicList is one line per magic recipient, for the help.
func magicList() string {
	var b strings.Builder
	for _, mn := range mock.MagicNumbers {
		fmt.Fprintf(&b, "  …%s  %s\n", mn.Suffix, mn.Effect)
	}
	return b.String()
}

// details is the reference part of the help, for the man page and the
// Markdown reference; --help stays short.
func details() string {
	var b strings.Builder
	b.WriteString(`Run a local stand-in for the WhatsApp send APIs, so the messages your app
really sends get their callbacks, offline. Point the app's Kaleyra (or Meta
Cloud) base URL at the mock (default http://127.0.0.1:4290) and send as in
production. The mock answers like the provider, judges each callback_url
exactly as validate-url does, and calls back with each message's statuses,
sent → delivered → read (--delays, --speed), with the ids it returned. The
callbacks are the fixture catalogue's status fixtures, as wa-cb send renders
them.

APIs:
  POST|GET /v1/{SID}/messages                     Kaleyra v1: multipart, urlencoded or JSON
                                                  bodies, or every parameter in a GET query;
                                                  types text, template, media, location;
                                                  answer 200 {"id":"<uuid>:<n>", "data":[…]}
  POST /v2/{SID}/whatsapp/{number}/messages       Kaleyra v2: messaging_object + extra_info;
                                                  answer 202 WA202; statuses to --callback-profile
  POST /{version}/{phone_number_id}/messages      Meta Cloud API, any version; answer with
                                                  messages[].id = wamid.…; webhooks to
                                                  --webhook-url, signed with --app-secret
  POST /{version}/{phone_number_id}/media         Cloud media upload: multipart with
                                                  messaging_product=whatsapp, file, type (its
                                                  MIME type); answer {"id":"<media id>"}; 413
                                                  over Meta's limit for the type (image 5 MB,
                                                  audio and video 16 MB, sticker 500 KB,
                                                  document 100 MB) or --max-media
  GET|DELETE /{version}/{media_id}                the media's url (on the mock), mime_type,
                                                  sha256, file_size; DELETE: {"success":true}
  GET /whatsapp_business/attachments/?mid=ID      the media URL: the uploaded bytes, with
                                                  Authorization: Bearer as Meta requires, for 5
                                                  minutes of the mock's clock (then 404)

A Cloud media message naming an id that was not uploaded (or was deleted,
or dropped: --keep uploads and --max-media bytes are kept) is refused with
400 and code 100, as Meta refuses an id of no upload of the account. A
customer's media message (POST /_mock/inbound with a Cloud media fixture)
names a placeholder file the mock holds, so the app can download it.

Cloud webhooks name the business as the app knows it: metadata.phone_number_id
is the one in the path the message was sent on (a customer's message: the
replied-to message's, the inbound request's phone_number_id, else the one
the app last sent on), and display_phone_number is --display-number (the
mock cannot know a number's display number; default 15550783881, a +1 555
test number).

callback_url (Kaleyra v1): a malformed one is refused with 400 and code E413
(the validate-url rule id in the message). With a whitelist (--whitelist,
--whitelist-file, WA_CB_WHITELIST) a URL whose domain is not whitelisted is
accepted and delivered, and gets no callback; the log says which rule. The
mock never calls a host off this machine: a loopback callback_url is called
back (with a note that Kaleyra would never reach it; --strict refuses it
unless whitelisted), a whitelisted production URL only through --route
HOST=URL, which keeps its path and query. A whitelisted URL with no route is
reported as not delivered.

Magic recipients (the number's last four digits):
`)
	b.WriteString(magicList())
	b.WriteString(`Every other number goes sent → delivered → read.

Callbacks go out from --callback-workers workers (default 8); a callback
that falls due while all are busy waits, late but not lost. An app that
hangs holds a worker until --callback-timeout, so a hanging app with more
messages in flight than workers delays every callback behind them.

A callback answered with a non-2xx status (or not answered) is tried again,
4 tries in all, after 1s, 4s and 16s (divided by --speed): wa-cb's policy,
Kaleyra publishes none. Each try is shown.

Control API (this machine only; Host checked; cross-origin writes refused):
  GET  /_mock/messages, /_mock/messages/{id}   each message: request, callback verdict,
                                               every callback tried
  POST /_mock/messages/{id}/status             {"status":"read"} or {"status":"failed","code":131026}:
                                               now, instead of the rest of the plan
  POST /_mock/inbound                          {"from":…,"text":…,"reply_to":ID,"fixture":NAME,
                                               "phone_number_id":ID}: a customer message (to
                                               --incoming-url, --webhook-url or
                                               --callback-profile)
  POST /_mock/clock                            {"advance":"25h"}: move the mock's clock
  POST /_mock/reset                            forget every message
  GET  /_mock/events                           server-sent events of everything
  GET  /_mock/stats                            counters

Output: the event log on stdout, a line per API call and per callback
attempt; with --json one object per line, each with kind (api-call,
callback, callback-skipped, inbound, handshake, clock, reset), id, and for
callbacks url, status, answer, latency_ms and attempt. Banners and the
summary go to stderr.

Shape inferred: Kaleyra documents neither the rest of the v1 success body
(the data array), the HTTP status and body of E413, nor the v2 answer body
and a retry policy; the mock's choices for these are wa-cb's own. Of Meta's
media endpoints, the answers of the media URL to a missing token (401) or a
gone file (404), the 413 of an oversized upload and the error of a message
naming an unknown media id (code 100, as reported by Cloud API users) are
inferred too.`)
	return b.String()
}

// ParseDelays reads --delays: sent=200ms,delivered=1s,read=3s (any subset).
func ParseDelays(s string) (mock.Delays, error) {
	d := mock.DefaultDelays
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return d, fmt.Errorf("%q: want STATUS=DURATION, e.g. sent=200ms", part)
		}
		dur, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || dur < 0 {
			return d, fmt.Errorf("%q: want a duration such as 200ms or 1s", part)
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "sent":
			d.Sent = dur
		case "delivered":
			d.Delivered = dur
		case "read":
			d.Read = dur
		default:
			return d, fmt.Errorf("%q: the statuses are sent, delivered and read", part)
		}
	}
	if d.Delivered < d.Sent || d.Read < d.Delivered {
		return d, fmt.Errorf("want sent ≤ delivered ≤ read (each is counted from acceptance), got %s, %s, %s", d.Sent, d.Delivered, d.Read)
	}
	return d, nil
}

// ParseRoutes reads --route HOST=URL values; URL must be on this machine.
func ParseRoutes(args []string) (map[string]*url.URL, error) {
	out := map[string]*url.URL{}
	for _, a := range args {
		host, target, ok := strings.Cut(a, "=")
		host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
		if !ok || host == "" {
			return nil, fmt.Errorf("%q: want HOST=URL, e.g. hooks.example.com=http://127.0.0.1:3000", a)
		}
		if e, reason := urlcheck.ParseEntry(host); reason != "" {
			return nil, fmt.Errorf("%q: %s is not a host name: %s", a, host, reason)
		} else {
			host = e.Domain
		}
		u, err := sender.ParseTarget(strings.TrimSpace(target))
		if err != nil {
			return nil, fmt.Errorf("%q: %v", a, err)
		}
		if !cmdutil.IsLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("%q: %s is not on this machine; routes go to local URLs only (127.0.0.1, ::1, localhost)", a, u.Host)
		}
		if _, dup := out[host]; dup {
			return nil, fmt.Errorf("%s is routed twice", host)
		}
		out[host] = u
	}
	return out, nil
}

// readTimeout bounds the reading of a whole request, body included: a
// client that trickles its body is cut, as listen cuts it.
var readTimeout = 60 * time.Second

// newServer is the mock's HTTP server: headers within 10s, the whole
// request within readTimeout.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       readTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
}

func mockRun(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ios := opts.IO
	f := opts.Factory
	cat, err := shared.Catalog(f.Getenv, nil)
	if err != nil {
		return err
	}
	var client *http.Client
	if f.HTTPClient != nil {
		client = f.HTTPClient(opts.Timeout)
	} else {
		client = sender.NewClient(sender.ClientOptions{Timeout: opts.Timeout})
	}
	out := newOutput(ios, opts.JSON)
	// The inspector is made once the mock's address is known; until then
	// (before it serves) there is nothing to show.
	var ui atomic.Pointer[inspector.Inspector]
	exchanges := opts.Exchanges
	if opts.UI.Enabled {
		next := opts.Exchanges
		exchanges = func(x mock.Exchange) {
			if in := ui.Load(); in != nil {
				in.Add(inspector.Exchange{Record: x.Record, Origin: x.Origin, Note: noteOf(x.Log)})
			}
			if next != nil {
				next(x)
			}
		}
	}
	m, err := mock.New(mock.Config{
		APIKey: opts.APIKey, SID: opts.SID, CallbackProfile: opts.CallbackProfile, Token: opts.Token,
		WebhookURL: opts.WebhookURL, AppSecret: opts.AppSecret, VerifyToken: opts.VerifyToken, IncomingURL: opts.IncomingURL,
		DisplayNumber: opts.DisplayNumber,
		Delays:        opts.Delays, Speed: opts.Speed,
		Checker:   urlcheck.New(urlcheck.Options{Whitelist: opts.Whitelist}),
		Whitelist: opts.Whitelist != nil, Strict: opts.Strict, Routes: opts.Routes, Window: opts.Window, Keep: opts.Keep,
		Workers: opts.Workers, MediaBytes: opts.MediaBytes,
		Catalog: cat, Sender: &sender.Sender{Client: client, UserAgent: sender.UserAgent(f.AppVersion)},
		Observe: out.record, Exchanges: exchanges,
	})
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		m.Close()
		if cmdutil.AddrInUse(err) {
			return fmt.Errorf("cannot listen on %s: address already in use (is another mock running? pick another --port, or --port 0 for a free one)", addr)
		}
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	ta := ln.Addr().(*net.TCPAddr)
	base := "http://" + net.JoinHostPort(ta.IP.String(), strconv.Itoa(ta.Port)) + "/"
	m.Bound(ta, opts.Host)
	wp := render.NewURLPrinter(render.NewErr(ios), ios.IsStderrTTY())
	for _, w := range opts.EntryWarnings {
		fmt.Fprint(ios.ErrOut, wp.EntryWarning(w))
	}
	if w := cmdutil.ExposureWarning(opts.Host, addr); w != "" {
		fmt.Fprintln(ios.ErrOut, w)
	}
	var uiSrv *inspector.Server
	if opts.UI.Enabled {
		in := inspector.New(inspector.Config{
			Keep:          opts.UI.Keep,
			Title:         "wa-cb mock " + base,
			Live:          true,
			ListenerURL:   cmdutil.SelfURL(ta),
			ListenerLabel: "the mock",
			AppSecret:     opts.AppSecret,
			Version:       f.AppVersion,
		})
		if uiSrv, err = opts.UI.StartUI(in, ios.ErrOut); err != nil {
			ln.Close()
			m.Close()
			return err
		}
		defer uiSrv.Close()
		ui.Store(in)
	}
	srv := newServer(m)
	// Every call and callback allocates while the live heap stays small;
	// a higher GC target spends far less CPU for a few MiB more (as
	// listen does). GOGC still wins.
	if f.Getenv == nil || f.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(ios.ErrOut, "Mock provider APIs on %s ... (Ctrl-C to stop)\n", base)
	for _, line := range banner(opts, base) {
		fmt.Fprintln(ios.ErrOut, line)
	}
	if uiSrv != nil {
		if err := opts.UI.AnnounceUI(uiSrv, ios.ErrOut); err != nil {
			srv.Close()
			m.Close()
			return err
		}
	}
	if opts.ReadyFile != "" {
		if err := cmdutil.WriteReadyFile(opts.ReadyFile, base); err != nil {
			srv.Close()
			m.Close()
			return fmt.Errorf("cannot write --ready-file: %w", err)
		}
	}
	if opts.Ready != nil {
		opts.Ready(m)
	}
	stopped := make(chan struct{})
	defer close(stopped)
	go cmdutil.AbortOnSecondSignal(ctx, stopped, func() {
		_ = srv.Close()
		m.Abort()
	})
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			runErr = err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = srv.Shutdown(sctx)
	cancel()
	left := m.Close()
	out.flush()
	st := m.Stats()
	fmt.Fprintf(ios.ErrOut, "Stopped: %d API calls (%d refused), %d messages, %d callback attempts (%d answered 2xx, %d not), %d not made",
		st.APICalls, st.Refused, st.Messages, st.CallbacksSent, st.CallbacksOK, st.CallbacksFailed, st.CallbacksSkipped+st.CallbacksOverflow)
	if left > 0 {
		fmt.Fprintf(ios.ErrOut, ", %d still scheduled", left)
	}
	fmt.Fprintln(ios.ErrOut)
	// what the app was given that a handler must survive (duplicates, a
	// read before delivered), as listen summarises it
	tr := m.Lifecycle()
	fmt.Fprint(ios.ErrOut, render.LifecycleSummary(tr.Anomalies(), tr.Anomalous(), tr.Dropped(), cmdutil.SummaryAnomalies))
	if runErr != nil {
		return runErr
	}
	return out.err
}

// noteOf says in a line what an API call did, for the web inspector's
// list: what was sent to whom and the id given, or why it was refused.
func noteOf(r mock.Record) string {
	if r.Kind != mock.KindAPICall {
		return ""
	}
	if r.Code != "" || r.Message != "" {
		n := "refused"
		if r.Code != "" {
			n += " " + r.Code
		}
		if r.Message != "" {
			n += ": " + r.Message
		}
		return n
	}
	var parts []string
	if r.Type != "" {
		parts = append(parts, r.Type)
	}
	if r.To != "" {
		parts = append(parts, "to "+r.To)
	}
	if r.ID != "" {
		parts = append(parts, "→ "+r.ID)
	}
	return strings.Join(parts, " ")
}

// servedHosts are the Host values the control API accepts: the bound
// address and, on loopback, localhost with the port.
// banner says what is configured, on stderr (secrets never).
func banner(opts *Options, base string) []string {
	var lines []string
	add := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }
	b := strings.TrimSuffix(base, "/")
	add("  Kaleyra v1  %s/v1/{SID}/messages", b)
	if opts.CallbackProfile != "" {
		add("  Kaleyra v2  %s/v2/{SID}/whatsapp/{number}/messages → statuses to %s", b, opts.CallbackProfile)
	} else {
		add("  Kaleyra v2  %s/v2/{SID}/whatsapp/{number}/messages (no --callback-profile: no v2 callbacks)", b)
	}
	if opts.WebhookURL != "" {
		signed := "unsigned (no --app-secret)"
		if opts.AppSecret != "" {
			signed = "signed"
		}
		add("  Cloud       %s/{version}/{phone_number_id}/messages → webhooks to %s, %s, display number %s", b, opts.WebhookURL, signed, opts.DisplayNumber)
	} else {
		add("  Cloud       %s/{version}/{phone_number_id}/messages (no --webhook-url: no Cloud webhooks)", b)
	}
	add("  Media       %s/{version}/{phone_number_id}/media, /{version}/{media_id} (up to %s kept)", b, cmdutil.FormatSize(opts.MediaBytes))
	add("  Control     %s/_mock/messages, /_mock/events, ... (wa-cb mock --help)", b)
	add("  Statuses    sent %s, delivered %s, read %s after acceptance%s", opts.Delays.Sent, opts.Delays.Delivered, opts.Delays.Read, speedNote(opts.Speed))
	if opts.Whitelist != nil {
		add("  Whitelist   %d entries; routes: %d", opts.Whitelist.Len(), len(opts.Routes))
	} else {
		add("  Whitelist   none: every well-formed callback_url is accepted (E413 rules only)")
	}
	add("  Magic recipients: wa-cb mock numbers")
	return lines
}

func speedNote(speed float64) string {
	if speed == 1 {
		return ""
	}
	return fmt.Sprintf(", divided by --speed %g", speed)
}

// output writes the event log: one line per record, as plain text or
// NDJSON. Records are appended to a buffer that one goroutine writes out as
// soon as it can, so a burst of records costs a few writes instead of one
// each, and nothing waits for the terminal unless the buffer is full.
type output struct {
	w    io.Writer
	json bool
	text func(mock.Record) string // a plain or coloured line

	mu     sync.Mutex
	room   *sync.Cond
	buf    []byte
	spare  []byte
	err    error
	closed bool
	kick   chan struct{}
	done   chan struct{}
}

// maxPending bounds the log buffered for a terminal that does not keep up;
// records then wait for room rather than being lost.
const maxPending = 8 << 20

func newOutput(ios *iostreams.IOStreams, asJSON bool) *output {
	o := &output{w: ios.Out, json: asJSON, text: render.MockPrinter(render.New(ios)), kick: make(chan struct{}, 1), done: make(chan struct{})}
	o.room = sync.NewCond(&o.mu)
	go o.loop()
	return o
}

func (o *output) record(r mock.Record) {
	r.Reason += flagHint(r)
	var line []byte
	if o.json {
		b, err := mock.MarshalLine(r)
		if err != nil {
			return
		}
		line = b
	} else {
		line = []byte(o.text(r))
	}
	o.mu.Lock()
	for len(o.buf) > maxPending && o.err == nil && !o.closed {
		o.room.Wait()
	}
	if o.err == nil {
		o.buf = append(o.buf, line...)
	}
	o.mu.Unlock()
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

func (o *output) loop() {
	defer close(o.done)
	for {
		_, ok := <-o.kick
		o.mu.Lock()
		b := o.buf
		o.buf = o.spare[:0]
		o.mu.Unlock()
		var err error
		if len(b) > 0 {
			_, err = o.w.Write(b)
		}
		o.mu.Lock()
		o.spare = b[:0]
		if err != nil && o.err == nil {
			o.err = err
		}
		o.room.Broadcast()
		o.mu.Unlock()
		if !ok {
			return
		}
	}
}

// flagHint names the flag that would change a skipped callback's fate:
// the mock reports rules, the command knows its flags.
func flagHint(r mock.Record) string {
	switch r.Rule {
	case mock.RuleNoRoute:
		host := "HOST"
		if u, err := url.Parse(r.URL); err == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
		return " (--route " + host + "=http://127.0.0.1:PORT delivers its callbacks to your app)"
	case mock.RuleNoTarget:
		if r.API == mock.APICloud {
			return " (--webhook-url)"
		}
		return " (--callback-profile)" // v2, and v1 with callback_profile_id
	case mock.RuleLoopback:
		return " (--strict)"
	}
	return ""
}

// flush writes what is left and stops the writer; call it once, after the
// last record.
func (o *output) flush() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	close(o.kick)
	<-o.done
}
