package listener

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// Server binds an address, serves the Handler and delivers every Exchange,
// in completion order, to one consumer.
type Server struct {
	cfg      Config
	ln       net.Listener
	srv      *http.Server
	handler  *Handler
	log      io.Writer
	inflight tracker

	// answered holds the exchanges as the handlers answered them, some
	// still to be decoded; the decoding goroutine finishes them and moves
	// them to ready, for the consumer.
	answered *Queue
	ready    *Queue
	// finishing and batchLeft count the exchanges taken off answered and
	// not yet moved to ready, and taken off ready and not yet consumed.
	finishing atomic.Int64
	batchLeft atomic.Int64

	conns connSet

	stopOnce sync.Once
	stop     chan struct{}
}

// Listen binds addr (host:port; port 0 picks a free one) and returns a
// Server ready to Run. log receives the engine's own warnings (nil
// discards them).
func Listen(addr string, cfg Config, logw io.Writer) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &BindError{Addr: addr, Err: bindCause(err)}
	}
	return NewServer(ln, cfg, logw), nil
}

// NewServer serves on an existing listener.
func NewServer(ln net.Listener, cfg Config, logw io.Writer) *Server {
	cfg = cfg.withDefaults()
	if logw == nil {
		logw = io.Discard
	}
	logw = &SyncWriter{W: logw} // the HTTP server logs from many goroutines
	s := &Server{cfg: cfg, ln: ln, answered: NewQueue(), ready: NewQueue(), log: logw, stop: make(chan struct{})}
	s.handler = newDeferringHandler(cfg, s.answered.Push)
	s.srv = &http.Server{
		Handler:           s.inflight.wrap(s.handler),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          log.New(logw, "wa-cb: http: ", 0),
		ConnState:         s.conns.track,
	}
	return s
}

// BindError is a failure to listen on an address.
type BindError struct {
	Addr string
	Err  error
}

func (e *BindError) Error() string { return fmt.Sprintf("cannot listen on %s: %v", e.Addr, e.Err) }
func (e *BindError) Unwrap() error { return e.Err }

// bindCause digs the system error ("address already in use") out of
// net.Listen's wrapping.
func bindCause(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the base URL the server answers on ("http://127.0.0.1:4280/").
func (s *Server) URL() string {
	if ta, ok := s.ln.Addr().(*net.TCPAddr); ok {
		return "http://" + net.JoinHostPort(ta.IP.String(), fmt.Sprint(ta.Port)) + "/"
	}
	return "http://" + s.ln.Addr().String() + "/"
}

// Backlog is the number of exchanges answered but not yet consumed.
func (s *Server) Backlog() int {
	return s.answered.Len() + int(s.finishing.Load()) + s.ready.Len() + int(s.batchLeft.Load())
}

// Close releases the address of a Server that will not Run.
func (s *Server) Close() error { return s.ln.Close() }

// Stop begins a graceful stop of Run. It may be called more than once and
// from any goroutine.
func (s *Server) Stop() { s.stopOnce.Do(func() { close(s.stop) }) }

// Abort stops at once: connections still open are closed, so requests in
// flight are dropped (their exchanges are still delivered). For a second
// Ctrl-C during a graceful stop.
func (s *Server) Abort() {
	s.Stop()
	_ = s.srv.Close()
}

// Run serves until ctx is done, Stop is called or Config.MaxEvents events
// were delivered; then it stops gracefully: it stops accepting, lets
// requests in flight finish (up to ShutdownTimeout), delivers every
// exchange still queued and returns what it counted.
//
// consume is called on one goroutine, once per exchange, in the order
// requests completed; more says that further exchanges are already
// waiting (a writer may hold its flush until more is false). A panic in
// consume is recovered and reported to the log writer.
func (s *Server) Run(ctx context.Context, consume func(ex *Exchange, more bool)) (Stats, error) {
	stats := NewStats()
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.srv.Serve(s.ln) }()
	handlersDone := make(chan struct{})
	finished := make(chan struct{})
	go s.finishAll(handlersDone, finished)

	deliver := func() {
		batch := s.ready.Take()
		for i, ex := range batch {
			s.batchLeft.Store(int64(len(batch) - i - 1))
			more := i < len(batch)-1
			if !more {
				// Let handlers that are about to finish push first: under
				// load this turns many one-line writes into a few larger
				// ones, when idle it costs nothing and delays nothing.
				runtime.Gosched()
				more = s.ready.Len() > 0 || s.finishing.Load() > 0
			}
			s.consume(consume, ex, more)
			stats.Add(ex)
			if s.cfg.MaxEvents > 0 && stats.Events >= s.cfg.MaxEvents {
				s.Stop()
			}
		}
	}

	var runErr error
loop:
	for {
		select {
		case <-s.ready.Ready():
			deliver()
		case <-ctx.Done():
			break loop
		case <-s.stop:
			break loop
		case err := <-serveErr:
			if !errors.Is(err, http.ErrServerClosed) {
				runErr = err
			}
			break loop
		}
	}

	if n := s.inflight.count(); n > 0 {
		fmt.Fprintf(s.log, "Stopping: waiting up to %s for %d %s in flight\n", s.cfg.ShutdownTimeout, n, map[bool]string{true: "request", false: "requests"}[n == 1])
	}
	go func() {
		defer close(handlersDone)
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		defer cancel()
		// Shutdown waits up to 5s for connections that never sent a whole
		// request (clients open spare ones); they hold none, so close them.
		stopSweep := make(chan struct{})
		go s.conns.sweepNew(stopSweep)
		defer close(stopSweep)
		if err := s.srv.Shutdown(sctx); err != nil {
			fmt.Fprintf(s.log, "wa-cb: requests still in flight after %s, closing their connections\n", s.cfg.ShutdownTimeout)
			_ = s.srv.Close()
		}
		s.inflight.wait()
	}()
	for {
		select {
		case <-s.ready.Ready():
			deliver()
		case <-finished:
			deliver()
			return stats, runErr
		}
	}
}

