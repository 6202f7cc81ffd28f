// Package lifecycle keeps the story of each outgoing message: the statuses
// the provider reported for it (sent, delivered, read, failed, deleted,
// not-sent), in the order they arrived, and what each new status means for
// that message.
//
// Providers deliver statuses late, twice and out of order (a read before its
// delivered, a second delivered, a failed after a delivered). A Tracker says
// so on every status, so that a handler author sees the cases their code must
// survive. Memory is bounded: a Tracker holds at most a fixed number of
// timelines and drops the least recently updated one past the limit,
// counting what it dropped.
//
// The package knows nothing of events, terminals or commands: it takes
// (id, status, time) and returns json-tagged values.
package lifecycle

import (
	"container/list"
	"sort"
	"sync"
	"time"
)

// Statuses with a meaning in a message's lifecycle. Any other status string
// is kept as it was given and takes a place in the sequence, without order
// semantics.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
	StatusDeleted   = "deleted"
	StatusNotSent   = "not-sent"
)

// Flags on a status. They are part of the JSON contract: add, never rename.
const (
	// FlagOutOfOrder: the status arrived after a later step of the same
	// message (delivered after read, sent after delivered, not-sent after
	// sent).
	FlagOutOfOrder = "out_of_order"
	// FlagDuplicate: the same status was already reported for the message.
	FlagDuplicate = "duplicate"
	// FlagFailedAfterDelivered: failed arrived after delivered or read.
	FlagFailedAfterDelivered = "failed_after_delivered"
	// FlagAfterFailure: sent, delivered or read arrived after failed or
	// not-sent.
	FlagAfterFailure = "after_failure"
)

// Defaults used when Options leaves a limit at zero.
const (
	DefaultMaxMessages = 10000
	DefaultMaxEntries  = 32
)

// Note says what one status means for its message. It is attached to status
// events as their "lifecycle" object.
type Note struct {
	// Seq is the status's 1-based place among the statuses of its message,
	// by arrival. Zero means the status was not tracked (no message id).
	Seq int `json:"seq"`
	// Previous is the status that arrived before this one.
	Previous string `json:"previous,omitempty"`
	// SincePreviousMS is the time from the previous status to this one, in
	// milliseconds, by the statuses' own times. Negative when this status
	// says it happened before the previous one. Absent on the first status.
	SincePreviousMS *int64 `json:"since_previous_ms,omitempty"`
	// Flags are the anomalies this status shows (Flag* constants), in a
	// fixed order.
	Flags []string `json:"flags,omitempty"`
	// Missing lists the earlier steps (sent, delivered) never reported for
	// the message by the time this status arrived, in lifecycle order.
	Missing []string `json:"missing,omitempty"`
}

// Anomalous reports whether the note carries a flag or a missing step.
func (n Note) Anomalous() bool { return len(n.Flags) > 0 || len(n.Missing) > 0 }

// Entry is one status in a timeline.
type Entry struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	Note
}

// Timeline is the story of one message, as a copy.
type Timeline struct {
	ID string `json:"id"`
	// Entries are the most recent statuses, oldest first; at most
	// Options.MaxEntries of them.
	Entries []Entry `json:"entries"`
	// Truncated counts older entries no longer kept.
	Truncated int `json:"truncated,omitempty"`
	// Flags is the union of the entries' flags, in the fixed order.
	Flags []string `json:"flags,omitempty"`
	// Missing lists the steps before the furthest one reported that were
	// never reported at all, as of now.
	Missing []string `json:"missing,omitempty"`
}

// Anomalous reports whether the timeline has a flag or a missing step.
func (t Timeline) Anomalous() bool { return len(t.Flags) > 0 || len(t.Missing) > 0 }

// Options bound a Tracker. Zero values take the defaults.
type Options struct {
	// MaxMessages is how many timelines are held; past it the least
	// recently updated one is dropped (and counted by Dropped).
	MaxMessages int
	// MaxEntries is how many statuses each timeline keeps; older ones are
	// dropped from the timeline (its sequence numbers keep counting).
	MaxEntries int
	// Now is the clock used for statuses observed without a time.
	Now func() time.Time
}

