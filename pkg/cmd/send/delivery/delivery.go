// Package delivery holds the delivery flags of the commands that send
// callbacks (send fixture, send file, send lifecycle, replay; fixtures show
// reads --to, -H and --app-secret to print the request): --to, -H,
// --app-secret, --timeout, --expect-status, --json and --insecure, and the
// loop that delivers and reports.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/sender"

	"golang.org/x/net/http/httpguts"
)

// talkQueryMax is how much of a query a message on stderr quotes.
const talkQueryMax = 60

// TalkURL is a delivery's URL as a message on stderr names it: a query of
// a Kaleyra GET callback runs to hundreds of bytes, which bury the error,
// so a long one is cut ("…"). The result line on stdout has it whole.
func TalkURL(u string) string {
	q := strings.IndexByte(u, '?')
	if q < 0 || len(u)-q-1 <= talkQueryMax {
		return u
	}
	cut := q + 1 + talkQueryMax
	for cut > q+1 && !utf8.RuneStart(u[cut]) {
		cut--
	}
	return u[:cut] + "…"
}

// DefaultTarget is where deliveries go without --to: the local listener.
const DefaultTarget = "http://127.0.0.1:4280/"

// Flags are the flags of every delivering command.
type Flags struct {
	To        string
	AppSecret string
	Headers   []string
	Timeout   time.Duration
	Expect    string
	JSON      bool
	Insecure  bool

	target *url.URL
	header http.Header
	expect func(int) bool
}

// AddFlags registers --to, --app-secret, -H, --timeout,
// --expect-status and --json, under "Delivery" in the help. withResults is
// false for commands that do not deliver (show).
func AddFlags(cmd *cobra.Command, df *Flags, withResults bool) {
	fl := cmd.Flags()
	fl.StringVar(&df.To, "to", DefaultTarget, "Deliver to `URL` (its path and query come before the fixture's)")
	fl.StringVar(&df.AppSecret, "app-secret", "", "Sign bodies with X-Hub-Signature-256 using app `SECRET` (env WA_CB_APP_SECRET)")
	fl.StringArrayVarP(&df.Headers, "header", "H", nil, "Add a request header `\"Key: Value\"` (repeatable)")
	if withResults {
		fl.DurationVar(&df.Timeout, "timeout", 10*time.Second, "Give up on a delivery after `DURATION`")
		fl.StringVar(&df.Expect, "expect-status", "2xx", "Statuses that count as success: `CODES` such as 200, 204 or 2xx, comma-separated")
		fl.BoolVar(&df.JSON, "json", false, "Print one JSON object per delivery")
		fl.BoolVarP(&df.Insecure, "insecure", "k", false, "Accept any TLS certificate of an https --to (a self-signed development server)")
		cmdutil.FlagGroup(cmd, "Delivery", "to", "header", "app-secret", "timeout", "insecure", "expect-status", "json")
		return
	}
	cmdutil.FlagGroup(cmd, "Delivery", "to", "header", "app-secret")
}

// Validate checks the delivery flags and reads the app secret from the
// environment when the flag is not given.
func (df *Flags) Validate(cmd *cobra.Command, getenv func(string) string) error {
	u, err := sender.ParseTarget(df.To)
	if errors.Is(err, sender.ErrUserInfo) {
		return cmdutil.FlagErrorf("--to: %v; use -H 'Authorization: ...'", err)
	}
	if err != nil {
		return cmdutil.FlagErrorf("--to: %v", err)
	}
	df.target = u
	h, err := ParseHeaders(df.Headers)
	if err != nil {
		return err
	}
	df.header = h
	if !cmd.Flags().Changed("app-secret") && getenv != nil {
		df.AppSecret = getenv(cmdutil.EnvAppSecret)
	}
	if df.Expect != "" {
		e, err := sender.ParseExpect(df.Expect)
		if err != nil {
			return cmdutil.FlagErrorf("--expect-status: %v", err)
		}
		df.expect = e
	}
	if cmd.Flags().Lookup("timeout") != nil && df.Timeout <= 0 {
		return cmdutil.FlagErrorf("--timeout must be positive, got %s", df.Timeout)
	}
	return nil
}

// Target is the parsed --to URL (after Validate).
func (df *Flags) Target() *url.URL { return df.target }

// Expectation is the parsed --expect-status (after Validate).
func (df *Flags) Expectation() func(int) bool { return df.expect }

