package inspector

import (
	"net/http"
	"sort"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
)

// Message is the story of one message id among the kept exchanges: its
// statuses as a timeline, with what pkg/lifecycle says of each (out of
// order, duplicate, failed after delivered, steps missing), and the
// exchanges that mention it.
type Message struct {
	ID string `json:"id"`
	// To is the recipient the statuses name; From the sender of the
	// message itself, when it came in.
	To   string `json:"to,omitempty"`
	From string `json:"from,omitempty"`
	// Last is the latest status to arrive, LastAt when it arrived.
	Last   string    `json:"last,omitempty"`
	LastAt time.Time `json:"last_at"`
	// Entries are the statuses in arrival order.
	Entries []MessageEntry `json:"entries"`
	// Flags and Missing sum up the timeline.
	Flags   []string `json:"flags,omitempty"`
	Missing []string `json:"missing,omitempty"`
	// Exchanges are the seqs of every kept exchange with an event about
	// this id, oldest first.
	Exchanges []uint64 `json:"exchanges"`
}

// MessageEntry is one status of a message.
type MessageEntry struct {
	lifecycle.Entry
	// Seq is the exchange that brought it; RequestID its request id.
	Seq       uint64    `json:"exchange"`
	RequestID string    `json:"request_id"`
	Received  time.Time `json:"received_at"`
	Error     string    `json:"error,omitempty"` // a failed status's reason
}

// messages builds every kept message's timeline, most recently active
// first. The timelines are rebuilt from the ring on each call, so they
// always describe exactly the exchanges shown.
func (in *Inspector) messages() []Message {
	all, _ := in.snapshot()
	tr := lifecycle.New(lifecycle.Options{MaxMessages: len(all)*4 + 1, MaxEntries: 1 << 20, Now: in.cfg.Now})
	byID := map[string]*Message{}
	var order []*Message
	msg := func(id string) *Message {
		m := byID[id]
		if m == nil {
			m = &Message{ID: id}
			byID[id] = m
			order = append(order, m)
		}
		return m
	}
	for _, e := range all {
		r := e.ex.Record
		for i := range r.Events {
			ev := &r.Events[i]
			if ev.ID == "" || (ev.Kind != callback.KindStatus && ev.Kind != callback.KindMessage) {
				continue
			}
			m := msg(ev.ID)
			if n := len(m.Exchanges); n == 0 || m.Exchanges[n-1] != e.seq {
				m.Exchanges = append(m.Exchanges, e.seq)
			}
			if ev.Kind == callback.KindMessage {
				m.From = ev.From
				continue
			}
			at := lifecycle.TimeOf(ev.Timestamp, ev.ReceivedAt)
			note := tr.Observe(ev.ID, ev.Status, at)
			me := MessageEntry{
				Entry:     lifecycle.Entry{Status: ev.Status, At: at, Note: note},
				Seq:       e.seq,
				RequestID: r.RequestID,
				Received:  e.at,
			}
			if ev.Error != nil {
				me.Error = ev.Error.Title
				if ev.Error.Detail != "" {
					me.Error += ": " + ev.Error.Detail
				}
			}
			m.Entries = append(m.Entries, me)
			if m.To == "" {
				m.To = ev.To
			}
			m.Last, m.LastAt = ev.Status, e.at
		}
	}
	out := make([]Message, 0, len(order))
	for _, m := range order {
		if len(m.Entries) == 0 {
			continue // a message no status talks about has no timeline
		}
		if tl, ok := tr.Timeline(m.ID); ok {
			m.Flags, m.Missing = tl.Flags, tl.Missing
		}
		out = append(out, *m)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].LastAt.After(out[j].LastAt) })
	return out
}

func (in *Inspector) serveMessages(w http.ResponseWriter, r *http.Request) {
	list := in.messages()
	if id := r.URL.Query().Get("id"); id != "" {
		for _, m := range list {
			if m.ID == id {
				writeJSON(w, m)
				return
			}
		}
		apiError(w, http.StatusNotFound, "no status of message "+id+" among the kept exchanges")
		return
	}
	writeJSON(w, struct {
		Messages []Message `json:"messages"`
	}{list})
}
