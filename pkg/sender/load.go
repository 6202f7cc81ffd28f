package sender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Job is one delivery to make: the request, whether to sign it, and the
// answer it must get. A load run owns a Job once Next returned it: it may
// set headers on Request.Header (User-Agent, signature).
type Job struct {
	Request Request
	Sign    bool
	// Echo, when set, is the body a 2xx answer must hold (Meta's
	// verification handshake wants hub.challenge back).
	Echo string
}

// LoadConfig is a load run: at most Count deliveries, or for Duration
// (when both are set, whichever limit comes first), by Concurrency
// workers, paced at Rate deliveries per second in all when Rate > 0.
type LoadConfig struct {
	Count       int
	Duration    time.Duration
	Concurrency int
	Rate        float64
	// Next makes delivery number seq (counted from 0). Workers call it at
	// the same time, so it must be safe for concurrent use. An error ends
	// the run.
	Next func(seq int) (Job, error)
}

// Validate checks the limits.
func (c LoadConfig) Validate() error {
	switch {
	case c.Count < 0:
		return fmt.Errorf("the count must not be negative, got %d", c.Count)
	case c.Duration < 0:
		return fmt.Errorf("the duration must not be negative, got %s", c.Duration)
	case c.Count == 0 && c.Duration == 0:
		return errors.New("a load run needs a count or a duration")
	case c.Concurrency < 1:
		return fmt.Errorf("the concurrency must be at least 1, got %d", c.Concurrency)
	case c.Rate < 0:
		return fmt.Errorf("the rate must not be negative, got %g", c.Rate)
	case c.Next == nil:
		return errors.New("a load run needs a source of deliveries")
	}
	return nil
}

// Load runs a LoadConfig with a Sender. Progress may be read from any
// goroutine while Run works.
type Load struct {
	s   *Sender
	cfg LoadConfig

	done, failed atomic.Int64
	started      atomic.Int64 // UnixNano of the start; 0 before
}

// NewLoad prepares a run; it fails when the config is not valid.
func NewLoad(s *Sender, cfg LoadConfig) (*Load, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Load{s: s, cfg: cfg}, nil
}

// Progress is a load run so far.
type Progress struct {
	Done, Failed int
	Elapsed      time.Duration
	// Count and Duration are the run's limits (0: none).
	Count    int
	Duration time.Duration
}

// Progress reports how far the run is.
func (l *Load) Progress() Progress {
	p := Progress{Done: int(l.done.Load()), Failed: int(l.failed.Load()), Count: l.cfg.Count, Duration: l.cfg.Duration}
	if st := l.started.Load(); st != 0 {
		p.Elapsed = time.Since(time.Unix(0, st))
	}
	return p
}

// Stop reasons (LoadReport.StoppedBy).
const (
	StoppedByCount     = "count"
	StoppedByDuration  = "duration"
	StoppedByInterrupt = "interrupt"
	StoppedByError     = "error" // Next failed
)