// ParseHeaders reads -H "Key: Value" arguments.
func ParseHeaders(args []string) (http.Header, error) {
	h := http.Header{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, ":")
		k = strings.TrimSpace(k)
		if !ok || !httpguts.ValidHeaderFieldName(k) {
			return nil, cmdutil.FlagErrorf("-H %q: want \"Key: Value\" with a header name of letters, digits and !#$%%&'*+-.^_`|~", a)
		}
		v = strings.TrimSpace(v)
		if strings.ContainsAny(v, "\r\n") {
			return nil, cmdutil.FlagErrorf("-H %q: a header value cannot hold a line break", a)
		}
		if !httpguts.ValidHeaderFieldValue(v) {
			return nil, cmdutil.FlagErrorf("-H %q: a header value cannot hold control characters", a)
		}
		h.Add(k, v)
	}
	return h, nil
}

// Build makes the delivery for a rendered request: the joined URL, the
// fixture's headers with -H on top, and whether to sign it.
func (df *Flags) Build(req *fixture.Request) sender.Request {
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for k, vs := range df.header {
		h[k] = append([]string(nil), vs...)
	}
	return sender.Request{
		Name:   req.Fixture,
		Method: req.Method,
		URL:    sender.JoinURL(df.target, req.Path, req.RawQuery),
		Header: h,
		Body:   req.Body,
	}
}

// Sender builds the sender for these flags.
func (df *Flags) Sender(f *cmdutil.Factory) *sender.Sender {
	var client *http.Client
	if f.HTTPClient != nil {
		client = f.HTTPClient(df.Timeout)
	} else {
		client = sender.NewClient(sender.ClientOptions{Timeout: df.Timeout})
	}
	if df.Insecure {
		client = sender.InsecureClient(client)
	}
	return &sender.Sender{
		Client:    client,
		Secret:    df.AppSecret,
		UserAgent: sender.UserAgent(f.AppVersion),
		Expect:    df.expect,
		Hint:      cmdutil.InsecureHint("--insecure"),
	}
}

// NewJob builds the delivery of a rendered fixture.
func (df *Flags) NewJob(fx *fixture.Fixture, req *fixture.Request) sender.Job {
	d := sender.Job{Request: df.Build(req), Sign: req.Signed}
	if fx.Kind == "verification" {
		if q, err := url.ParseQuery(req.RawQuery); err == nil && q.Get("hub.mode") == "subscribe" {
			d.Echo = q.Get("hub.challenge")
		}
	}
	return d
}

// Printer prints delivery results (render.DeliveryPrinter).
type Printer interface {
	Print(sender.Result) error
	PrintsErrors() bool
}

// Deliver sends ds in order and prints each result. A delivery that gets
// no response is reported on stderr as one line ("wa-cb: POST URL:
// connection refused"); a response with an unexpected status is counted;
// a handshake answer that does not echo hub.challenge is reported.
// Any failure makes the command exit 3 once all are sent.
func Deliver(ctx context.Context, errOut io.Writer, snd *sender.Sender, p Printer, ds []sender.Job, want string) error {
	failedTransport, failedStatus, failedAnswer := 0, 0, 0
	hinted := false
	for i, d := range ds {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(errOut, "wa-cb: stopped after %d of %d deliveries\n", i, len(ds))
			return cmdutil.ErrCheckFailed
		}
		res := snd.Deliver(ctx, d.Request, d.Sign)
		if res.Status == 0 {
			failedTransport++
			hint := ""
			if res.Error == "connection refused" && strings.HasPrefix(res.URL, DefaultTarget) && !hinted {
				hint = " (is wa-cb listen running? --to picks another target)"
				hinted = true
			}
			fmt.Fprintf(errOut, "wa-cb: %s %s: %s%s\n", res.Method, TalkURL(res.URL), res.Error, hint)
			if p.PrintsErrors() {
				if err := p.Print(res); err != nil {
					return err
				}
			}
			continue
		}
		if res.OK && d.Echo != "" && strings.TrimSpace(res.Response) != d.Echo {
			res.OK = false
			res.Problem = fmt.Sprintf("the answer is not the hub.challenge %s", d.Echo)
			failedAnswer++
		} else if !res.OK {
			failedStatus++
		}
		if err := p.Print(res); err != nil {
			return err
		}
		if res.Problem != "" {
			fmt.Fprintf(errOut, "wa-cb: %s %s: %s\n", res.Method, TalkURL(res.URL), res.Problem)
		}
	}
	if failedStatus > 0 {
		if want == "" {
			want = "2xx"
		}
		fmt.Fprintf(errOut, "wa-cb: %d of %d deliveries got an unexpected status (want %s)\n", failedStatus, len(ds), want)
	}
	if failedTransport+failedStatus+failedAnswer > 0 {
		return cmdutil.ErrCheckFailed
	}
	return nil
}
