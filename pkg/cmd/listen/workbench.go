package listen

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/inspector"
	"github.com/wa-cb/wa-cb/pkg/jqmatch"
	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/record"
	"github.com/wa-cb/wa-cb/pkg/redact"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// EnvRedactKey keeps --redact tokens stable across runs.
const EnvRedactKey = "WA_CB_REDACT_KEY"

// Workbench holds the flags that make the listener more than a viewer:
// forwarding, recording, failing-app answers, --until and --redact.
type Workbench struct {
	ForwardTo      string
	ForwardTimeout time.Duration
	// ForwardInsecure accepts any TLS certificate of an https app.
	ForwardInsecure bool
	Record          string

	Delay      time.Duration
	FailEvery  int
	FailRate   float64
	FailStatus int
	Seed       uint64

	Until   string
	Count   int
	Timeout time.Duration

	Redact    bool
	RedactKey string

	// StatusSet: --status was given (it then overrides the app's answer).
	StatusSet bool

	target *url.URL
	until  *jqmatch.Matcher
}

func addWorkbenchFlags(cmd *cobra.Command, wb *Workbench) {
	fl := cmd.Flags()
	fl.StringVar(&wb.ForwardTo, "forward-to", "", "Forward every callback to your app at `URL` and answer with its answer")
	fl.DurationVar(&wb.ForwardTimeout, "forward-timeout", listener.DefaultForwardTimeout, "Answer 504 when the app has not answered after `DURATION`")
	fl.BoolVar(&wb.ForwardInsecure, "forward-insecure", false, "Accept any TLS certificate of an https --forward-to (a self-signed development server)")
	fl.StringVar(&wb.Record, "record", "", "Append every exchange to `FILE` as one JSON line (credential headers masked; replay it with wa-cb replay)")
	fl.DurationVar(&wb.Delay, "delay", 0, "Answer each request only after `DURATION` (a slow app)")
	fl.IntVar(&wb.FailEvery, "fail-every", 0, "Answer every `N`th request with --fail-status")
	fl.Float64Var(&wb.FailRate, "fail-rate", 0, "Answer a share `P` (0 to 1) of requests, at random, with --fail-status")
	fl.IntVar(&wb.FailStatus, "fail-status", 500, "HTTP `STATUS` of a simulated failure")
	fl.Uint64Var(&wb.Seed, "seed", 0, "Seed `N` for --fail-rate's draws, to repeat a run (0: random)")
	fl.StringVar(&wb.Until, "until", "", "Exit 0 once --count events match the jq `EXPR`")
	fl.IntVar(&wb.Count, "count", 1, "Number `N` of events --until waits for")
	fl.DurationVar(&wb.Timeout, "timeout", 0, "With --until or --max-events: exit 3 if they are not met within `DURATION`")
	fl.BoolVar(&wb.Redact, "redact", false, "Mask personal data (numbers, names, texts, replies, contacts, places, file names) in every output and the recording")
	fl.StringVar(&wb.RedactKey, "redact-key", "", "`KEY` that keeps --redact tokens stable across runs (env WA_CB_REDACT_KEY; implies --redact)")
}

