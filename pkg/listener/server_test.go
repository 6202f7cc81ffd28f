package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// startServer runs a Server on 127.0.0.1:0 and returns it with a channel
// that yields Run's result.
type runResult struct {
	stats Stats
	err   error
	seen  []*Exchange
}

func startServer(t *testing.T, ctx context.Context, cfg Config, consume func(*Exchange, bool)) (*Server, <-chan runResult) {
	t.Helper()
	var log bytes.Buffer
	srv, err := Listen("127.0.0.1:0", cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan runResult, 1)
	go func() {
		var seen []*Exchange
		st, err := srv.Run(ctx, func(ex *Exchange, more bool) {
			seen = append(seen, ex)
			if consume != nil {
				consume(ex, more)
			}
		})
		done <- runResult{st, err, seen}
	}()
	return srv, done
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err) // may run on a sender goroutine: no Fatal
		return -1
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func waitResult(t *testing.T, done <-chan runResult) runResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
	return runResult{}
}

func TestServerMaxEvents(t *testing.T) {
	srv, done := startServer(t, context.Background(), Config{MaxEvents: 2}, nil)
	for i := 0; i < 2; i++ {
		if code := post(t, srv.URL()+"hook", cloudText); code != 200 {
			t.Fatalf("request %d: status %d", i, code)
		}
	}
	r := waitResult(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.stats.Requests != 2 || r.stats.Events != 2 || r.stats.Kinds["message"] != 2 {
		t.Fatalf("stats %+v", r.stats)
	}
	if _, err := http.Post(srv.URL(), "text/plain", strings.NewReader("late")); err == nil {
		t.Error("server still accepting after --max-events")
	}
}

func TestServerMaxEventsCountsEventsNotRequests(t *testing.T) {
	batch := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"2"},"statuses":[{"id":"wamid.a","status":"sent","timestamp":"1","recipient_id":"1"},{"id":"wamid.a","status":"delivered","timestamp":"2","recipient_id":"1"},{"id":"wamid.a","status":"read","timestamp":"3","recipient_id":"1"}]}}]}]}`
	srv, done := startServer(t, context.Background(), Config{MaxEvents: 2}, nil)
	post(t, srv.URL(), batch)
	r := waitResult(t, done)
	if r.stats.Requests != 1 || r.stats.Events != 3 {
		t.Fatalf("stats %+v: the whole request is delivered", r.stats)
	}
	if r.stats.Statuses["sent"] != 1 || r.stats.Statuses["read"] != 1 {
		t.Errorf("statuses %v", r.stats.Statuses)
	}
}

// TestServerShutdownDrains: a request in flight when the stop comes is
// finished, answered and delivered before Run returns.
func TestServerShutdownDrains(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	cfg := Config{Respond: func(ctx context.Context, ex *Exchange) Answer {
		close(entered)
		<-release
		return Answer{Status: 202}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	srv, done := startServer(t, ctx, cfg, nil)
	status := make(chan int, 1)
	go func() {
		resp, err := http.Post(srv.URL(), "application/json", strings.NewReader(cloudText))
		if err != nil {
			status <- -1
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	<-entered
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned with a request in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if code := <-status; code != 202 {
		t.Fatalf("in-flight request got %d, want 202", code)
	}
	r := waitResult(t, done)
	if len(r.seen) != 1 || r.seen[0].Answer.Status != 202 || r.stats.Requests != 1 {
		t.Fatalf("delivered %d exchanges, stats %+v", len(r.seen), r.stats)
	}
}

// TestServerOrderIsCompletionOrder: exchanges reach the consumer in the
// order their requests completed, not the order they arrived.
func TestServerOrderIsCompletionOrder(t *testing.T) {
	gates := map[string]chan struct{}{"/a": make(chan struct{}), "/b": make(chan struct{}), "/c": make(chan struct{})}
	arrived := make(chan string, 3)
	cfg := Config{MaxEvents: 3, Respond: func(ctx context.Context, ex *Exchange) Answer {
		arrived <- ex.Path
		<-gates[ex.Path]
		return Answer{}
	}}
	delivered := make(chan string, 3)
	srv, done := startServer(t, context.Background(), cfg, func(ex *Exchange, more bool) { delivered <- ex.Path })
	var wg sync.WaitGroup
	for _, p := range []string{"/a", "/b", "/c"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			post(t, srv.URL()+p[1:], cloudText)
		}()
	}
	for i := 0; i < 3; i++ {
		<-arrived
	}
	var got []string
	for _, p := range []string{"/c", "/a", "/b"} {
		close(gates[p])
		got = append(got, <-delivered)
	}
	wg.Wait()
	r := waitResult(t, done)
	if strings.Join(got, " ") != "/c /a /b" || len(r.seen) != 3 {
		t.Fatalf("delivery order %v, want /c /a /b", got)
	}
}

// TestServerOrderUnderLoad: with many concurrent senders, every exchange
// is delivered exactly once and in the order the handlers finished.
func TestServerOrderUnderLoad(t *testing.T) {
	const n = 200
	srv, done := startServer(t, context.Background(), Config{MaxEvents: n}, nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < n/8; j++ {
				post(t, srv.URL(), cloudText)
			}
		}()
	}
	wg.Wait()
	r := waitResult(t, done)
	seen := map[string]bool{}
	for _, ex := range r.seen {
		if seen[ex.ID] {
			t.Fatalf("exchange %s delivered twice", ex.ID)
		}
		seen[ex.ID] = true
	}
	if len(seen) != n {
		t.Fatalf("delivered %d, want %d", len(seen), n)
	}
}

func TestServerConsumerPanicIsContained(t *testing.T) {
	var log bytes.Buffer
	srv, err := Listen("127.0.0.1:0", Config{MaxEvents: 2}, &logWriter{buf: &log})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan Stats, 1)
	n := 0
	go func() {
		st, _ := srv.Run(context.Background(), func(ex *Exchange, more bool) {
			n++
			if n == 1 {
				panic("render failed")
			}
		})
		done <- st
	}()
	post(t, srv.URL(), cloudText)
	post(t, srv.URL(), cloudText)
	st := <-done
	if st.Requests != 2 || n != 2 {
		t.Fatalf("stats %+v, consumed %d", st, n)
	}
	if !strings.Contains(log.String(), "render failed") {
		t.Errorf("panic not reported: %q", log.String())
	}
}

type logWriter struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func TestListenPortInUse(t *testing.T) {
	first, err := Listen("127.0.0.1:0", Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	addr := first.Addr().String()
	_, err = Listen(addr, Config{}, nil)
	var be *BindError
	if !errors.As(err, &be) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("error %v, want a BindError for EADDRINUSE", err)
	}
	if want := fmt.Sprintf("cannot listen on %s: address already in use", addr); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestServerURL(t *testing.T) {
	srv, err := Listen("127.0.0.1:0", Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || !strings.HasSuffix(srv.URL(), "/") {
		t.Fatalf("URL %q", srv.URL())
	}
}

func TestServerSlowConsumerDoesNotBlockSender(t *testing.T) {
	block := make(chan struct{})
	var once sync.Once
	srv, done := startServer(t, context.Background(), Config{MaxEvents: 20}, func(ex *Exchange, more bool) {
		once.Do(func() { <-block }) // the terminal hangs on the first exchange
	})
	for i := 0; i < 20; i++ {
		if code := post(t, srv.URL(), cloudText); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	close(block)
	r := waitResult(t, done)
	if r.stats.Requests != 20 {
		t.Fatalf("stats %+v", r.stats)
	}
}

func TestStatsAdd(t *testing.T) {
	st := NewStats()
	st.Add(&Exchange{TooLarge: true, Events: []callback.Event{{Kind: "unknown", DecodeError: "too large"}}})
	st.Add(&Exchange{Signature: "invalid", Events: []callback.Event{{Kind: "message"}}})
	st.Add(&Exchange{Signature: "missing", Handshake: &Handshake{Outcome: HandshakeRejected}, Events: []callback.Event{{Kind: "verification"}}})
	st.Add(&Exchange{Signature: "missing", DecodePanic: "x", Events: []callback.Event{{Kind: "unknown", DecodeError: "x"}}})
	st.Add(&Exchange{ReadError: "eof", Events: []callback.Event{{Kind: "unknown", DecodeError: "eof"}}})
	want := Stats{Requests: 5, Events: 5, DecodeErrors: 1, SignatureInvalid: 1, SignatureMissing: 1, TooLarge: 1, Unreadable: 1, HandshakesRejected: 1, Failures: 1}
	got := st
	got.Kinds, got.Statuses = nil, nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stats\n got %+v\nwant %+v", got, want)
	}
	// The kinds add up to the events written: the 413's and the unreadable
	// request's are unknown.
	if st.Kinds["message"] != 1 || st.Kinds["unknown"] != 3 || st.Kinds["verification"] != 1 {
		t.Errorf("kinds %v", st.Kinds)
	}
}

// TestServerSlowClients: a client that never finishes its headers is
// disconnected after ReadHeaderTimeout; one that stalls in its body is cut
// off after ReadTimeout and its request is still reported. Other clients
// are served all the while.
func TestServerSlowClients(t *testing.T) {
	cfg := Config{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, MaxEvents: 2}
	srv, done := startServer(t, context.Background(), cfg, nil)
	addr := srv.Addr().String()

	headers, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer headers.Close()
	fmt.Fprintf(headers, "POST /slow HTTP/1.1\r\nHost: x\r\n") // never ends its headers

	body, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	fmt.Fprintf(body, "POST /stall HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"partial\":")

	if code := post(t, srv.URL()+"fine", cloudText); code != 200 {
		t.Fatalf("a normal client got %d while others stalled", code)
	}
	_ = headers.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(headers); err != nil {
		t.Fatalf("stalled headers: connection not closed by the server: %v", err)
	}
	r := waitResult(t, done)
	var stalled *Exchange
	for _, ex := range r.seen {
		if ex.Path == "/stall" {
			stalled = ex
		}
	}
	if stalled == nil || stalled.ReadError == "" || string(stalled.Body) != `{"partial":` {
		t.Fatalf("stalled body not reported: %+v", stalled)
	}
	if !strings.Contains(stalled.Events[0].DecodeError, "could not be read") || r.stats.Unreadable != 1 {
		t.Errorf("event %+v stats %+v", stalled.Events[0], r.stats)
	}
}

// TestServerStopDoesNotWaitForSpareConnections: a connection that never
// sends a request does not hold up a stop (net/http alone would wait 5s).
func TestServerStopDoesNotWaitForSpareConnections(t *testing.T) {
	srv, done := startServer(t, context.Background(), Config{MaxEvents: 1, ShutdownTimeout: 30 * time.Second}, nil)
	spare, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	start := time.Now()
	post(t, srv.URL(), cloudText)
	waitResult(t, done)
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("stop took %s: it waited for the idle spare connection", d)
	}
}

func TestServerBacklog(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	srv, done := startServer(t, context.Background(), Config{MaxEvents: 6}, func(ex *Exchange, more bool) {
		once.Do(func() { close(entered); <-release })
	})
	post(t, srv.URL(), cloudText)
	<-entered // the consumer is stuck on the first exchange
	for i := 0; i < 5; i++ {
		post(t, srv.URL(), cloudText)
	}
	// Each exchange is queued before its answer leaves the handler.
	if b := srv.Backlog(); b != 5 {
		t.Fatalf("backlog %d, want 5", b)
	}
	close(release)
	r := waitResult(t, done)
	if r.stats.Requests != 6 || srv.Backlog() != 0 {
		t.Fatalf("stats %+v backlog %d", r.stats, srv.Backlog())
	}
}

// A consumer stuck on its output holds up neither the decoding nor the
// Answered hook (the recording): every exchange is decoded and passed to
// the hook while the consumer is still blocked on the first.
func TestServerSlowConsumerDoesNotHoldUpAnswered(t *testing.T) {
	block := make(chan struct{})
	var once sync.Once
	hooked := make(chan *Exchange, 20)
	cfg := Config{MaxEvents: 20, Answered: func(ex *Exchange) { hooked <- ex }}
	srv, done := startServer(t, context.Background(), cfg, func(ex *Exchange, more bool) {
		once.Do(func() { <-block })
	})
	for i := 0; i < 20; i++ {
		if code := post(t, srv.URL(), cloudText); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	for i := 0; i < 20; i++ {
		select {
		case ex := <-hooked:
			if len(ex.Events) != 1 || ex.Events[0].Kind != callback.KindMessage || ex.Events[0].RequestID != ex.ID {
				t.Fatalf("hook %d saw events %+v", i, ex.Events)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the Answered hook saw %d of 20 exchanges while the consumer was blocked", i)
		}
	}
	close(block)
	r := waitResult(t, done)
	for _, ex := range r.seen {
		if len(ex.EventsJSON) != 1 || ex.undecoded {
			t.Fatalf("consumer got exchange %s undecoded or unencoded", ex.ID)
		}
	}
}

// A decoder that panics on a request answered before decoding still
// leaves one raw event, delivered with the panic said.
func TestServerDeferredDecodePanic(t *testing.T) {
	cfg := Config{MaxEvents: 1, Decode: func(callback.Request) []callback.Event { panic("boom") }}
	srv, done := startServer(t, context.Background(), cfg, nil)
	if code := post(t, srv.URL(), cloudText); code != 200 {
		t.Fatalf("status %d, want 200 (answered before decoding)", code)
	}
	r := waitResult(t, done)
	if len(r.seen) != 1 {
		t.Fatalf("delivered %d exchanges", len(r.seen))
	}
	ex := r.seen[0]
	if !strings.Contains(ex.DecodePanic, "boom") || len(ex.Events) != 1 || !strings.Contains(ex.Events[0].DecodeError, "boom") || string(ex.Events[0].Raw) == "" {
		t.Fatalf("panic %q, events %+v", ex.DecodePanic, ex.Events)
	}
	if r.stats.Failures != 1 {
		t.Fatalf("stats %+v", r.stats)
	}
}
