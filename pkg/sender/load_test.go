package sender

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// countingServer answers every request and remembers the bodies and the
// number of connections opened.
type countingServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string]int
	conns  atomic.Int64
	sigs   atomic.Int64
}

func newCountingServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body []byte)) *countingServer {
	t.Helper()
	cs := &countingServer{bodies: map[string]int{}}
	cs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cs.mu.Lock()
		cs.bodies[string(b)]++
		cs.mu.Unlock()
		if callback.VerifySignature("s3cret", b, r.Header.Get(callback.SignatureHeader)) {
			cs.sigs.Add(1)
		}
		if h != nil {
			h(w, r, b)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	cs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			cs.conns.Add(1)
		}
	}
	cs.Start()
	t.Cleanup(cs.Close)
	return cs
}

func seqJobs(url string) func(int) (Job, error) {
	return func(seq int) (Job, error) {
		return Job{Request: Request{Method: http.MethodPost, URL: url,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   []byte(`{"seq":` + strconv.Itoa(seq) + `}`)}, Sign: true}, nil
	}
}

func TestLoadCountReusesConnections(t *testing.T) {
	srv := newCountingServer(t, nil)
	const n, c = 400, 8
	s := &Sender{Client: ForConcurrency(srv.Client(), c), Secret: "s3cret"}
	l, err := NewLoad(s, LoadConfig{Count: n, Concurrency: c, Next: seqJobs(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != n || r.Succeeded != n || r.Failed != 0 || r.Statuses["200"] != n || r.StoppedBy != StoppedByCount {
		t.Fatalf("report = %+v", r)
	}
	if r.Latency.Count != n || r.Latency.Min <= 0 || r.Latency.Min > r.Latency.P50 || r.Latency.P50 > r.Latency.P90 ||
		r.Latency.P90 > r.Latency.P99 || r.Latency.P99 > r.Latency.Max {
		t.Errorf("latency = %+v", r.Latency)
	}
	if r.Throughput <= 0 || r.BytesSent == 0 {
		t.Errorf("throughput %v bytes %d", r.Throughput, r.BytesSent)
	}
	srv.mu.Lock()
	distinct := len(srv.bodies)
	srv.mu.Unlock()
	if distinct != n {
		t.Errorf("server got %d distinct bodies, want %d (each sequence number once)", distinct, n)
	}
	if got := srv.sigs.Load(); got != n {
		t.Errorf("%d requests correctly signed, want %d", got, n)
	}
	if got := srv.conns.Load(); got > c {
		t.Errorf("%d connections opened for %d workers: connections are not reused", got, c)
	}
	if p := l.Progress(); p.Done != n || p.Failed != 0 || p.Elapsed <= 0 {
		t.Errorf("progress = %+v", p)
	}
}

func TestLoadFailureCauses(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.URL.Query().Get("answer") {
		case "500":
			w.WriteHeader(500)
		case "503":
			w.WriteHeader(503)
		case "hang":
			<-r.Context().Done()
		case "close":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		default:
			w.WriteHeader(204)
		}
	})
	refused := closedPort(t)
	answers := []string{"ok", "500", "503", "hang", "close", "refused", "ok", "500"}
	next := func(seq int) (Job, error) {
		a := answers[seq%len(answers)]
		u := srv.URL + "/?answer=" + a
		if a == "refused" {
			u = refused
		}
		return Job{Request: Request{Method: http.MethodGet, URL: u}}, nil
	}
	// Through the client, and straight to its transport (a client that
	// does not follow redirects, as wa-cb's).
	for _, direct := range []bool{false, true} {
		client := ForConcurrency(srv.Client(), 4)
		client.Timeout = time.Second
		if direct {
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		}
		if (roundTripper(client) != nil) != direct {
			t.Fatalf("direct=%v: roundTripper = %v", direct, roundTripper(client))
		}
		t.Run(fmt.Sprintf("direct=%v", direct), func(t *testing.T) { checkFailureCauses(t, client, next, len(answers)) })
	}
}

func checkFailureCauses(t *testing.T, client *http.Client, next func(int) (Job, error), n int) {
	s := &Sender{Client: client}
	l, err := NewLoad(s, LoadConfig{Count: 2 * n, Concurrency: 4, Next: next})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := r.Failures
	if r.Sent != 16 || r.Succeeded != 4 || r.Failed != 12 {
		t.Fatalf("sent %d succeeded %d failed %d", r.Sent, r.Succeeded, r.Failed)
	}
	if f.Status["500"] != 4 || f.Status["503"] != 2 || f.StatusFailures() != 6 || f.Timeout != 2 || f.Refused != 2 || f.Other != 2 {
		t.Errorf("failures = %+v", f)
	}
	if len(f.OtherReasons) != 1 || f.OtherReasons["the server closed the connection without answering"] != 2 {
		t.Errorf("other reasons = %v", f.OtherReasons)
	}
	if r.Statuses["204"] != 4 || r.Statuses["500"] != 4 || r.Statuses["503"] != 2 || len(r.Statuses) != 3 {
		t.Errorf("statuses = %v", r.Statuses)
	}
	if r.Latency.Count != 10 {
		t.Errorf("latency over %d answers, want 10", r.Latency.Count)
	}
	if p := l.Progress(); p.Failed != 12 {
		t.Errorf("progress failed = %d", p.Failed)
	}
}

func TestLoadExpectAndEcho(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		_, _ = io.WriteString(w, r.URL.Query().Get("hub.challenge")+"\n")
	})
	next := func(seq int) (Job, error) {
		ch := strconv.Itoa(seq)
		echo := ch
		if seq%2 == 1 {
			echo = "something else"
		}
		return Job{Request: Request{Method: http.MethodGet, URL: srv.URL + "/?hub.challenge=" + ch}, Echo: echo}, nil
	}
	expect, _ := ParseExpect("200")
	l, err := NewLoad(&Sender{Client: srv.Client(), Expect: expect}, LoadConfig{Count: 10, Concurrency: 2, Next: next})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := l.Run(context.Background())
	if r.Succeeded != 5 || r.Failures.Other != 5 || r.Failures.OtherReasons["the answer is not the hub.challenge"] != 5 {
		t.Errorf("report = %+v", r)
	}
}