// validate checks the workbench flags (usage errors exit 2).
func (wb *Workbench) validate(changed func(string) bool, getenv func(string) string, maxEvents int) error {
	wb.StatusSet = changed("status")
	if wb.ForwardTo != "" {
		u, err := sender.ParseTarget(wb.ForwardTo)
		if err != nil {
			return cmdutil.FlagErrorf("--forward-to: %v", err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return cmdutil.FlagErrorf("--forward-to: want an http:// or https:// URL")
		}
		wb.target = u
	} else if changed("forward-timeout") {
		return cmdutil.FlagErrorf("--forward-timeout needs --forward-to")
	} else if wb.ForwardInsecure {
		return cmdutil.FlagErrorf("--forward-insecure needs --forward-to")
	}
	if wb.ForwardTimeout <= 0 {
		return cmdutil.FlagErrorf("invalid --forward-timeout %s: want a positive duration", wb.ForwardTimeout)
	}
	if wb.Delay < 0 {
		return cmdutil.FlagErrorf("invalid --delay %s: want 0 or more", wb.Delay)
	}
	if wb.FailEvery < 0 {
		return cmdutil.FlagErrorf("invalid --fail-every %d: want 1 or more (0: never)", wb.FailEvery)
	}
	if wb.FailRate < 0 || wb.FailRate > 1 || wb.FailRate != wb.FailRate {
		return cmdutil.FlagErrorf("invalid --fail-rate %v: want a share from 0 to 1", wb.FailRate)
	}
	if wb.FailStatus < 200 || wb.FailStatus > 599 {
		return cmdutil.FlagErrorf("invalid --fail-status %d: want an HTTP status from 200 to 599", wb.FailStatus)
	}
	if changed("fail-status") && wb.FailEvery == 0 && wb.FailRate == 0 {
		return cmdutil.FlagErrorf("--fail-status needs --fail-every or --fail-rate")
	}
	if changed("seed") && wb.FailRate == 0 {
		return cmdutil.FlagErrorf("--seed needs --fail-rate")
	}
	if wb.Until != "" {
		m, err := jqmatch.Compile(wb.Until)
		if err != nil {
			return cmdutil.FlagErrorf("--until: %v", err)
		}
		wb.until = m
	} else if changed("until") {
		return cmdutil.FlagErrorf("--until: empty expression")
	}
	if wb.Count < 1 {
		return cmdutil.FlagErrorf("invalid --count %d: want 1 or more", wb.Count)
	}
	if changed("count") && wb.until == nil {
		return cmdutil.FlagErrorf("--count needs --until")
	}
	if wb.Timeout < 0 || (changed("timeout") && wb.Timeout == 0) {
		return cmdutil.FlagErrorf("invalid --timeout %s: want a positive duration", wb.Timeout)
	}
	if wb.Timeout > 0 && wb.until == nil && maxEvents == 0 {
		return cmdutil.FlagErrorf("--timeout needs --until or --max-events")
	}
	if changed("redact-key") {
		if wb.RedactKey == "" {
			return cmdutil.FlagErrorf("--redact-key: empty key")
		}
		wb.Redact = true
	} else if getenv != nil {
		wb.RedactKey = getenv(EnvRedactKey)
	}
	return nil
}

// responds reports whether the workbench decides the answers (rather than
// the listener's fixed --status).
func (wb *Workbench) responds() bool {
	return wb.target != nil || wb.Delay > 0 || wb.FailEvery > 0 || wb.FailRate > 0
}

// responder builds the listener's answering hook.
func (wb *Workbench) responder(status int) *listener.Responder {
	w := &listener.Responder{
		Delay:     wb.Delay,
		FailEvery: wb.FailEvery,
		// The same words as the banner's "Failing every Nth request".
		FailEveryReason: failEveryReason(wb.FailEvery),
		FailRate:        wb.FailRate,
		FailStatus:      wb.FailStatus,
		Seed:            wb.Seed,
	}
	if wb.target != nil {
		w.Forward = listener.NewForwarder(wb.target, wb.ForwardTimeout)
		w.Forward.Hint = cmdutil.InsecureHint("--forward-insecure")
		if wb.ForwardInsecure {
			w.Forward.Insecure()
		}
		if wb.StatusSet {
			w.Status = status
			w.StatusReason = "--status"
		}
	} else {
		w.Status = status
	}
	return w
}

// failEveryReason is the answer's reason of a --fail-every failure.
func failEveryReason(n int) string {
	if n == 1 {
		return "simulated failure (every request)"
	}
	return "simulated failure (every " + cmdutil.Ordinal(n) + " request)"
}

// selfForward reports whether forwarding to target would reach the
// listener itself, which would loop forever.
func selfForward(target *url.URL, bound net.Addr) bool {
	ta, ok := bound.(*net.TCPAddr)
	if !ok || target == nil {
		return false
	}
	port := target.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[target.Scheme]
	}
	if port != strconv.Itoa(ta.Port) {
		return false
	}
	host := target.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	return ip.Equal(ta.IP) || ta.IP.IsUnspecified() || (ip.IsLoopback() && ta.IP.IsLoopback())
}

// hooks is the per-run state of the Answered hook: --until counting,
// redaction and recording, all on the request goroutines.
type hooks struct {
	until   *jqmatch.Matcher
	want    int
	matched atomic.Int64
	met     func() // called once when --until is satisfied
	metOnce sync.Once

	red *redact.Redactor
	rec *record.Writer
	ui  inspector.Sink // the web inspector, with --ui

	errOut  io.Writer
	errOnce sync.Once
	recOnce sync.Once
	recErr  error // the first failed write, read once the handlers are done
}