// Tracker holds the timelines. It is safe for concurrent use.
type Tracker struct {
	mu         sync.Mutex
	maxMsgs    int
	maxEntries int
	now        func() time.Time

	byID      map[string]*list.Element // of *timeline
	lru       *list.List               // front: most recently updated
	dropped   int
	anomalous int    // messages that ever showed an anomaly, dropped ones too
	arrivals  uint64 // orders timelines by first arrival
}

// New returns an empty Tracker bounded by opts.
func New(opts Options) *Tracker {
	t := &Tracker{
		maxMsgs:    opts.MaxMessages,
		maxEntries: opts.MaxEntries,
		now:        opts.Now,
		byID:       make(map[string]*list.Element),
		lru:        list.New(),
	}
	if t.maxMsgs <= 0 {
		t.maxMsgs = DefaultMaxMessages
	}
	if t.maxEntries <= 0 {
		t.maxEntries = DefaultMaxEntries
	}
	if t.now == nil {
		t.now = time.Now
	}
	return t
}

// step is a known status as a bit; progress statuses also have a rank.
type step uint8

const (
	stepSent step = 1 << iota
	stepDelivered
	stepRead
	stepFailed
	stepDeleted
	stepNotSent
)

func stepOf(status string) step {
	switch status {
	case StatusSent:
		return stepSent
	case StatusDelivered:
		return stepDelivered
	case StatusRead:
		return stepRead
	case StatusFailed:
		return stepFailed
	case StatusDeleted:
		return stepDeleted
	case StatusNotSent:
		return stepNotSent
	}
	return 0
}

// flag bits, in the order their names are listed.
type flag uint8

const (
	flagOutOfOrder flag = 1 << iota
	flagDuplicate
	flagFailedAfterDelivered
	flagAfterFailure
)

var flagNames = [...]string{FlagOutOfOrder, FlagDuplicate, FlagFailedAfterDelivered, FlagAfterFailure}

