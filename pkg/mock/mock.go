// Package mock is a local stand-in for the WhatsApp send APIs of Kaleyra
// (v1 and v2) and Meta (Cloud API): an app sends messages to it as in
// production; it answers like the provider, judges each callback_url as
// validate-url does, and calls back with each message's statuses, built
// from the fixture catalogue, with the ids it returned.
//
// The mock only ever calls this machine: a callback URL on a loopback host
// is called directly, a whitelisted production URL only through a Route to
// a local base URL, anything else is reported as not delivered.
package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/internal/hostguard"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
	"github.com/wa-cb/wa-cb/pkg/sender"
	"github.com/wa-cb/wa-cb/pkg/urlcheck"
)

// APIs the mock stands in for.
const (
	APIKaleyraV1 = "kaleyra-v1"
	APIKaleyraV2 = "kaleyra-v2"
	APICloud     = "cloud"
)

// Delays are when each status goes out after a message is accepted.
type Delays struct {
	Sent      time.Duration
	Delivered time.Duration
	Read      time.Duration
}

// DefaultDelays are the --delays default.
var DefaultDelays = Delays{Sent: 200 * time.Millisecond, Delivered: time.Second, Read: 3 * time.Second}

// RetryPolicy is how a callback answered with a non-2xx status (or not
// answered) is tried again. Kaleyra publishes no policy for WhatsApp
// callbacks: this one is wa-cb's.
type RetryPolicy struct {
	Attempts int           // tries in all, the first included
	First    time.Duration // wait before the second try
	Factor   float64       // each further wait is this many times the last
}

// DefaultRetry: 4 tries, after 1s, 4s and 16s (divided by --speed).
var DefaultRetry = RetryPolicy{Attempts: 4, First: time.Second, Factor: 4}

// Wait is the pause after the attempt-th try failed.
func (p RetryPolicy) Wait(attempt int) time.Duration {
	d := float64(p.First)
	for i := 1; i < attempt; i++ {
		d *= p.Factor
	}
	return time.Duration(d)
}

// Config is the mock's configuration.
type Config struct {
	// APIKey, when set, is the api-key every Kaleyra call must carry; SID,
	// when set, the only account id accepted in Kaleyra paths.
	APIKey string
	SID    string
	// CallbackProfile is the Kaleyra Callback Profile URL: statuses of v2
	// messages, and of v1 messages sent with a callback_profile_id, go
	// there.
	CallbackProfile string
	// Token, when set, is the Bearer token every Cloud call must carry.
	Token string
	// WebhookURL receives Cloud webhooks, signed with AppSecret; with
	// VerifyToken the mock first performs Meta's GET handshake.
	WebhookURL  string
	AppSecret   string
	VerifyToken string
	// IncomingURL is the Kaleyra v1 number's Incoming URL.
	IncomingURL string
	// DisplayNumber is the business's phone number in Cloud webhooks
	// (metadata.display_phone_number), beside the phone_number_id the app
	// sent from; "" is DefaultDisplayNumber.
	DisplayNumber string

	Delays Delays
	// Speed divides every delay (statuses and retries); 0 means 1.
	Speed float64
	Retry RetryPolicy

	// Checker judges callback_url (validate-url's rules and whitelist);
	// Whitelist says whether one was configured.
	Checker   *urlcheck.Checker
	Whitelist bool
	// Strict applies the production rules to loopback callback URLs too:
	// they are not called back unless whitelisted.
	Strict bool
	// Routes maps a production host to the local base URL its callbacks
	// go to (path and query kept).
	Routes map[string]*url.URL
	// Window refuses free-form Cloud messages to customers who have not
	// written within the mock's last 24 hours (131047).
	Window bool

	// Keep bounds the stored messages; Workers and Queue the callback
	// delivery pool; MaxPending the scheduled callbacks.
	Keep       int
	Workers    int
	Queue      int
	MaxPending int
	// MaxBody bounds request bodies (413 beyond); media uploads are
	// bounded by Meta's limits and MediaBytes instead.
	MaxBody int64
	// MediaBytes bounds the bytes of uploaded media kept (Keep bounds
	// their number): the oldest uploads go first.
	MediaBytes int64

	Clock    Clock
	Catalog  *fixture.Catalog
	Renderer *fixture.Renderer
	// Sender delivers callbacks; its Secret is ignored (AppSecret signs).
	Sender *sender.Sender
	// Observe receives every Record synchronously (the terminal output).
	Observe func(Record)
	// Exchanges, when set, receives every whole HTTP exchange (the app's
	// calls and the callbacks sent) for a viewer such as the web
	// inspector. It is called on the hot path and must return at once.
	Exchanges func(Exchange)
}