func TestLoadDuration(t *testing.T) {
	srv := newCountingServer(t, nil)
	l, err := NewLoad(&Sender{Client: srv.Client()}, LoadConfig{Duration: time.Second, Concurrency: 2, Next: seqJobs(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.StoppedBy != StoppedByDuration || r.Sent == 0 || r.Failed != 0 || r.ElapsedS < 1 {
		t.Errorf("report = %+v", r)
	}
	// Both limits: the count comes first here.
	l, _ = NewLoad(&Sender{Client: srv.Client()}, LoadConfig{Count: 5, Duration: time.Hour, Concurrency: 2, Next: seqJobs(srv.URL)})
	r, _ = l.Run(context.Background())
	if r.StoppedBy != StoppedByCount || r.Sent != 5 {
		t.Errorf("report = %+v", r)
	}
}

func TestLoadRate(t *testing.T) {
	srv := newCountingServer(t, nil)
	const n, rate = 12, 100.0
	l, _ := NewLoad(&Sender{Client: srv.Client()}, LoadConfig{Count: n, Concurrency: 4, Rate: rate, Next: seqJobs(srv.URL)})
	r, err := l.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Tokens are never early: the last of n goes (n-1)/rate after the first.
	if min := float64(n-1) / rate; r.ElapsedS < min || r.Sent != n {
		t.Errorf("elapsed %.3fs for %d deliveries at %g/s, want at least %.3fs", r.ElapsedS, r.Sent, rate, min)
	}
	if r.Rate != rate {
		t.Errorf("rate = %v", r.Rate)
	}
}

func TestLoadInterrupt(t *testing.T) {
	release := make(chan struct{})
	var seen atomic.Int64
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if seen.Add(1) > 3 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	l, _ := NewLoad(&Sender{Client: srv.Client()}, LoadConfig{Count: 1000, Concurrency: 2, Next: seqJobs(srv.URL)})
	done := make(chan *LoadReport)
	go func() {
		r, _ := l.Run(ctx)
		done <- r
	}()
	for l.Progress().Done < 3 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	r := <-done
	if r.StoppedBy != StoppedByInterrupt || r.Sent != 3 || r.Failed != 0 {
		t.Errorf("report = %+v (deliveries cut off by the interrupt are not counted)", r)
	}
}

func TestLoadNextError(t *testing.T) {
	srv := newCountingServer(t, nil)
	boom := errors.New("render failed")
	next := func(seq int) (Job, error) {
		if seq == 5 {
			return Job{}, boom
		}
		return seqJobs(srv.URL)(seq)
	}
	l, _ := NewLoad(&Sender{Client: srv.Client()}, LoadConfig{Count: 100, Concurrency: 1, Next: next})
	r, err := l.Run(context.Background())
	if !errors.Is(err, boom) || r == nil || r.Sent != 5 || r.StoppedBy != StoppedByError {
		t.Errorf("err = %v report = %+v", err, r)
	}
}

func TestLoadConfigValidate(t *testing.T) {
	next := func(int) (Job, error) { return Job{}, nil }
	for _, tt := range []struct {
		cfg  LoadConfig
		want string
	}{
		{LoadConfig{Count: 1, Concurrency: 1, Next: next}, ""},
		{LoadConfig{Duration: time.Second, Concurrency: 3, Rate: 5, Next: next}, ""},
		{LoadConfig{Concurrency: 1, Next: next}, "needs a count or a duration"},
		{LoadConfig{Count: -1, Concurrency: 1, Next: next}, "count must not be negative"},
		{LoadConfig{Duration: -time.Second, Concurrency: 1, Next: next}, "duration must not be negative"},
		{LoadConfig{Count: 1, Next: next}, "concurrency must be at least 1"},
		{LoadConfig{Count: 1, Concurrency: 1, Rate: -1, Next: next}, "rate must not be negative"},
		{LoadConfig{Count: 1, Concurrency: 1}, "source of deliveries"},
	} {
		err := tt.cfg.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		var out []time.Duration
		for _, v := range vs {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tt := range []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 50, 7 * time.Millisecond},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(1, 2), 50, time.Millisecond},
		{ms(1, 2), 51, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 75, 3 * time.Millisecond},
		{ms(1, 2, 3, 4), 100, 4 * time.Millisecond},
		{hundred, 50, 50 * time.Millisecond},
		{hundred, 90, 90 * time.Millisecond},
		{hundred, 99, 99 * time.Millisecond},
		{hundred, 99.9, 100 * time.Millisecond},
		{hundred, 0.1, time.Millisecond},
	} {
		if got := Percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("Percentile(%d values, %g) = %v, want %v", len(tt.in), tt.p, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	ds := []time.Duration{5 * time.Millisecond, time.Millisecond, 3 * time.Millisecond, 1500 * time.Microsecond}
	got := Summarize(ds)
	want := Latency{Count: 4, Min: 1, Mean: 2.625, P50: 1.5, P90: 5, P99: 5, Max: 5}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if Summarize(nil) != (Latency{}) {
		t.Error("Summarize(nil) is not zero")
	}
}

// TestRecordedLatencyIsExact checks the bounded-memory latency summary
// against sorting every latency, with latencies on both sides of the
// histogram's limit spread over several workers.
func TestRecordedLatencyIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, tt := range []struct {
		name string
		n    int
		gen  func() time.Duration
	}{
		{"one", 1, func() time.Duration { return 1234567 * time.Nanosecond }},
		{"sub-millisecond", 5000, func() time.Duration { return time.Duration(rng.Int64N(int64(time.Millisecond))) }},
		{"half-microseconds", 999, func() time.Duration { return time.Duration(rng.Int64N(2000))*500 + 500 }},
		{"mostly fast, some slow", 20000, func() time.Duration {
			if rng.IntN(50) == 0 {
				return time.Second + time.Duration(rng.Int64N(int64(10*time.Second)))
			}
			return time.Duration(rng.Int64N(int64(20 * time.Millisecond)))
		}},
		{"all slow", 300, func() time.Duration { return 2*time.Second + time.Duration(rng.Int64N(int64(time.Second))) }},
		{"at the limit", 4, func() time.Duration {
			return fineBuckets*time.Microsecond - 500*time.Nanosecond + time.Duration(rng.IntN(2))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lat := newLatencyRecorder()
			ts := []*tally{newTally(lat), newTally(lat), newTally(lat)}
			var all []time.Duration
			for i := 0; i < tt.n; i++ {
				d := tt.gen()
				all = append(all, d)
				ts[rng.IntN(len(ts))].addLatency(d)
			}
			got, want := summarizeRecorded(lat, ts), Summarize(all)
			if got != want {
				t.Errorf("recorded %+v\n  sorted %+v", got, want)
			}
		})
	}
	if got := summarizeRecorded(newLatencyRecorder(), []*tally{newTally(nil)}); got != (Latency{}) {
		t.Errorf("no latencies: %+v", got)
	}
}

func TestMergeKeepsTenReasons(t *testing.T) {
	lat := newLatencyRecorder()
	a, b := newTally(lat), newTally(lat)
	for i := 0; i < 12; i++ {
		a.add(outcome{cause: CauseOther, reason: fmt.Sprintf("reason %02d", i)})
	}
	b.add(outcome{cause: CauseOther, reason: "reason 00"})
	b.add(outcome{cause: CauseOther, reason: "reason 99"})
	b.add(outcome{ok: true, status: 200, latency: time.Millisecond})
	var r LoadReport
	merge(&r, lat, []*tally{a, b})
	if r.Sent != 15 || r.Failed != 14 || r.Failures.Other != 14 {
		t.Fatalf("report = %+v", r)
	}
	total := 0
	for _, n := range r.Failures.OtherReasons {
		total += n
	}
	if total != 14 || len(r.Failures.OtherReasons) != maxOtherReasons+1 || r.Failures.OtherReasons["reason 00"] != 2 || r.Failures.OtherReasons[moreReasons] != 3 {
		t.Errorf("reasons = %v", r.Failures.OtherReasons)
	}
}

func TestForConcurrency(t *testing.T) {
	base := &http.Client{Timeout: time.Second, Transport: &http.Transport{MaxIdleConns: 10, MaxIdleConnsPerHost: 2}}
	c := ForConcurrency(base, 50)
	tr := c.Transport.(*http.Transport)
	if tr.MaxIdleConnsPerHost != 50 || tr.MaxIdleConns != 50 || tr.MaxConnsPerHost != 50 || c.Timeout != time.Second {
		t.Errorf("transport = %d/%d timeout %v", tr.MaxIdleConnsPerHost, tr.MaxIdleConns, c.Timeout)
	}
	if base.Transport.(*http.Transport).MaxIdleConnsPerHost != 2 {
		t.Error("the original client was changed")
	}
	if tr := ForConcurrency(nil, 3).Transport.(*http.Transport); tr.MaxIdleConnsPerHost != 3 {
		t.Errorf("nil client: %d", tr.MaxIdleConnsPerHost)
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err   error
		cause string
	}{
		{context.DeadlineExceeded, CauseTimeout},
		{fmt.Errorf("dial: %w", errTimeout{}), CauseTimeout},
		{&net.OpError{Op: "dial", Err: fmt.Errorf("connect: %w", errRefused)}, CauseRefused},
		{io.ErrUnexpectedEOF, CauseOther},
	} {
		if cause, _ := Classify(tt.err, time.Second); cause != tt.cause {
			t.Errorf("Classify(%v) = %s, want %s", tt.err, cause, tt.cause)
		}
	}
}

type errTimeout struct{}

func (errTimeout) Error() string   { return "i/o timeout" }
func (errTimeout) Timeout() bool   { return true }
func (errTimeout) Temporary() bool { return true }

var errRefused = syscall.ECONNREFUSED

// closedPort is the URL of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String() + "/"
	ln.Close()
	return u
}
