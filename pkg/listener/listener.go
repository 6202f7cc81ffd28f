// Package listener is wa-cb's callback listener engine: an http.Handler that
// reads every request, answers it at once, decodes it into wa-cb.event/v1
// events and hands the whole exchange (raw request, events, answer) to one
// consumer goroutine through an unbounded in-memory queue, so a slow
// terminal never slows the sender; and a Server that binds, serves, stops
// gracefully and counts what it saw.
//
// Server's handler answers a request whose answer does not depend on its
// events (the usual callback: no handshake, no required signature, no
// Respond hook) before decoding it, and one goroutine of the Server
// decodes the answered requests in batches, runs the Answered hook and
// passes them on, in order, to the consumer. Decoding a batch in a row on
// one goroutine costs far less CPU than decoding each request on its own
// goroutine between network system calls, and the sender waits for none
// of it.
//
// It knows nothing of terminals or commands: the wa-cb listen command
// renders the Exchanges it emits.
//
// The life of a request: the Handler gives it an id and a time, reads the
// body (up to Config.MaxBody, else 413), checks the signature when an app
// secret is set, decodes it with SafeDecode (a decoder panic becomes an
// event that carries the raw payload), chooses the answer (the handshake,
// 401 for a required signature, Config.Respond, or Config.Status), stamps
// the request facts on every event, writes the answer and pushes the
// Exchange on the Queue. Server.Run is the only reader of the queue and calls the
// consumer once per Exchange, in completion order.
//
// Extension points:
//   - forwarding to the developer's app, answering like a failing app
//     (delay, fail every Nth): a Config.Respond hook that fills
//     Exchange.Forward and returns the Answer to give;
//   - recording every exchange: a consumer that writes each Exchange (it
//     holds the raw request, events, answer, latency and forward result);
//   - assertions (until an event matches, with a count and a timeout):
//     a consumer that calls Server.Stop once satisfied, while the command
//     stops on its own timeout;
//   - redaction: a consumer-side step before events are shown or written.
package listener

import (
	"context"
	"net/http"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

// DefaultMaxBody is the largest request body accepted by default: 3 MiB,
// the maximum webhook payload size Meta documents.
const DefaultMaxBody = 3 << 20

// Default timeouts of the HTTP server.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 10 * time.Second
)

// Handshake outcomes (Handshake.Outcome, and the "handshake" entry of the
// verification event's extra map).
const (
	HandshakeVerified  = "verified"  // right verify token: challenge echoed
	HandshakeRejected  = "rejected"  // wrong token or mode: 403
	HandshakeUnchecked = "unchecked" // no verify token configured: challenge echoed unchecked
	HandshakePassedOn  = "passed-on" // no verify token configured: Respond (the app) answered it
)

