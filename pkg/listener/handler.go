package listener

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// Handler is the listener's http.Handler. It accepts every method and path,
// answers at once and passes each Exchange to emit, once, after answering.
// emit must not block for long: Server gives it an unbounded queue.
type Handler struct {
	cfg  Config
	emit func(*Exchange)
	// signature checks X-Hub-Signature-256 (callback.SignatureState).
	signature func(secret string, h http.Header, body []byte) string
	// deferDecode: a request whose answer does not depend on its events
	// is answered first and emitted undecoded, for finish to decode.
	deferDecode bool
}

// NewHandler builds a Handler that answers as cfg says and hands every
// exchange to emit.
func NewHandler(cfg Config, emit func(*Exchange)) *Handler {
	if emit == nil {
		emit = func(*Exchange) {}
	}
	return &Handler{cfg: cfg.withDefaults(), emit: emit, signature: callback.SignatureState}
}

// newDeferringHandler builds a Handler that leaves the decoding of a
// request whose answer does not depend on it (no handshake, no required
// signature, no Respond hook, no Content-Encoding) until after the answer:
// it emits such an exchange undecoded, and finish must be called on every
// exchange it emits, in order, before the exchange is used. Server does
// that on one goroutine, a batch at a time: decoding callbacks one after
// another keeps the decoder's code and data in the CPU's caches, which
// request goroutines interleaved with network system calls do not.
func newDeferringHandler(cfg Config, emit func(*Exchange)) *Handler {
	h := NewHandler(cfg, emit)
	h.deferDecode = true
	return h
}

// ServeHTTP reads, checks, decodes and answers one request, then emits it
// (a deferring handler leaves the decoding of a plain callback to finish).
// It never panics: whatever fails is answered, reported in the exchange
// and emitted.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cfg := &h.cfg
	ex := &Exchange{
		ID:         cfg.NewID(),
		ReceivedAt: cfg.Now(),
		Method:     r.Method,
		Path:       r.URL.EscapedPath(),
		RawQuery:   r.URL.RawQuery,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		Header:     r.Header,
	}
	answered := false
	defer func() {
		if p := recover(); p != nil {
			if !answered {
				ex.Answer = Answer{Status: http.StatusInternalServerError, Body: []byte("wa-cb: internal error\n"), Reason: "internal error"}
				h.write(w, ex.Answer)
				ex.Latency = cfg.Now().Sub(ex.ReceivedAt)
			}
			h.failed(ex, p)
		}
		if !ex.undecoded {
			h.complete(ex)
		}
		h.emit(ex)
	}()

	if ex.Path == "" {
		ex.Path = "/"
	}
	body, size, readErr := readBody(r.Body, r.ContentLength, cfg.MaxBody)
	ex.BodySize = size
	switch {
	case errors.Is(readErr, errTooLarge):
		discardRest(w, r, size)
		ex.refuseTooLarge(cfg.tooLarge(size))
	case readErr != nil:
		ex.ReadError = readErr.Error()
		ex.Body = body
		ex.Answer = closingAnswer(http.StatusBadRequest, "request body could not be read", "body unreadable")
		ex.Events = []callback.Event{RawEvent(h.request(ex), "request body could not be read: "+ex.ReadError)}
	case len(r.Header["Content-Encoding"]) > 0:
		ex.Body = body
		h.decideEncoded(w, r, ex)
	default:
		ex.Body = body
		hs := handshake(r, ex.RawQuery)
		if h.deferDecode && hs == nil && !cfg.RequireSignature && cfg.Respond == nil {
			ex.Answer = Answer{Status: cfg.Status}
			ex.undecoded = true
		} else {
			h.decide(r, ex, hs)
		}
	}
	if !ex.undecoded {
		h.facts(ex)
	}
	h.write(w, ex.Answer)
	answered = true
	ex.Latency = cfg.Now().Sub(ex.ReceivedAt)
}

// finish decodes an exchange that a deferring handler emitted undecoded,
// as ServeHTTP would have before answering, then runs the Answered hook
// and encodes the events; an exchange that is complete already is left
// as it is. Like ServeHTTP it never panics: a failure is reported in
// ex.InternalError and the exchange keeps its raw event.
func (h *Handler) finish(ex *Exchange) {
	if !ex.undecoded {
		return
	}
	ex.undecoded = false
	defer func() {
		if p := recover(); p != nil {
			h.failed(ex, p)
		}
		h.complete(ex)
	}()
	h.examine(ex, nil)
	h.facts(ex)
}

// failed reports a recovered failure of the listener in ex, which keeps
// the events it had, or else gets one that carries the raw request.
func (h *Handler) failed(ex *Exchange, p any) {
	ex.InternalError = fmt.Sprint(p)
	if len(ex.Events) == 0 {
		ex.Events = []callback.Event{RawEvent(h.request(ex), "listener failed: "+ex.InternalError)}
	}
	ex.undecoded = false
	h.facts(ex)
}