// Stats count what the mock did.
type Stats struct {
	APICalls          int64 `json:"api_calls"`
	Refused           int64 `json:"refused"`
	Messages          int64 `json:"messages"`
	CallbacksSent     int64 `json:"callbacks_sent"`
	CallbacksOK       int64 `json:"callbacks_ok"`
	CallbacksFailed   int64 `json:"callbacks_failed"`
	CallbacksSkipped  int64 `json:"callbacks_skipped"`
	CallbacksOverflow int64 `json:"callbacks_overflow"`
	Dropped           int64 `json:"dropped"`
	MediaDropped      int64 `json:"media_dropped"`
}

// Mock is the stand-in. It is an http.Handler; Close stops its callbacks.
type Mock struct {
	cfg   Config
	sched *Scheduler
	pool  *Pool
	store *Store
	media *mediaStore
	// uploads holds a token per media upload being read (maxUploadsRead).
	uploads chan struct{}
	hub     Hub
	snd     sender.Sender
	// life follows what each message's statuses meant to the app: the
	// statuses it was actually given, in the order it got them.
	life atomic.Pointer[lifecycle.Tracker]
	// ctx is cancelled by Abort: callbacks in flight are dropped.
	ctx    context.Context
	cancel context.CancelFunc
	// rnd renders callbacks with the mock's clock.
	rnd *fixture.Renderer

	mu sync.Mutex
	// failedOnce holds the numbers ending in 4008 that got their 500.
	failedOnce map[string]bool
	// lastInbound is when each customer last wrote (mock time), for the
	// 24-hour window.
	lastInbound map[string]time.Time
	// lastPhoneID is the phone_number_id the app last sent a Cloud
	// message from: where a customer who writes unprompted writes to.
	lastPhoneID string
	// hosts knows the Host values that name the mock (Bound).
	hosts hostguard.Guard
	// hsMu serialises Meta's verification handshake; verified says the
	// webhook passed it.
	hsMu     sync.Mutex
	verified bool

	obsMu sync.Mutex

	stats struct {
		apiCalls, refused, messages, sent, ok, failed, skipped, overflow, dropped, mediaDropped atomic.Int64
	}
	mux http.Handler
}

// Defaults of the bounds. Eight workers keep up with a local app at
// thousands of callbacks a second and leave the cores to the API (more of
// them only contend for the CPU: scripts/bench.d/mock.sh); callbacks that
// fall due while all are busy wait in the scheduler, up to MaxPending.
const (
	DefaultKeep       = 10000
	DefaultWorkers    = 8
	DefaultQueue      = 4096
	DefaultMaxPending = 100000
	DefaultMaxBody    = 3 << 20
	// DefaultDisplayNumber is the display number of the fixture
	// catalogue's Cloud webhooks, a +1 555 number as Meta's test numbers.
	DefaultDisplayNumber = "15550783881"
)

