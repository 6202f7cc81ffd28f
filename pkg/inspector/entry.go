package inspector

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/jqmatch"
	"github.com/wa-cb/wa-cb/pkg/listener"
)

// ReplayHeader marks a request the inspector replayed; its value is the
// request id of the exchange replayed.
const ReplayHeader = "X-Wa-Cb-Replay"

// entry is one kept exchange with what is derived from it, each part
// computed once, on first need, by whoever needs it (never by Add).
type entry struct {
	seq  uint64
	ex   Exchange
	size int64     // body bytes held (sizeOf)
	at   time.Time // when it happened: Record.ReceivedAt, else when it was added

	summaryOnce sync.Once
	summary     []byte // Summary as JSON

	eventsOnce sync.Once
	events     []byte // the events as a JSON array
	values     []any  // the events as jq values

	hayOnce sync.Once
	hay     string // lower-case text for free-text search

	mu      sync.Mutex
	replays []ReplayResult
}

// Summary is one row of the list.
type Summary struct {
	Seq      uint64    `json:"seq"`
	ID       string    `json:"id"`
	Origin   string    `json:"origin"`
	At       time.Time `json:"at"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Query    string    `json:"query,omitempty"`
	Sources  []string  `json:"sources,omitempty"`  // event families
	Kinds    []string  `json:"kinds,omitempty"`    // event kinds
	Types    []string  `json:"types,omitempty"`    // message types
	Statuses []string  `json:"statuses,omitempty"` // status values
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Text     string    `json:"text,omitempty"` // the start of the first text
	Note     string    `json:"note,omitempty"` // what an exchange without events was
	Events   int       `json:"events"`
	// Answer is the status the listener answered; Reason why, when it was
	// not the configured answer.
	Answer    int     `json:"answer"`
	Reason    string  `json:"reason,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
	// Forward is the app's status when the request was forwarded (0: no
	// answer came, see ForwardError).
	Forward      *int   `json:"forward,omitempty"`
	ForwardError string `json:"forward_error,omitempty"`
	Signature    string `json:"signature,omitempty"`
	DecodeError  bool   `json:"decode_error,omitempty"`
	// Failed: a failed status or an error event.
	Failed   bool   `json:"failed,omitempty"`
	Error    string `json:"error,omitempty"`
	ReplayOf string `json:"replay_of,omitempty"`
	Redacted bool   `json:"redacted,omitempty"`
}

// textPreview is how many characters of a text the list shows.
const textPreview = 120

func (e *entry) summaryOf() Summary {
	r := e.ex.Record
	s := Summary{
		Seq:       e.seq,
		ID:        r.RequestID,
		Origin:    e.ex.Origin,
		At:        e.at,
		Method:    r.Request.Method,
		Path:      r.Request.Path,
		Query:     maskQuery(r.Request.RawQuery),
		Events:    len(r.Events),
		Answer:    r.Response.Status,
		Reason:    r.Response.Reason,
		LatencyMS: r.Response.LatencyMS,
		Error:     r.Error,
		ReplayOf:  headerValue(r.Request.Header, ReplayHeader),
		Redacted:  r.Redacted,
		Note:      cut(e.ex.Note, textPreview),
	}
	if f := r.Forward; f != nil {
		st := f.Status
		s.Forward = &st
		s.ForwardError = f.Error
	}
	for i := range r.Events {
		ev := &r.Events[i]
		s.Sources = addOnce(s.Sources, ev.Source)
		s.Kinds = addOnce(s.Kinds, ev.Kind)
		s.Types = addOnce(s.Types, ev.Type)
		s.Statuses = addOnce(s.Statuses, ev.Status)
		if s.From == "" {
			s.From = ev.From
		}
		if s.To == "" {
			s.To = ev.To
		}
		if s.Text == "" && ev.Text != "" {
			s.Text = cut(ev.Text, textPreview)
		}
		if s.Signature == "" {
			s.Signature = ev.Signature
		}
		if ev.DecodeError != "" {
			s.DecodeError = true
		}
		if ev.Status == "failed" || ev.Kind == callback.KindError || ev.Error != nil {
			s.Failed = true
		}
	}
	return s
}