func (f flag) names() []string {
	if f == 0 {
		return nil
	}
	var out []string
	for i, name := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// missingBefore lists the progress steps before s that are not in seen.
func missingBefore(s, seen step) []string {
	var want step
	switch s {
	case stepDelivered:
		want = stepSent
	case stepRead:
		want = stepSent | stepDelivered
	}
	var out []string
	if want&stepSent != 0 && seen&stepSent == 0 {
		out = append(out, StatusSent)
	}
	if want&stepDelivered != 0 && seen&stepDelivered == 0 {
		out = append(out, StatusDelivered)
	}
	return out
}

type timeline struct {
	id        string
	first     uint64
	entries   []Entry
	truncated int
	seq       int
	seen      step
	flags     flag
	anomalous bool
}

// Observe records that message id was reported with status at time at (the
// status's own time; a zero time means now) and returns what it means. An
// empty id is not tracked and gives a zero Note.
func (t *Tracker) Observe(id, status string, at time.Time) Note {
	if id == "" {
		return Note{}
	}
	if at.IsZero() {
		at = t.now()
	}
	t.mu.Lock()
	defer t.mu.Unlock()

	tl := t.touch(id)
	s := stepOf(status)
	var f flag
	if tl.seenStatus(status, s) {
		f |= flagDuplicate
	}
	switch s {
	case stepSent:
		if tl.seen&(stepDelivered|stepRead) != 0 {
			f |= flagOutOfOrder
		}
	case stepDelivered:
		if tl.seen&stepRead != 0 {
			f |= flagOutOfOrder
		}
	case stepNotSent:
		if tl.seen&(stepSent|stepDelivered|stepRead) != 0 {
			f |= flagOutOfOrder
		}
	case stepFailed:
		if tl.seen&(stepDelivered|stepRead) != 0 {
			f |= flagFailedAfterDelivered
		}
	}
	if s&(stepSent|stepDelivered|stepRead) != 0 && tl.seen&(stepFailed|stepNotSent) != 0 {
		f |= flagAfterFailure
	}

	tl.seq++
	n := Note{Seq: tl.seq, Flags: f.names(), Missing: missingBefore(s, tl.seen)}
	if len(tl.entries) > 0 {
		prev := tl.entries[len(tl.entries)-1]
		n.Previous = prev.Status
		ms := at.Sub(prev.At).Milliseconds()
		n.SincePreviousMS = &ms
	}
	tl.seen |= s
	tl.flags |= f
	if n.Anomalous() && !tl.anomalous {
		tl.anomalous = true
		t.anomalous++
	}
	if len(tl.entries) == t.maxEntries {
		copy(tl.entries, tl.entries[1:])
		tl.entries = tl.entries[:len(tl.entries)-1]
		tl.truncated++
	}
	tl.entries = append(tl.entries, Entry{Status: status, At: at, Note: n})
	return n
}

// seenStatus reports whether status was already reported: known statuses by
// their bit, others by the kept entries.
func (tl *timeline) seenStatus(status string, s step) bool {
	if s != 0 {
		return tl.seen&s != 0
	}
	for _, e := range tl.entries {
		if e.Status == status {
			return true
		}
	}
	return false
}

// touch returns id's timeline, created if needed, as the most recently
// updated one, dropping the least recently updated past the limit.
func (t *Tracker) touch(id string) *timeline {
	if el, ok := t.byID[id]; ok {
		t.lru.MoveToFront(el)
		return el.Value.(*timeline)
	}
	if t.lru.Len() >= t.maxMsgs {
		oldest := t.lru.Back()
		t.lru.Remove(oldest)
		delete(t.byID, oldest.Value.(*timeline).id)
		t.dropped++
	}
	t.arrivals++
	tl := &timeline{id: id, first: t.arrivals}
	t.byID[id] = t.lru.PushFront(tl)
	return tl
}

func (tl *timeline) snapshot() Timeline {
	out := Timeline{
		ID:        tl.id,
		Entries:   make([]Entry, len(tl.entries)),
		Truncated: tl.truncated,
		Flags:     tl.flags.names(),
	}
	copy(out.Entries, tl.entries)
	furthest := stepSent
	switch {
	case tl.seen&stepRead != 0:
		furthest = stepRead
	case tl.seen&stepDelivered != 0:
		furthest = stepDelivered
	}
	out.Missing = missingBefore(furthest, tl.seen)
	return out
}

// Timeline returns a copy of id's timeline, if it is held.
func (t *Tracker) Timeline(id string) (Timeline, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	el, ok := t.byID[id]
	if !ok {
		return Timeline{}, false
	}
	return el.Value.(*timeline).snapshot(), true
}

// Anomalies returns the held timelines that show an anomaly, in the order
// their messages first arrived.
func (t *Tracker) Anomalies() []Timeline {
	t.mu.Lock()
	var held []*timeline
	for el := t.lru.Front(); el != nil; el = el.Next() {
		if tl := el.Value.(*timeline); tl.anomalous {
			held = append(held, tl)
		}
	}
	sort.Slice(held, func(i, j int) bool { return held[i].first < held[j].first })
	out := make([]Timeline, len(held))
	for i, tl := range held {
		out[i] = tl.snapshot()
	}
	t.mu.Unlock()
	return out
}

// Anomalous counts the messages that ever showed an anomaly, including those
// whose timelines were dropped since.
func (t *Tracker) Anomalous() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.anomalous
}

// Dropped counts the timelines dropped to stay within MaxMessages.
func (t *Tracker) Dropped() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped
}

// Len is the number of timelines held.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Len()
}

// TimeOf is the time a status happened: its own timestamp when it has one,
// else the time it was received (both RFC 3339). Zero when neither parses,
// which Observe reads as now.
func TimeOf(timestamp, receivedAt string) time.Time {
	for _, s := range [...]string{timestamp, receivedAt} {
		if s == "" {
			continue
		}
		if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return at
		}
	}
	return time.Time{}
}