// While exchanges keep coming (the last batch moved less than finishBusy
// ago), finishAll lets them gather for finishLinger before it takes the
// next batch: under load each wake-up of its goroutine (and of the
// consumer's, and each write of the output) then serves tens of requests
// instead of a few. A callback that comes alone is passed on at once.
const (
	finishBusy   = 2 * time.Millisecond
	finishLinger = time.Millisecond
)

// finishAll moves the answered exchanges to the consumer's queue, in
// order, a batch at a time, decoding those the handler left undecoded,
// until handlersDone is closed and the last of them has moved; then it
// closes finished. It runs on a goroutine of its own, so that a consumer
// blocked on its output holds up neither the decoding nor the Answered
// hook (the recording).
func (s *Server) finishAll(handlersDone <-chan struct{}, finished chan<- struct{}) {
	defer close(finished)
	move := func() {
		batch := s.answered.Take()
		s.finishing.Store(int64(len(batch)))
		for _, ex := range batch {
			s.finish(ex)
		}
		s.ready.PushAll(batch)
		s.finishing.Store(0)
	}
	var last time.Time
	for {
		select {
		case <-s.answered.Ready():
			if time.Since(last) < finishBusy {
				time.Sleep(finishLinger)
			}
			move()
			last = time.Now()
		case <-handlersDone:
			move()
			return
		}
	}
}

// finish completes one answered exchange. Handler.finish recovers what
// fails in decoding and in the Answered hook; this also keeps a failure
// in encoding from ending the goroutine, and with it the listener.
func (s *Server) finish(ex *Exchange) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(s.log, "wa-cb: finishing request %s failed: %v\n", ex.ID, p)
			if ex.InternalError == "" {
				ex.InternalError = fmt.Sprint(p)
			}
		}
	}()
	s.handler.finish(ex)
}

func (s *Server) consume(consume func(*Exchange, bool), ex *Exchange, more bool) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(s.log, "wa-cb: showing request %s failed: %v\n", ex.ID, p)
		}
	}()
	consume(ex, more)
}

// SyncWriter serialises writes to W, which may not be safe for
// concurrent use.
type SyncWriter struct {
	mu sync.Mutex
	W  io.Writer
}

func (s *SyncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.W.Write(p)
}

// connSet knows the connections that have not brought a whole request
// yet, and since when.
type connSet struct {
	mu    sync.Mutex
	fresh map[net.Conn]time.Time
	// n is len(fresh): a keep-alive connection changes state twice per
	// request, and while no connection is fresh that costs no lock.
	n atomic.Int64
}

// freshGrace is how long a stop lets a new connection bring its first
// request before closing it.
const freshGrace = 250 * time.Millisecond

