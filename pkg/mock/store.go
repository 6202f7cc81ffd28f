package mock

import (
	"encoding/json"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
	"sync"
	"time"
)

// Message is one message the app sent, as the control API shows it.
type Message struct {
	ID  string `json:"id"`
	API string `json:"api"`
	// To is the recipient; Business the business number (Kaleyra) or the
	// phone number id (Cloud).
	To       string            `json:"to"`
	Business string            `json:"business,omitempty"`
	Type     string            `json:"type"`
	Refs     map[string]string `json:"refs,omitempty"`
	Accepted time.Time         `json:"accepted_at"`
	Request  RequestInfo       `json:"request"`
	// Callback is how the callback target was judged; Plan the statuses
	// the mock will send, in order; Callbacks every attempt so far.
	Callback  *Target   `json:"callback,omitempty"`
	Plan      []string  `json:"plan"`
	Callbacks []Attempt `json:"callbacks"`
	Context   string    `json:"context,omitempty"`
	// Timeline is what the app was given: each status in the order it
	// arrived, with its anomalies (filled in by the control API).
	Timeline *lifecycle.Timeline `json:"timeline,omitempty"`
	// Group is a Cloud message to a group: To is the group's id.
	Group bool `json:"group,omitempty"`
	// Opaque is the Cloud message's biz_opaque_callback_data.
	Opaque string `json:"biz_opaque_callback_data,omitempty"`
	Magic  string `json:"magic,omitempty"`
	// gen is bumped when a forced status or a reset cancels the plan:
	// scheduled callbacks of an older generation are not made.
	gen int
	// lane puts the message's callbacks in line.
	lane *lane
}

// RequestInfo is the app's request that created a message.
type RequestInfo struct {
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	ContentType string            `json:"content_type,omitempty"`
	Encoding    string            `json:"encoding,omitempty"`
	Params      map[string]string `json:"params,omitempty"`
	Body        json.RawMessage   `json:"body,omitempty"`
}

// Target is the verdict on where a message's callbacks go.
type Target struct {
	URL string `json:"url"`
	// Verdict and Rule are validate-url's (for a Kaleyra callback_url).
	Verdict string `json:"verdict,omitempty"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
	// Deliver says whether callbacks are made; To is where they go (the
	// URL itself, or its --route).
	Deliver bool   `json:"deliver"`
	To      string `json:"to,omitempty"`
	Note    string `json:"note,omitempty"`
}

// Attempt is one callback delivery attempt.
type Attempt struct {
	Status    string    `json:"status"`
	URL       string    `json:"url"`
	Attempt   int       `json:"attempt"`
	At        time.Time `json:"at"`
	Answer    int       `json:"answer"`
	LatencyMS float64   `json:"latency_ms"`
	Response  string    `json:"response,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// Store keeps the latest messages, at most keep of them: the oldest is
// dropped (and counted) when a new one would exceed it.
type Store struct {
	mu      sync.Mutex
	keep    int
	byID    map[string]*Message
	order   []*Message // oldest first
	dropped int
}

// NewStore keeps at most keep messages (at least one).
func NewStore(keep int) *Store {
	return &Store{keep: max(keep, 1), byID: map[string]*Message{}}
}

// Add stores m and returns how many messages it pushed out.
func (s *Store) Add(m *Message) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[m.ID] = m
	s.order = append(s.order, m)
	n := 0
	for len(s.order) > s.keep {
		old := s.order[0]
		s.order[0] = nil
		s.order = s.order[1:]
		if s.byID[old.ID] == old {
			delete(s.byID, old.ID)
		}
		n++
	}
	if cap(s.order) > 4*s.keep && len(s.order) < s.keep {
		s.order = append([]*Message(nil), s.order...)
	}
	s.dropped += n
	return n
}

// Get returns a copy of the message with id.
func (s *Store) Get(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.byID[id]
	if !ok {
		return Message{}, false
	}
	return m.snapshot(), true
}

// lookup returns the stored message itself (callers hold s.mu for its
// fields through Update).
func (s *Store) lookup(id string) *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID[id]
}

// Update changes a message under the store's lock.
func (s *Store) Update(m *Message, fn func(*Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(m)
}

// List returns copies of the stored messages, oldest first, and how many
// were dropped so far.
func (s *Store) List() ([]Message, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.order))
	for i, m := range s.order {
		out[i] = m.snapshot()
	}
	return out, s.dropped
}

// Reset empties the store and returns how many messages it held.
func (s *Store) Reset() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.order)
	for _, m := range s.order {
		m.gen++ // pending callbacks of a reset message are not made
	}
	s.byID = map[string]*Message{}
	s.order = nil
	s.dropped = 0
	return n
}

func (m *Message) snapshot() Message {
	c := *m
	c.Plan = append([]string(nil), m.Plan...)
	c.Callbacks = append([]Attempt(nil), m.Callbacks...)
	if m.Callback != nil {
		t := *m.Callback
		c.Callback = &t
	}
	return c
}
