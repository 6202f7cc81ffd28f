// Package inspector is wa-cb's web inspector: an http.Handler that shows a
// stream of HTTP exchanges (callbacks a listener received, the requests of
// a recording, the API calls and callbacks of the provider stand-in) in a
// browser, live, with their decoded events, the raw request, the answer,
// each message's status timeline, search, replay, edit-and-replay and
// export as HAR or as a recording.
//
// Whatever produces exchanges feeds them the same way, through Add (or
// the Sink interface): Add stores the exchange in a bounded ring of the
// last Config.Keep exchanges and wakes the browsers' streams without
// waiting for any of them, so a slow or absent browser never slows the
// producer. Everything a browser is sent is encoded on the browser's own
// goroutine, once per exchange. A stream that falls further behind than
// the ring holds is told how many exchanges it missed.
//
// The page and its assets are embedded (web/); the handler checks Host
// against the addresses it serves (DNS rebinding), refuses cross-origin
// writes, and never serves a secret: the app secret that signs edited
// replays stays on the server, and verify tokens, API keys and
// authorization headers are masked in everything it answers.
package inspector

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wa-cb/wa-cb/pkg/record"
)

// DefaultKeep is how many exchanges the inspector keeps by default.
const DefaultKeep = 1000

// DefaultMaxBytes bounds the bodies the kept exchanges hold by default:
// a thousand callbacks are small, a thousand 3 MiB bodies are not.
const DefaultMaxBytes = 256 << 20

// DefaultHeartbeat is how often an idle event stream sends a comment, so
// proxies and browsers keep it open and a dead client is noticed.
const DefaultHeartbeat = 15 * time.Second

// Origins of an exchange (Exchange.Origin).
const (
	OriginCallback = "callback" // a callback a listener received (or a recording holds)
	OriginAPI      = "api"      // a call an app made to the provider stand-in
	OriginSent     = "sent"     // a callback the provider stand-in delivered to the app
)

// Exchange is one HTTP exchange to show: the request exactly as it was
// made, its decoded events, the answer given and, for a listener that
// forwards, the app's answer. It is the record a recording holds, so a
// recording is shown as it was received and exported as it came.
type Exchange struct {
	// Record holds the request, events, answer and forward result. The
	// inspector never changes it; the producer must not either once added.
	// Events the producer encoded already (Record.EventsJSON) are served
	// as they are; others are encoded once, on first need.
	Record *record.Record
	// Origin says what the exchange is (OriginCallback when empty).
	Origin string
	// Note says in a line what an exchange without events was (an API
	// call: "text to 919812345678, message 3f0c…:0"); the list shows it.
	Note string
}

// Sink takes exchanges to show. Add must return at once: it is called on
// the producer's hot path.
type Sink interface {
	Add(Exchange)
}

// Config says what the inspector shows and where it may replay.
type Config struct {
	// Keep bounds the exchanges kept (default DefaultKeep).
	Keep int
	// MaxBytes bounds the bodies they hold (default DefaultMaxBytes): past
	// it the oldest exchanges go first, the newest always stays.
	MaxBytes int64
	// Title names the page ("wa-cb listen", "wa-cb inspect session.ndjson").
	Title string
	// Live: exchanges keep arriving (listen, mock); false for a recording
	// opened read-only.
	Live bool
	// ListenerURL is the listener's own base URL, a replay target ("" none);
	// ListenerLabel is what the page calls it ("the listener" by default).
	ListenerURL   string
	ListenerLabel string
	// ForwardURL is the app's URL (--forward-to), a replay target ("" none).
	ForwardURL string
	// AppSecret signs edited replays anew. It is never served.
	AppSecret string
	// Redacted: the exchanges were redacted before they were added; the
	// page says so.
	Redacted bool
	// Client delivers replays (default: no proxy, no redirects followed,
	// no compression negotiated, a 10 s timeout).
	Client *http.Client
	// Heartbeat is the idle stream's comment interval (default
	// DefaultHeartbeat).
	Heartbeat time.Duration
	// Version is shown in the page and in HAR exports.
	Version string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Inspector holds the exchanges and serves them. It is safe for
// concurrent use.
type Inspector struct {
	cfg Config
	// run names this inspector among the ones that may serve an address
	// one after the other (a listener restarted), so a page of an earlier
	// one is told its exchange numbers name other exchanges here.
	run string

	mu    sync.Mutex
	ring  []*entry // the last len(ring) exchanges, oldest at head once full
	head  int
	n     int
	next  uint64 // seq of the next exchange (the first is 1)
	bytes int64  // body bytes the kept exchanges hold
	subs  map[*subscriber]struct{}
	added atomic.Uint64
	// redacted: an exchange added was redacted (a recording made with
	// --redact), so the page says so.
	redacted atomic.Bool

	closeOnce sync.Once
	closed    chan struct{}
}

// subscriber is one event stream; wake has room for one signal, so Add
// never waits for it.
type subscriber struct {
	wake chan struct{}
}

// New builds an inspector.
func New(cfg Config) *Inspector {
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Client == nil {
		cfg.Client = replayClient()
	}
	if cfg.Title == "" {
		cfg.Title = "wa-cb inspector"
	}
	return &Inspector{
		cfg:    cfg,
		run:    newRun(),
		ring:   make([]*entry, cfg.Keep),
		next:   1,
		subs:   map[*subscriber]struct{}{},
		closed: make(chan struct{}),
	}
}

// newRun is a run name no earlier inspector is likely to have had.
func newRun() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported systems
	return hex.EncodeToString(b[:])
}