// answered runs for every exchange once it is answered: it counts --until
// matches on the events as received, masks personal data, encodes the
// events once (the bytes shown, recorded and given to the web inspector)
// and appends the record. --until matches those same bytes, unless
// --redact changes them: then it matches the events as received, encoded
// for it alone, so that a filter on a phone number still works.
func (h *hooks) answered(ex *listener.Exchange) {
	if h.red != nil {
		if h.until != nil {
			received := listener.Exchange{Events: ex.Events, TooLarge: ex.TooLarge, ReadError: ex.ReadError}
			received.EncodeEvents()
			h.match(&received)
		}
		redactExchange(h.red, ex)
		ex.EncodeEvents()
	} else {
		ex.EncodeEvents()
		h.match(ex)
	}
	var rec *record.Record
	if h.rec != nil || h.ui != nil {
		rec = listener.RecordOf(ex) // one record for the file and the inspector
	}
	if h.ui != nil {
		h.ui.Add(uiExchange(rec))
	}
	if h.rec != nil {
		if err := h.rec.Write(rec); err != nil {
			h.recordFailed(err)
		}
	}
}

// recordFailed reports the first failure of the recording (a Write that
// returned it, or the writer that met it).
func (h *hooks) recordFailed(err error) {
	h.recOnce.Do(func() {
		h.recErr = err
		fmt.Fprintf(h.errOut, "wa-cb: writing the recording failed: %v (the listener goes on; the exit code will be 1)\n", err)
	})
}

// match counts the --until matches among ex's encoded events.
func (h *hooks) match(ex *listener.Exchange) {
	if h.until == nil || ex.TooLarge || ex.ReadError != "" {
		return
	}
	for _, line := range ex.EventsJSON {
		ok, err := h.until.MatchJSON(line)
		if err != nil {
			h.errOnce.Do(func() {
				fmt.Fprintf(h.errOut, "warning: --until %q failed on an event (counted as no match): %v\n", h.until.String(), err)
			})
			continue
		}
		if ok && h.matched.Add(1) >= int64(h.want) {
			h.metOnce.Do(h.met)
		}
	}
}

// redactExchange masks personal data wherever the exchange shows it: the
// events, the body, the query, the headers and the app's answer.
func redactExchange(r *redact.Redactor, ex *listener.Exchange) {
	for i := range ex.Events {
		r.Event(&ex.Events[i])
	}
	if len(ex.Body) > 0 {
		coded := ex.Header.Get("Content-Encoding")
		switch {
		case ex.Inflated != nil:
			// Compressed bytes hide the personal data from the masking:
			// what is kept is the payload they held, masked, and no
			// longer compressed.
			ex.Body = r.Body(ex.Inflated, ex.Header.Get("Content-Type"))
			ex.Inflated = nil
			h := ex.Header.Clone()
			h.Del("Content-Encoding")
			ex.Header = h
		case coded != "" && !strings.EqualFold(strings.TrimSpace(coded), "identity"):
			// An encoding that could not be undone cannot be masked.
			ex.Body = nil
		default:
			ex.Body = r.Body(ex.Body, ex.Header.Get("Content-Type"))
		}
	}
	if ex.Header.Get(callback.SignatureHeader) != "" || ex.Header.Get(sender.LegacySignatureHeader) != "" {
		// The signatures were over the bytes received, which are gone:
		// a redacted recording claims no signature (its events still say
		// what was checked on arrival).
		h := ex.Header.Clone()
		h.Del(callback.SignatureHeader)
		h.Del(sender.LegacySignatureHeader)
		ex.Header = h
	}
	ex.Header = r.Header(ex.Header)
	rawQuery := ex.RawQuery
	if rawQuery != "" {
		q, _ := r.Query(rawQuery)
		ex.RawQuery = q
	}
	if fr := ex.Forward; fr != nil {
		c := *fr
		if rawQuery != "" {
			// the forwarded URL (and an error naming it) carry the query
			c.URL = strings.Replace(c.URL, "?"+rawQuery, "?"+ex.RawQuery, 1)
			c.Error = strings.ReplaceAll(c.Error, rawQuery, ex.RawQuery)
		}
		if len(fr.Body) > 0 && ex.Handshake == nil {
			c.Body = r.Body(fr.Body, fr.Header.Get("Content-Type"))
		}
		c.Header = r.Header(fr.Header)
		ex.Forward = &c
	}
	if ex.Handshake == nil && len(ex.Answer.Body) > 0 {
		ex.Answer.Body = r.Body(ex.Answer.Body, "")
	}
	ex.Answer.Header = r.Header(ex.Answer.Header)
	ex.Redacted = true
}