// Run delivers until a limit is reached or ctx is done, then waits for
// the deliveries in flight and returns the summary. Deliveries cut off by
// ctx are not counted. The error is only for a failing Next (the report
// then holds what was sent before).
func (l *Load) Run(ctx context.Context) (*LoadReport, error) {
	cfg := l.cfg
	client := l.s.Client
	if client == nil {
		client = http.DefaultClient
	}
	now := l.s.Now
	if now == nil {
		now = time.Now
	}
	expect := l.s.Expect
	if expect == nil {
		expect = Is2xx
	}
	rt := roundTripper(client)

	stop := make(chan struct{})
	var stopOnce sync.Once
	var stoppedBy atomic.Value
	halt := func(why string) {
		stopOnce.Do(func() {
			stoppedBy.Store(why)
			close(stop)
		})
	}
	var runErr error
	var errOnce sync.Once

	start := time.Now()
	l.started.Store(start.UnixNano())
	if cfg.Duration > 0 {
		t := time.AfterFunc(cfg.Duration, func() { halt(StoppedByDuration) })
		defer t.Stop()
	}
	go func() {
		select {
		case <-ctx.Done():
			halt(StoppedByInterrupt)
		case <-stop:
		}
	}()

	var tokens <-chan struct{}
	if cfg.Rate > 0 {
		tokens = pace(cfg.Rate, cfg.Concurrency, stop)
	}

	lat := newLatencyRecorder()
	tallies := make([]*tally, cfg.Concurrency)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range tallies {
		t := newTally(lat)
		tallies[w] = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				seq := next.Add(1) - 1
				if cfg.Count > 0 && seq >= int64(cfg.Count) {
					// Not a halt: other workers may still wait for a
					// token for their (counted) delivery.
					return
				}
				if tokens != nil {
					select {
					case <-tokens:
					case <-stop:
						return
					}
				}
				job, err := cfg.Next(int(seq))
				if err != nil {
					errOnce.Do(func() { runErr = err })
					halt(StoppedByError)
					return
				}
				o := l.s.deliverLoad(ctx, client, rt, expect, now, job)
				if o.cancelled {
					return
				}
				t.add(o)
				l.done.Add(1)
				if !o.ok {
					l.failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	halt(StoppedByCount) // no-op when a duration, an interrupt or an error ended the run

	r := &LoadReport{
		Concurrency: cfg.Concurrency,
		Rate:        cfg.Rate,
		Count:       cfg.Count,
		DurationS:   cfg.Duration.Seconds(),
		ElapsedS:    elapsed.Seconds(),
		StoppedBy:   stoppedBy.Load().(string),
	}
	merge(r, lat, tallies)
	if secs := elapsed.Seconds(); secs > 0 {
		r.Throughput = float64(r.Succeeded) / secs
	}
	return r, runErr
}

// pace hands out tokens at rate per second from one shared ticker (a
// token bucket holding at most burst tokens): a delivery that is late
// because every worker was busy goes as soon as one is free, at most
// burst at once, so the average rate holds without unbounded catch-up.
func pace(rate float64, burst int, stop <-chan struct{}) <-chan struct{} {
	tokens := make(chan struct{}, burst)
	period := time.Duration(float64(time.Second) / rate)
	period = max(period, time.Millisecond) // faster rates: several tokens per tick
	go func() {
		start := time.Now()
		t := time.NewTicker(period)
		defer t.Stop()
		var issued int64
		for {
			due := int64(time.Since(start).Seconds()*rate) + 1 // the first goes at once
			if due-issued > int64(burst) {
				issued = due - int64(burst)
			}
			for ; issued < due; issued++ {
				select {
				case tokens <- struct{}{}:
				case <-stop:
					return
				}
			}
			select {
			case <-t.C:
			case <-stop:
				return
			}
		}
	}()
	return tokens
}

// outcome is what one load delivery got: kept small, no strings unless
// it failed for another reason.
type outcome struct {
	ok        bool
	cancelled bool // cut off by the run's context: not counted
	status    int
	latency   time.Duration
	bytes     int
	cause     string
	reason    string
}

// deliverLoad is Deliver without the per-delivery report: the answer is
// drained (so the connection is reused) but not kept, except to check an
// Echo.
func (s *Sender) deliverLoad(ctx context.Context, client *http.Client, rt http.RoundTripper, expect func(int) bool, now func() time.Time, job Job) outcome {
	req := job.Request
	o := outcome{bytes: len(req.Body)}
	// With rt (see roundTripper), the client's timeout is the request
	// context's.
	rctx := ctx
	if rt != nil && client.Timeout > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, client.Timeout)
		defer cancel()
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(rctx, req.Method, req.URL, body)
	if err != nil {
		o.cause, o.reason = CauseOther, err.Error()
		return o
	}
	if req.Header != nil {
		hr.Header = req.Header
	}
	if s.UserAgent != "" && hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", s.UserAgent)
	}
	if job.Sign && s.Secret != "" && len(req.Body) > 0 {
		SignHeaders(hr.Header, s.Secret, req.Body)
	}
	start := now()
	var resp *http.Response
	if rt != nil {
		resp, err = rt.RoundTrip(hr)
	} else {
		resp, err = client.Do(hr)
	}
	if err != nil {
		if ctx.Err() != nil {
			o.cancelled = true
			return o
		}
		o.latency = now().Sub(start)
		o.cause, o.reason = classify(err, client.Timeout, s.Hint)
		return o
	}
	var answer string
	var rerr error
	if job.Echo != "" {
		answer, _, rerr = readPreview(resp.Body)
	} else {
		_, rerr = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	}
	resp.Body.Close()
	o.latency = now().Sub(start)
	o.status = resp.StatusCode
	switch {
	case rerr != nil && ctx.Err() != nil:
		o.cancelled = true
	case rerr != nil:
		cause, reason := classify(rerr, client.Timeout, s.Hint)
		o.cause, o.reason = cause, "reading the response: "+reason
		if cause == CauseTimeout {
			o.reason = ""
		}
	case !expect(o.status):
		o.cause = CauseStatus
	case job.Echo != "" && strings.TrimSpace(answer) != job.Echo:
		o.cause, o.reason = CauseOther, "the answer is not the hub.challenge"
	default:
		o.ok = true
	}
	return o
}

// Classify sorts a transport error into a failure cause (CauseTimeout,
// CauseRefused or CauseOther) and, for CauseOther, a short reason.
func Classify(err error, timeout time.Duration) (cause, reason string) {
	return classify(err, timeout, nil)
}

// classify is Classify with the Sender's hint in the reason.
func classify(err error, timeout time.Duration, hint Hint) (cause, reason string) {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return CauseTimeout, ""
	case errors.Is(err, syscall.ECONNREFUSED):
		return CauseRefused, ""
	}
	return CauseOther, DescribeWithHint(err, timeout, hint)
}

// ForConcurrency returns a copy of client whose transport keeps at least n
// idle connections per host and opens at most n, so that n workers each
// reuse one connection instead of opening new ones (without a cap, a
// request that finds no idle connection dials one even when another is
// about to be freed). A client whose transport is not an *http.Transport
// is returned as is.
func ForConcurrency(client *http.Client, n int) *http.Client {
	if client == nil {
		client = &http.Client{Transport: http.DefaultTransport}
	}
	rt := client.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		return client
	}
	tr = tr.Clone()
	tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, n)
	tr.MaxConnsPerHost = n
	if tr.MaxIdleConns != 0 {
		tr.MaxIdleConns = max(tr.MaxIdleConns, n)
	}
	c := *client
	c.Transport = tr
	return &c
}

// roundTripper is the client's transport when delivering through it
// directly changes nothing: no cookie jar, and redirects are not followed
// (the client's CheckRedirect returns http.ErrUseLastResponse); nil
// otherwise. Going straight to the transport saves the copy of the
// headers the client makes for redirects that never happen.
func roundTripper(client *http.Client) http.RoundTripper {
	if client.Jar != nil || client.Transport == nil || client.CheckRedirect == nil {
		return nil
	}
	if client.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		return nil
	}
	return client.Transport
}
