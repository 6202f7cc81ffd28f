package mock

import (
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
	"sync"
	"time"
)

// Record kinds: what the mock reports, one Record per thing that happened.
const (
	KindAPICall         = "api-call"         // the app called a provider API
	KindCallback        = "callback"         // one delivery attempt of a status (or incoming) callback
	KindCallbackSkipped = "callback-skipped" // a callback that is not made, and why
	KindInbound         = "inbound"          // a customer message triggered through /_mock/inbound
	KindHandshake       = "handshake"        // Meta's GET verification of the webhook
	KindClock           = "clock"            // the mock's clock was advanced
	KindReset           = "reset"            // the store was emptied
	KindDropped         = "dropped"          // the oldest message left the store (--keep)
)

// Record is one exchange or event of the mock, as the terminal, --json,
// /_mock/events and the web inspector show it. Field names are a contract
// (they are the --json output); fields that do not apply are omitted.
type Record struct {
	Kind string    `json:"kind"`
	Time time.Time `json:"time"`
	// API is the provider API involved: kaleyra-v1, kaleyra-v2 or cloud.
	API string `json:"api,omitempty"`
	// ID is the message id; IDs holds every id of a call that created
	// several messages (one per recipient).
	ID  string   `json:"id,omitempty"`
	IDs []string `json:"ids,omitempty"`

	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// Answer is the HTTP status answered (api-call) or received (callback).
	Answer int    `json:"answer,omitempty"`
	To     string `json:"to,omitempty"`
	Type   string `json:"type,omitempty"`
	// Code and Message are the provider error of a refused call.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`

	// Callbacks: the status sent, where, which attempt, how long it took.
	Status    string  `json:"status,omitempty"`
	URL       string  `json:"url,omitempty"`
	Attempt   int     `json:"attempt,omitempty"`
	LatencyMS float64 `json:"latency_ms,omitempty"`
	Signed    bool    `json:"signed,omitempty"`
	Response  string  `json:"response,omitempty"`
	Error     string  `json:"error,omitempty"`
	// Retry says when the next attempt of a failed callback goes out; GaveUp
	// that there is none.
	RetryInMS float64 `json:"retry_in_ms,omitempty"`
	GaveUp    bool    `json:"gave_up,omitempty"`
	// Lifecycle says what this status meant to the app that got it: its
	// place among the message's statuses and any anomaly (a duplicate, a
	// read before delivered), as listen reports it.
	Lifecycle *lifecycle.Note `json:"lifecycle,omitempty"`

	// Rule and Reason say why a callback is skipped, or how its URL was
	// judged (the rule ids of validate-url); Note adds what a developer
	// should know (a loopback URL Kaleyra would never reach, a route).
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`

	// Context is the message an inbound message replies to.
	Context string `json:"context,omitempty"`
	// Advance is how far the clock moved (clock), Count how many messages
	// were dropped or reset.
	AdvanceMS float64 `json:"advance_ms,omitempty"`
	Count     int     `json:"count,omitempty"`
}

// Hub hands every Record to the mock's observers: the one synchronous
// Observe function of the configuration (the terminal) and any number of
// subscribers (SSE streams, the web inspector), each through a bounded
// buffer so a slow one never slows the mock: it misses records instead,
// and is told how many.
type Hub struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscription receives records on C until Close.
type Subscription struct {
	C      <-chan Record
	c      chan Record
	hub    *Hub
	mu     sync.Mutex
	missed int
}

// Subscribe starts a subscription with a buffer of n records.
func (h *Hub) Subscribe(n int) *Subscription {
	c := make(chan Record, max(n, 1))
	s := &Subscription{C: c, c: c, hub: h}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[*Subscription]struct{}{}
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Missed returns, and resets, the number of records dropped because the
// subscriber fell behind.
func (s *Subscription) Missed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.missed
	s.missed = 0
	return n
}

// Close ends the subscription; C is closed.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if _, ok := s.hub.subs[s]; ok {
		delete(s.hub.subs, s)
		close(s.c)
	}
}

// Publish gives r to every subscriber that has room.
func (h *Hub) Publish(r Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.c <- r:
		default:
			s.mu.Lock()
			s.missed++
			s.mu.Unlock()
		}
	}
}

// closeAll ends every subscription.
func (h *Hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		delete(h.subs, s)
		close(s.c)
	}
}