// Config is how the listener answers. The zero value is usable: it answers
// 200, accepts bodies up to DefaultMaxBody, checks no token and no
// signature.
type Config struct {
	// Status answers every accepted request (default 200). Must be 200-599.
	Status int
	// MaxBody is the largest accepted body in bytes (default DefaultMaxBody);
	// larger ones are answered 413 and reported.
	MaxBody int64
	// VerifyToken, when set, is compared with hub.verify_token of Meta's
	// subscription handshake; a mismatch is answered 403. When empty, the
	// challenge is echoed without a check and the handshake is marked
	// unchecked.
	VerifyToken string
	// AppSecret, when set, checks X-Hub-Signature-256 over the raw body of
	// every request and marks each event valid, invalid or missing.
	AppSecret string
	// RequireSignature answers 401 to requests that need a signature and
	// lack a valid one, and to every request with an invalid one (they are
	// still decoded and emitted). Only Meta Cloud signs its notifications:
	// requests of families that never sign (Kaleyra v1 and v2, Meta
	// on-premises) and handshake GETs need none; a request whose family is
	// unknown does. See Signs.
	RequireSignature bool
	// Lifecycle, when set, follows every status event's message and sets the
	// event's lifecycle note, in arrival order.
	Lifecycle *lifecycle.Tracker
	// TooLargeReason phrases the decode error of a body over MaxBody in
	// the command's words; size is -1 for a body without Content-Length
	// cut off at the limit. Default: "request refused with 413: body of N
	// bytes exceeds the limit of M bytes".
	TooLargeReason func(size, limit int64) string
	// MaxEvents makes Server.Run stop after this many events (0: no limit).
	MaxEvents int

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds how long a graceful stop waits for requests in
	// flight before closing their connections.
	ShutdownTimeout time.Duration

	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewID makes request ids (default: a per-process random prefix and a
	// sequence number).
	NewID func() string
	// Decode turns a request into events (default callback.Decode). A panic
	// in it is recovered: the request is still answered and emitted raw.
	Decode func(callback.Request) []callback.Event
	// Respond, when set, decides the answer to each accepted request (one
	// that is not a handshake, not too large and not refused for its
	// signature). It may also fill ex.Forward. A zero Status means
	// Config.Status. A panic in it is answered 500 and reported.
	Respond func(ctx context.Context, ex *Exchange) Answer
	// RespondToHandshakes passes handshakes to Respond too when no
	// VerifyToken is set, so that a forwarded app answers them itself.
	RespondToHandshakes bool
	// Answered, when set, is called once per exchange, after the answer
	// was written and the events decoded, before the exchange is queued for
	// the consumer: for work that must not wait for a slow consumer
	// (recording) or that changes what it shows (redaction). It runs on
	// the request's own goroutine or on the Server's decoding goroutine:
	// calls may run concurrently. A panic in it is reported in
	// Exchange.InternalError.
	Answered func(ex *Exchange)
}

// Exchange is one request the listener received, the events decoded from
// it and the answer it gave.
type Exchange struct {
	ID         string    // request id, shared by all its events
	ReceivedAt time.Time // when the request arrived
	Method     string
	Path       string // escaped path as sent
	RawQuery   string // without the leading '?'
	Host       string
	RemoteAddr string
	Header     http.Header
	// Body is the raw body exactly as received (nil for a body over the
	// limit, which is not kept).
	Body []byte
	// Inflated is the body with its Content-Encoding (gzip, deflate)
	// undone, as it was decoded; nil when the request had none, or one
	// that could not be undone.
	Inflated []byte
	// BodySize is the body's size in bytes: as read, or as declared by
	// Content-Length when it was refused unread; -1 when a body without
	// Content-Length was cut off at the limit.
	BodySize int64

	// Events are the decoded events, with the request facts filled in. Never
	// empty.
	Events []callback.Event
	// EventsJSON holds each of Events encoded once, after redaction, as one
	// compact JSON object (no newline): the very bytes of the --json lines,
	// of a recording's "events" and of what --until matches, raw kept as
	// received. Set by EncodeEvents; every emitted exchange has it.
	EventsJSON [][]byte
	oneLine    [1][]byte // EventsJSON's room for the usual single event
	// Signature is valid, invalid or missing when an app secret is
	// configured, empty otherwise.
	Signature string
	// Handshake is set for Meta's subscription handshake GET.
	Handshake *Handshake

	// TooLarge: the body exceeded the limit and was answered 413.
	TooLarge bool
	// ReadError says why the body could not be read in full (client went
	// away, timeout); the answer may not have reached the client.
	ReadError string
	// DecodePanic is the recovered panic of the decoder, if any.
	DecodePanic string
	// InternalError is a recovered failure of the listener itself while
	// answering (the request was answered 500) or, for a request answered
	// before it was decoded, while decoding it.
	InternalError string

	Answer  Answer
	Latency time.Duration // from arrival to the answer being written

	// Forward is the result of passing the request on to the developer's
	// app, when a Respond hook does that.
	Forward *ForwardResult
	// Redacted: personal data in the events, body, query and forward
	// answer was masked (by an Answered hook); Body is no longer the bytes
	// received.
	Redacted bool

	// undecoded: answered, not yet decoded (see Handler.finish).
	undecoded bool
}

// Answer is what the listener sent back.
type Answer struct {
	Status int
	Header http.Header // extra headers (may be nil)
	Body   []byte
	// Reason says why this answer was chosen when it is not the configured
	// one: "handshake", "body too large", "signature invalid", ...
	Reason string
}

// Handshake is Meta's subscription handshake
// (GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…).
type Handshake struct {
	Mode      string
	Challenge string
	Outcome   string // HandshakeVerified, HandshakeRejected or HandshakeUnchecked
	Reason    string // why it was rejected or left unchecked

	token        string // hub.verify_token, dropped once checked: it is a secret
	tokenPresent bool
}

// ForwardResult is what the developer's app answered to a forwarded
// request.
type ForwardResult struct {
	URL       string
	Status    int // 0 when no answer came
	Header    http.Header
	Body      []byte
	Truncated bool // Body holds only the start of the answer
	Error     string
	Latency   time.Duration
}

func (c Config) withDefaults() Config {
	if c.Status == 0 {
		c.Status = http.StatusOK
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NewID == nil {
		c.NewID = NewIDGenerator()
	}
	if c.Decode == nil {
		c.Decode = callback.Decode
	}
	return c
}