// arrivedSummary lists what arrived, for a --until that was not met.
func arrivedSummary(st listener.Stats) string {
	if st.Events == 0 {
		return "nothing arrived"
	}
	var parts []string
	for _, k := range sortedKeys(st.Kinds) {
		p := fmt.Sprintf("%d %s", st.Kinds[k], k)
		if k == callback.KindStatus {
			var ss []string
			for _, s := range sortedKeys(st.Statuses) {
				ss = append(ss, fmt.Sprintf("%d %s", st.Statuses[s], s))
			}
			if len(ss) > 0 {
				p += " (" + strings.Join(ss, ", ") + ")"
			}
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("arrived: %s, %s: %s", plural(st.Requests, "request"), plural(st.Events, "event"), strings.Join(parts, ", "))
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + one + "s"
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// notes are the stderr lines that say how the listener will answer.
func (wb *Workbench) notes(status int) []string {
	var out []string
	if wb.target != nil {
		n := fmt.Sprintf("Forwarding to %s (answering with the app's answer", wb.target.Redacted())
		if wb.StatusSet {
			n = fmt.Sprintf("Forwarding to %s (answering %d whatever the app says", wb.target.Redacted(), status)
		}
		out = append(out, n+"; 502 when it is down, 504 after "+wb.ForwardTimeout.String()+")")
	}
	if wb.FailEvery > 0 {
		out = append(out, fmt.Sprintf("Failing every %s request with %d", cmdutil.Ordinal(wb.FailEvery), wb.FailStatus))
	}
	if wb.FailRate > 0 {
		n := fmt.Sprintf("Failing a share of %g of requests with %d", wb.FailRate, wb.FailStatus)
		if wb.Seed != 0 {
			n += fmt.Sprintf(" (seed %d)", wb.Seed)
		}
		out = append(out, n)
	}
	if wb.Delay > 0 {
		out = append(out, "Answering after "+wb.Delay.String())
	}
	if wb.Record != "" {
		n := "Recording to " + wb.Record
		if wb.Redact {
			n += " (redacted: bodies are not byte-exact)"
		}
		out = append(out, n)
	}
	if wb.Redact {
		out = append(out, "Redacting personal data (numbers, user ids, names, texts, replies, contacts, places, file names) in every output")
	}
	if wb.until != nil {
		n := fmt.Sprintf("Waiting for %d %s matching %s", wb.Count, map[bool]string{true: "event", false: "events"}[wb.Count == 1], wb.until.String())
		if wb.Timeout > 0 {
			n += " (timeout " + wb.Timeout.String() + ")"
		} else {
			n += " (no timeout)"
		}
		out = append(out, n)
	}
	return out
}

// verdict is the outcome of a run with --until, --max-events or
// --timeout: nil when what was asked for arrived, a failed check (exit 3)
// when the timeout passed first or the listener was stopped before.
func (wb *Workbench) verdict(h *hooks, st listener.Stats, maxEvents int, timedOut bool, errOut io.Writer) error {
	why := "stopped"
	if timedOut {
		why = "timed out after " + wb.Timeout.String()
	}
	if wb.until != nil {
		got := h.matched.Load()
		if got >= int64(wb.Count) {
			return nil
		}
		fmt.Fprintf(errOut, "wa-cb: %s: %d of %d events matching %s arrived\n", why, got, wb.Count, wb.until.String())
		fmt.Fprintf(errOut, "wa-cb: %s\n", arrivedSummary(st))
		return cmdutil.ErrCheckFailed
	}
	if maxEvents > 0 && timedOut && st.Events < maxEvents {
		fmt.Fprintf(errOut, "wa-cb: %s: %d of %d events arrived\n", why, st.Events, maxEvents)
		fmt.Fprintf(errOut, "wa-cb: %s\n", arrivedSummary(st))
		return cmdutil.ErrCheckFailed
	}
	return nil
}

// answerTime is the longest an answer can be held back: the forward's
// timeout, or the delay, whichever is longer.
func (wb *Workbench) answerTime() time.Duration {
	d := wb.Delay
	if wb.target != nil && wb.ForwardTimeout > d {
		d = wb.ForwardTimeout
	}
	return d
}