// New builds a mock. Catalog and Sender are required.
func New(cfg Config) (*Mock, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("mock: no fixture catalogue")
	}
	if cfg.Sender == nil {
		return nil, errors.New("mock: no sender")
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.Retry.Attempts <= 0 {
		cfg.Retry = DefaultRetry
	}
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MediaBytes <= 0 {
		cfg.MediaBytes = DefaultMediaBytes
	}
	if cfg.Checker == nil {
		cfg.Checker = urlcheck.New(urlcheck.Options{})
	}
	if cfg.DisplayNumber == "" {
		cfg.DisplayNumber = DefaultDisplayNumber
	} else if d, ok := PhoneDigits(cfg.DisplayNumber); ok {
		cfg.DisplayNumber = d
	} else {
		return nil, fmt.Errorf("mock: display number %q is not a phone number (8 to 15 digits, + optional)", cfg.DisplayNumber)
	}
	if cfg.Renderer == nil {
		cfg.Renderer = &fixture.Renderer{}
	}
	m := &Mock{
		cfg:         cfg,
		sched:       NewScheduler(cfg.Clock, cfg.MaxPending),
		pool:        NewPool(cfg.Workers, cfg.Queue),
		store:       NewStore(cfg.Keep),
		media:       newMediaStore(cfg.Keep, cfg.MediaBytes),
		uploads:     make(chan struct{}, maxUploadsRead),
		snd:         *cfg.Sender,
		failedOnce:  map[string]bool{},
		lastInbound: map[string]time.Time{},
	}
	m.snd.Secret = cfg.AppSecret
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.life.Store(m.newTracker())
	m.rnd = &fixture.Renderer{Now: m.sched.Now, Rand: cfg.Renderer.Rand}
	m.mux = m.routes()
	return m, nil
}

func (m *Mock) newTracker() *lifecycle.Tracker {
	return lifecycle.New(lifecycle.Options{MaxMessages: m.cfg.Keep, Now: m.sched.Now})
}

// Bound tells the mock the address it is served on and the host the user
// asked for: from then on its control API answers only requests whose Host
// names that server (until then, any localhost or loopback address).
func (m *Mock) Bound(addr net.Addr, name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hosts = hostguard.For(addr, name)
}

// Subscribe streams every Record from now on through a buffer of n; a
// subscriber that falls behind misses records (Subscription.Missed).
func (m *Mock) Subscribe(n int) *Subscription { return m.hub.Subscribe(n) }

// Messages returns the stored messages, oldest first, and how many were
// dropped to respect Keep.
func (m *Mock) Messages() ([]Message, int) { return m.store.List() }

// Message returns one stored message.
func (m *Mock) Message(id string) (Message, bool) { return m.store.Get(id) }

// Lifecycle is what the app was given, message by message: the statuses
// in the order they reached it, and their anomalies (since the last reset).
func (m *Mock) Lifecycle() *lifecycle.Tracker { return m.life.Load() }

// Now is the mock's clock.
func (m *Mock) Now() time.Time { return m.sched.Now() }

// Stats returns the counters.
func (m *Mock) Stats() Stats {
	return Stats{
		APICalls: m.stats.apiCalls.Load(), Refused: m.stats.refused.Load(), Messages: m.stats.messages.Load(),
		CallbacksSent: m.stats.sent.Load(), CallbacksOK: m.stats.ok.Load(), CallbacksFailed: m.stats.failed.Load(),
		CallbacksSkipped: m.stats.skipped.Load(), CallbacksOverflow: m.stats.overflow.Load(), Dropped: m.stats.dropped.Load(), MediaDropped: m.stats.mediaDropped.Load(),
	}
}

// Pending is the number of callbacks scheduled and not yet handed to a
// worker.
func (m *Mock) Pending() int { return m.sched.Len() }

// Close stops scheduling, lets the callbacks already handed to workers
// finish, ends every subscription and returns how many scheduled
// callbacks were not made.
func (m *Mock) Close() int {
	n := m.sched.Close()
	m.pool.Close()
	m.hub.closeAll()
	m.cancel()
	return n
}

// Abort cancels the callbacks in flight, so a Close under way returns
// without waiting for slow targets (a second Ctrl-C).
func (m *Mock) Abort() {
	m.sched.Close()
	m.cancel()
}

// ServeHTTP answers provider API calls and the control API. Repeated
// slashes in the path are read as one, as the providers' front servers do:
// a client that joins a base URL ending in "/" with "/v1/..." sends
// "//v1/...", and the mock prints its own URL with that slash.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.URL.Path, "//") {
		r2 := *r
		u := *r.URL
		u.Path = collapseSlashes(u.Path)
		u.RawPath = ""
		r2.URL = &u
		r = &r2
	}
	m.mux.ServeHTTP(w, r)
}