// complete runs the Answered hook and encodes the events of a decoded
// exchange.
func (h *Handler) complete(ex *Exchange) {
	h.answered(ex)
	ex.EncodeEvents()
}

// answered runs the Config.Answered hook; a panic in it is reported in
// the exchange, which is still emitted.
func (h *Handler) answered(ex *Exchange) {
	if h.cfg.Answered == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprint(p)
			if ex.InternalError != "" {
				msg = ex.InternalError + "; " + msg
			}
			ex.InternalError = msg
		}
	}()
	h.cfg.Answered(ex)
}

// examine checks the signature of an accepted request and decodes it:
// all that its events say, none of its answer. hs is its handshake, if it
// is one.
func (h *Handler) examine(ex *Exchange, hs *Handshake) {
	cfg := &h.cfg
	if cfg.AppSecret != "" {
		ex.Signature = h.signature(cfg.AppSecret, ex.Header, ex.Body)
		if ex.Inflated != nil && ex.Signature == callback.SignatureInvalid {
			// A sender signs its payload; a compressed one may be signed
			// before or after compression.
			ex.Signature = h.signature(cfg.AppSecret, ex.Header, ex.Inflated)
		}
	}
	ex.Events, ex.DecodePanic = SafeDecode(cfg.Decode, h.request(ex))
	if ex.Signature == callback.SignatureMissing && (hs != nil || !Signs(ex.Events)) {
		// Nothing was to be signed: not "missing", just not applicable.
		ex.Signature = ""
	}
}

// decide decodes an accepted request and chooses its answer; hs is its
// handshake, if it is one.
func (h *Handler) decide(r *http.Request, ex *Exchange, hs *Handshake) {
	cfg := &h.cfg
	h.examine(ex, hs)
	if hs != nil {
		ex.Handshake = hs
		h.checkHandshake(hs)
		passOn := hs.Outcome == HandshakeUnchecked && cfg.Respond != nil && cfg.RespondToHandshakes
		if passOn {
			hs.Outcome = HandshakePassedOn
			hs.Reason = "answered by the app"
			a := h.respond(r, ex)
			a.Reason = firstNonEmpty(a.Reason, "handshake passed on")
			ex.Answer = a
		} else if hs.Outcome == HandshakeRejected {
			ex.Answer = Answer{Status: http.StatusForbidden, Body: []byte("wa-cb: verification failed\n"), Reason: "handshake rejected: " + hs.Reason}
		} else {
			ex.Answer = Answer{
				Status: http.StatusOK,
				Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X-Content-Type-Options": {"nosniff"}},
				Body:   []byte(hs.Challenge),
				Reason: "handshake " + hs.Outcome,
			}
		}
		for i := range ex.Events {
			if ex.Events[i].Kind == callback.KindVerification {
				ex.Events[i].Extra = withExtra(ex.Events[i].Extra, "handshake", hs.Outcome)
			}
		}
		return
	}
	if reason := h.unsigned(ex); reason != "" {
		ex.Answer = Answer{Status: http.StatusUnauthorized, Body: []byte("wa-cb: " + reason + "\n"), Reason: reason}
		return
	}
	if cfg.Respond != nil {
		ex.Answer = h.respond(r, ex)
		return
	}
	ex.Answer = Answer{Status: cfg.Status}
}

// unsigned says why Config.RequireSignature refuses a request that is not
// a handshake, or "" when it passes: a valid signature, or none needed.
func (h *Handler) unsigned(ex *Exchange) string {
	if !h.cfg.RequireSignature {
		return ""
	}
	switch {
	case h.cfg.AppSecret == "":
		return "signature not checked"
	case ex.Signature == "" || ex.Signature == callback.SignatureValid:
		return ""
	}
	return "signature " + ex.Signature
}