func (c *connSet) track(conn net.Conn, state http.ConnState) {
	if state != http.StateNew && c.n.Load() == 0 {
		// A connection's StateNew is tracked before its goroutine starts,
		// so one still fresh is counted here.
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if state == http.StateNew {
		if c.fresh == nil {
			c.fresh = map[net.Conn]time.Time{}
		}
		c.fresh[conn] = time.Now()
		c.n.Store(int64(len(c.fresh)))
		return
	}
	c.remove(conn)
}

// remove forgets conn; c.mu is held.
func (c *connSet) remove(conn net.Conn) {
	delete(c.fresh, conn)
	c.n.Store(int64(len(c.fresh)))
}

// sweepNew closes, until stop is closed, the connections that were given
// freshGrace to bring a request and did not.
func (c *connSet) sweepNew(stop <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		c.mu.Lock()
		for conn, since := range c.fresh {
			if time.Since(since) >= freshGrace {
				_ = conn.Close()
				c.remove(conn)
			}
		}
		c.mu.Unlock()
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// tracker counts handlers running, so a stop can wait for them even after
// their connections were closed.
type tracker struct {
	mu   sync.Mutex
	n    int
	idle *sync.Cond
}

func (t *tracker) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.mu.Lock()
		t.n++
		t.mu.Unlock()
		defer func() {
			t.mu.Lock()
			t.n--
			if t.n == 0 && t.idle != nil {
				t.idle.Broadcast()
			}
			t.mu.Unlock()
		}()
		h.ServeHTTP(w, r)
	})
}

func (t *tracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

func (t *tracker) wait() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.idle == nil {
		t.idle = sync.NewCond(&t.mu)
	}
	for t.n > 0 {
		t.idle.Wait()
	}
}

// Stats counts what a Server delivered.
type Stats struct {
	Requests int            `json:"requests"`
	Events   int            `json:"events"`
	Kinds    map[string]int `json:"kinds"`    // events by kind
	Statuses map[string]int `json:"statuses"` // status events by status
	// DecodeErrors counts events with a decode_error (refused and unreadable
	// requests not included).
	DecodeErrors       int `json:"decode_errors"`
	SignatureInvalid   int `json:"signature_invalid"` // requests
	SignatureMissing   int `json:"signature_missing"` // requests (handshakes not counted)
	TooLarge           int `json:"too_large"`         // requests answered 413
	Unreadable         int `json:"unreadable"`        // bodies that could not be read in full
	HandshakesRejected int `json:"handshakes_rejected"`
	Failures           int `json:"failures"` // decoder or listener panics recovered
	// Forwarded counts requests passed on to the app; ForwardErrors those
	// of them that got no answer (app down or too slow).
	Forwarded     int `json:"forwarded,omitempty"`
	ForwardErrors int `json:"forward_errors,omitempty"`
}

// NewStats returns empty counters.
func NewStats() Stats {
	return Stats{Kinds: map[string]int{}, Statuses: map[string]int{}}
}

// Add counts one exchange.
func (st *Stats) Add(ex *Exchange) {
	if st.Kinds == nil {
		st.Kinds = map[string]int{}
	}
	if st.Statuses == nil {
		st.Statuses = map[string]int{}
	}
	st.Requests++
	st.Events += len(ex.Events)
	switch {
	case ex.TooLarge:
		st.TooLarge++
	case ex.ReadError != "":
		st.Unreadable++
	}
	// Every event written is counted by kind, so that the kinds add up to
	// the events (a 413's is unknown); a refused or unreadable request's
	// decode_error is counted as such, not as a decode error.
	for i := range ex.Events {
		st.Kinds[ex.Events[i].Kind]++
	}
	if !ex.TooLarge && ex.ReadError == "" {
		for i := range ex.Events {
			ev := &ex.Events[i]
			if ev.Kind == callback.KindStatus && ev.Status != "" {
				st.Statuses[ev.Status]++
			}
			if ev.DecodeError != "" {
				st.DecodeErrors++
			}
		}
	}
	if ex.DecodePanic != "" || ex.InternalError != "" {
		st.Failures++
	}
	if ex.Forward != nil {
		st.Forwarded++
		if ex.Forward.Status == 0 {
			st.ForwardErrors++
		}
	}
	if ex.Handshake == nil {
		switch ex.Signature {
		case callback.SignatureInvalid:
			st.SignatureInvalid++
		case callback.SignatureMissing:
			st.SignatureMissing++
		}
	} else if ex.Handshake.Outcome == HandshakeRejected {
		st.HandshakesRejected++
	}
}