// collapseSlashes turns every run of slashes in p into one.
func collapseSlashes(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func (m *Mock) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/{sid}/messages", m.kaleyraV1)
	mux.HandleFunc("/v2/{sid}/whatsapp/{number}/messages", m.kaleyraV2)
	mux.HandleFunc("/{version}/{phone}/messages", m.cloud)
	mux.HandleFunc("/{version}/{phone}/media", m.mediaUpload)
	mux.HandleFunc("/{version}/{media}", m.mediaObject)
	mux.HandleFunc(MediaPath+"{$}", m.mediaDownload)
	mux.HandleFunc("/", m.unknownPath)
	control := m.control()
	// No provider path starts with /_mock/, so the control API takes it
	// whole, before the provider patterns.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_mock/") || r.URL.Path == "/_mock" {
			control.ServeHTTP(w, r)
			return
		}
		var h http.Handler = mux
		if p := r.URL.Path; p != cleanPath(p) {
			// ServeMux would redirect to the cleaned path; a provider
			// answers such a path with an error, and so does the mock.
			h = http.HandlerFunc(m.unknownPath)
		}
		if m.cfg.Exchanges != nil {
			m.observeAPI(h, w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// cleanPath is the path ServeMux would redirect p to (p itself when it
// serves p as it is): cleaned, with a trailing slash kept.
func cleanPath(p string) string {
	if p == "" || p[0] != '/' {
		return "/" + p
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// emit reports a record to the observer and the subscribers.
func (m *Mock) emit(r Record) {
	if r.Time.IsZero() {
		r.Time = m.sched.Now()
	}
	if m.cfg.Observe != nil {
		m.obsMu.Lock()
		m.cfg.Observe(r)
		m.obsMu.Unlock()
	}
	m.hub.Publish(r)
}

// scaled divides a delay by --speed.
func (m *Mock) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / m.cfg.Speed)
}

// MarshalLine encodes v as one line of JSON, without HTML escaping (a
// URL's & stays &), newline included: the shape of every answer and of
// --json output.
func MarshalLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := MarshalLine(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`+"\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readBody reads a request body up to MaxBody; tooLarge means it was
// longer.
func (m *Mock) readBody(w http.ResponseWriter, r *http.Request) (body []byte, tooLarge bool, err error) {
	return m.readLimited(w, r, m.cfg.MaxBody)
}

// readLimited reads a request body up to limit bytes.
func (m *Mock) readLimited(w http.ResponseWriter, r *http.Request, limit int64) (body []byte, tooLarge bool, err error) {
	if r.ContentLength > limit && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// The client waits for a go-ahead before the body: refuse now,
		// unread, rather than let it send megabytes to be thrown away.
		return nil, true, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, true, nil
		}
		return nil, false, err
	}
	return b, false, nil
}

func (m *Mock) unknownPath(w http.ResponseWriter, r *http.Request) {
	m.stats.apiCalls.Add(1)
	m.stats.refused.Add(1)
	msg := fmt.Sprintf("no provider API at %s %s: the mock serves POST|GET /v1/{SID}/messages (Kaleyra v1), POST /v2/{SID}/whatsapp/{number}/messages (Kaleyra v2), POST /{version}/{phone_number_id}/messages and /media, GET|DELETE /{version}/{media_id} (Cloud) and /_mock/", r.Method, r.URL.Path)
	if graphPath.MatchString(r.URL.Path) {
		// A Cloud API client (media upload, a media URL, a template
		// list) reads error.code and error.message of Meta's shape.
		m.emitAPI(r, Record{Kind: KindAPICall, API: APICloud, Method: r.Method, Path: r.URL.Path, Answer: http.StatusBadRequest, Code: "100", Message: msg})
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": metaError{Message: "(#100) Unsupported request: " + msg, Type: "GraphMethodException", Code: 100,
			ErrorData: &metaErrorData{MessagingProduct: "whatsapp", Details: msg}, FBTraceID: m.cfg.Renderer.FreshID("AbCdEfGhIjKlMnOpQrStUvW")}})
		return
	}
	m.emitAPI(r, Record{Kind: KindAPICall, Method: r.Method, Path: r.URL.Path, Answer: http.StatusNotFound, Message: msg})
	writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{"path": msg}})
}

// graphPath is a Graph API path: a version with a dot (v21.0) first, which
// no Kaleyra path has.
var graphPath = regexp.MustCompile(`^/v[0-9]{1,3}\.[0-9]{1,3}/`)