// respond asks Config.Respond for the answer.
func (h *Handler) respond(r *http.Request, ex *Exchange) Answer {
	a := h.cfg.Respond(r.Context(), ex)
	if a.Status == 0 {
		a.Status = h.cfg.Status
	}
	return a
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkHandshake sets the outcome of a handshake against the configured
// verify token.
func (h *Handler) checkHandshake(hs *Handshake) {
	token := hs.token
	hs.token = ""
	if h.cfg.VerifyToken == "" {
		hs.Outcome = HandshakeUnchecked
		hs.Reason = "no verify token configured"
		return
	}
	switch {
	case hs.Mode != "subscribe":
		hs.Outcome = HandshakeRejected
		hs.Reason = fmt.Sprintf("hub.mode is %q, not \"subscribe\"", hs.Mode)
	case !hs.tokenPresent:
		hs.Outcome = HandshakeRejected
		hs.Reason = "no hub.verify_token"
	case subtle.ConstantTimeCompare([]byte(token), []byte(h.cfg.VerifyToken)) != 1:
		hs.Outcome = HandshakeRejected
		hs.Reason = "wrong hub.verify_token"
	default:
		hs.Outcome = HandshakeVerified
	}
}

// handshake recognises Meta's subscription GET: a GET whose query has
// hub.mode. The token is kept only until it is checked.
func handshake(r *http.Request, rawQuery string) *Handshake {
	if r.Method != http.MethodGet || !strings.Contains(rawQuery, "hub.mode") {
		return nil
	}
	q, _ := url.ParseQuery(rawQuery) // keeps what parses
	if _, ok := q["hub.mode"]; !ok {
		return nil
	}
	_, present := q["hub.verify_token"]
	return &Handshake{
		Mode:         q.Get("hub.mode"),
		Challenge:    q.Get("hub.challenge"),
		token:        q.Get("hub.verify_token"),
		tokenPresent: present,
	}
}

// facts stamps the request facts on every event.
func (h *Handler) facts(ex *Exchange) {
	at := ex.ReceivedAt.UTC().Format(time.RFC3339Nano)
	for i := range ex.Events {
		ev := &ex.Events[i]
		if ev.Schema == "" {
			ev.Schema = callback.Schema
		}
		ev.RequestID = ex.ID
		ev.ReceivedAt = at
		ev.Method = ex.Method
		ev.Path = ex.Path
		ev.Signature = ex.Signature
		FollowLifecycle(h.cfg.Lifecycle, ev, at)
	}
}

func (h *Handler) request(ex *Exchange) callback.Request {
	body := ex.Body
	if ex.Inflated != nil {
		body = ex.Inflated
	}
	return callback.Request{Method: ex.Method, Path: ex.Path, RawQuery: ex.RawQuery, Header: ex.Header, Body: body}
}

func (h *Handler) write(w http.ResponseWriter, a Answer) {
	hd := w.Header()
	for k, v := range a.Header {
		hd[http.CanonicalHeaderKey(k)] = v
	}
	// net/http sets Content-Length itself for a body this small.
	w.WriteHeader(a.Status)
	if len(a.Body) > 0 {
		_, _ = w.Write(a.Body)
	}
}

var errTooLarge = errors.New("request body too large")

// refuseTooLarge answers 413 to a body over the limit (closing the
// connection, as what is left of the body is not read) and says why in
// the exchange's one event.
func (ex *Exchange) refuseTooLarge(why string) {
	ex.TooLarge = true
	ex.Answer = closingAnswer(http.StatusRequestEntityTooLarge, "request body too large", "body too large")
	ex.Events = []callback.Event{RawEvent(callback.Request{}, why)}
}

// closingAnswer is an error answer that closes the connection, for a
// request whose body was not read to its end.
func closingAnswer(status int, msg, reason string) Answer {
	return Answer{Status: status, Header: http.Header{"Connection": {"close"}}, Body: []byte("wa-cb: " + msg + "\n"), Reason: reason}
}

// readBody reads the whole body, up to max bytes. It returns errTooLarge
// (and no body) when there is more, with size the declared length, or -1
// for a body without Content-Length that ran past the limit.
func readBody(rc io.ReadCloser, declared, max int64) ([]byte, int64, error) {
	if rc == nil || rc == http.NoBody {
		return nil, 0, nil
	}
	if declared > max {
		return nil, declared, errTooLarge
	}
	if declared >= 0 {
		buf := make([]byte, declared)
		n, err := io.ReadFull(rc, buf)
		if err != nil {
			return buf[:n], int64(n), err
		}
		return buf, declared, nil
	}
	buf, err := io.ReadAll(io.LimitReader(rc, max+1))
	if int64(len(buf)) > max {
		return nil, -1, errTooLarge
	}
	if err != nil {
		return buf, int64(len(buf)), err
	}
	if len(buf) == 0 {
		buf = nil
	}
	return buf, int64(len(buf)), nil
}

// Lingering on an oversize body: at most this much more is read, for at
// most this long.
const (
	lingerBytes = 64 << 20
	lingerTime  = 10 * time.Second
)

// discardRest reads what is left of a body over the limit and drops it
// before the 413 is written: closing a connection with unread data makes
// the kernel reset it, and a sender still writing its body sees a broken
// pipe instead of the answer. Bounded as nginx's lingering close is: a
// body declared larger than lingerBytes, or one still coming after
// lingerTime, is not waited for. A sender that expects 100-continue has not
// sent its body and gets the 413 at once.
func discardRest(w http.ResponseWriter, r *http.Request, declared int64) {
	if declared > lingerBytes || strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.CopyN(io.Discard, r.Body, lingerBytes)
}

// tooLarge is the decode error of a body over the limit.
func (c *Config) tooLarge(size int64) string {
	if c.TooLargeReason != nil {
		return c.TooLargeReason(size, c.MaxBody)
	}
	if size < 0 {
		return fmt.Sprintf("request refused with 413: body exceeds the limit of %d bytes", c.MaxBody)
	}
	return fmt.Sprintf("request refused with 413: body of %d bytes exceeds the limit of %d bytes", size, c.MaxBody)
}

func withExtra(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}