// summaryJSON is the row as JSON, encoded once.
func (e *entry) summaryJSON() []byte {
	e.summaryOnce.Do(func() {
		e.summary = mustJSON(e.summaryOf())
	})
	return e.summary
}

// maxKeptDerived bounds the exchanges whose search text and jq values
// are kept once made: those are several times the size of the bytes
// they come from (jq values most of all), which MaxBytes does not count,
// so a large exchange has them made again on each search instead.
const maxKeptDerived = 64 << 10

// large reports whether e is past maxKeptDerived.
func (e *entry) large() bool { return e.size > maxKeptDerived }

// eventsJSON is the events as a JSON array: the producer's bytes when it
// encoded them already (Record.EventsJSON), else encoded here; kept
// unless the exchange is large.
func (e *entry) eventsJSON() []byte {
	if e.large() {
		return e.joinEvents()
	}
	e.eventsOnce.Do(func() {
		e.events = e.joinEvents()
		e.values = valuesOf(e.events)
	})
	return e.events
}

func (e *entry) joinEvents() []byte {
	lines := e.ex.Record.EventsJSON
	if lines == nil {
		ex := listener.Exchange{Events: e.ex.Record.Events}
		ex.EncodeEvents()
		lines = ex.EventsJSON
	}
	size := 2
	for _, l := range lines {
		size += len(l) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i, l := range lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, l...)
	}
	return append(b, ']')
}

// valuesOf is an events array as the values jq works on.
func valuesOf(events []byte) []any {
	if v, err := jqmatch.ToValue(events); err == nil {
		if list, ok := v.([]any); ok {
			return list
		}
	}
	return nil
}

// eventValues is the events as the values jq works on.
func (e *entry) eventValues() []any {
	if e.large() {
		return valuesOf(e.joinEvents())
	}
	e.eventsJSON()
	return e.values
}

// haystack is what free-text search looks through: the request line,
// headers (secrets masked), body, events and answers, in lower case.
func (e *entry) haystack() string {
	if e.large() {
		return e.makeHaystack()
	}
	e.hayOnce.Do(func() { e.hay = e.makeHaystack() })
	return e.hay
}

func (e *entry) makeHaystack() string {
	r := e.ex.Record
	var b strings.Builder
	b.WriteString(r.RequestID + " " + r.Request.Method + " " + r.Request.Path + "?" + maskQuery(r.Request.RawQuery) + "\n")
	for k, vs := range maskHeader(r.Request.Header) {
		b.WriteString(k + ": " + strings.Join(vs, ", ") + "\n")
	}
	if utf8.Valid(r.Request.Body) {
		b.Write(r.Request.Body)
		b.WriteByte('\n')
	}
	b.Write(e.eventsJSON())
	b.WriteString("\n" + r.Response.Body + "\n" + r.Error)
	if f := r.Forward; f != nil {
		b.WriteString("\n" + f.URL + "\n" + f.Body + "\n" + f.Error)
	}
	return strings.ToLower(b.String())
}

func (e *entry) addReplay(r ReplayResult) {
	e.mu.Lock()
	e.replays = append(e.replays, r)
	e.mu.Unlock()
}

func (e *entry) replaysMade() []ReplayResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]ReplayResult(nil), e.replays...)
}

func addOnce(list []string, v string) []string {
	if v == "" {
		return list
	}
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// cut shortens s to n runes, marking the cut with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func headerValue(h map[string][]string, name string) string {
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// mustJSON encodes v without HTML escaping. The inspector's own types
// always encode; a raw event field that is not JSON is carried as a
// string instead of failing the whole answer.
func mustJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		msg, _ := json.Marshal("cannot encode: " + err.Error())
		buf.WriteString(`{"encode_error":`)
		buf.Write(msg)
		buf.WriteString("}")
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// sortedHeader lists a header as name/value pairs, sorted by name.
func sortedHeader(h map[string][]string) [][2]string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out [][2]string
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}