// Add keeps one exchange (evicting the oldest when the ring is full) and
// wakes the streams. It never waits for a browser.
func (in *Inspector) Add(ex Exchange) {
	if ex.Record == nil {
		return
	}
	if ex.Origin == "" {
		ex.Origin = OriginCallback
	}
	e := &entry{ex: ex, size: sizeOf(ex.Record), at: ex.Record.ReceivedAt}
	if e.at.IsZero() {
		e.at = in.cfg.Now().UTC()
	}
	in.mu.Lock()
	e.seq = in.next
	in.next++
	if in.n == len(in.ring) {
		in.evictOldest()
	}
	in.ring[(in.head+in.n)%len(in.ring)] = e
	in.n++
	in.bytes += e.size
	for in.bytes > in.cfg.MaxBytes && in.n > 1 {
		in.evictOldest()
	}
	for s := range in.subs {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	in.mu.Unlock()
	in.added.Add(1)
	if ex.Record.Redacted && !in.redacted.Load() {
		in.redacted.Store(true)
	}
}

// evictOldest drops the oldest kept exchange; in.mu is held.
func (in *Inspector) evictOldest() {
	in.bytes -= in.ring[in.head].size
	in.ring[in.head] = nil
	in.head = (in.head + 1) % len(in.ring)
	in.n--
}

// sizeOf is what an exchange holds in bodies and encoded events.
func sizeOf(r *record.Record) int64 {
	n := len(r.Request.Body) + len(r.Response.Body)
	if r.Forward != nil {
		n += len(r.Forward.Body) + len(r.Forward.BodyBase64)
	}
	for _, l := range r.EventsJSON {
		n += len(l) // the events, raw payload included, encoded by the producer
	}
	return int64(n)
}

// Added is the number of exchanges added so far (kept or not).
func (in *Inspector) Added() uint64 { return in.added.Load() }

// Close ends the event streams (the page then reconnects to whatever
// serves next, or says the source has stopped).
func (in *Inspector) Close() { in.closeOnce.Do(func() { close(in.closed) }) }

// after returns up to max kept exchanges with a seq above cursor, oldest
// first, and how many with a seq above cursor are no longer kept.
func (in *Inspector) after(cursor uint64, max int) (out []*entry, missed uint64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	oldest := in.next - uint64(in.n)
	start := cursor + 1
	if start < oldest {
		missed = oldest - start
		start = oldest
	}
	for seq := start; seq < in.next && len(out) < max; seq++ {
		out = append(out, in.ring[(in.head+int(seq-oldest))%len(in.ring)])
	}
	return out, missed
}

// snapshot returns the kept exchanges, oldest first, and the last seq.
func (in *Inspector) snapshot() ([]*entry, uint64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]*entry, in.n)
	for i := 0; i < in.n; i++ {
		out[i] = in.ring[(in.head+i)%len(in.ring)]
	}
	return out, in.next - 1
}

// lastSeq returns the seq of the last exchange added (0 before the
// first).
func (in *Inspector) lastSeq() uint64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.next - 1
}

// get returns the kept exchange seq.
func (in *Inspector) get(seq uint64) *entry {
	in.mu.Lock()
	defer in.mu.Unlock()
	oldest := in.next - uint64(in.n)
	if seq < oldest || seq >= in.next {
		return nil
	}
	return in.ring[(in.head+int(seq-oldest))%len(in.ring)]
}

func (in *Inspector) subscribe() *subscriber {
	s := &subscriber{wake: make(chan struct{}, 1)}
	in.mu.Lock()
	in.subs[s] = struct{}{}
	in.mu.Unlock()
	return s
}

func (in *Inspector) unsubscribe(s *subscriber) {
	in.mu.Lock()
	delete(in.subs, s)
	in.mu.Unlock()
}

// Streams is the number of event streams open.
func (in *Inspector) Streams() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.subs)
}
