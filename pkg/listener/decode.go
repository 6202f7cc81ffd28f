package listener

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// SafeDecode runs decode on req and never panics: a panic in the decoder
// becomes one unknown event that carries the raw payload and says what
// happened in decode_error. It also guarantees at least one event.
// panicked holds the recovered panic (empty when there was none).
func SafeDecode(decode func(callback.Request) []callback.Event, req callback.Request) (events []callback.Event, panicked string) {
	if decode == nil {
		decode = callback.Decode
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				panicked = fmt.Sprint(p)
				events = nil
			}
		}()
		events = decode(req)
	}()
	if panicked != "" {
		return []callback.Event{RawEvent(req, "decoder failed: "+panicked)}, panicked
	}
	if len(events) == 0 {
		return []callback.Event{RawEvent(req, "no events decoded")}, ""
	}
	for i := range events {
		if events[i].Schema == "" {
			events[i].Schema = callback.Schema
		}
	}
	return events, ""
}

// RawEvent is the event emitted for a request that could not be decoded:
// source and kind unknown, the reason in decode_error and the payload in
// raw (the body when there is one, else the query string), kept as JSON when
// it is JSON and as a JSON string otherwise.
func RawEvent(req callback.Request, reason string) callback.Event {
	ev := callback.Event{
		Schema:      callback.Schema,
		Source:      callback.SourceUnknown,
		Kind:        callback.KindUnknown,
		DecodeError: reason,
	}
	payload := req.Body
	if len(payload) == 0 && req.RawQuery != "" {
		payload = []byte(req.RawQuery)
	}
	ev.Raw = RawJSON(payload)
	return ev
}

// RawJSON returns b as a JSON value: unchanged when it is valid JSON, as a
// JSON string otherwise (invalid UTF-8 replaced), nil when empty.
func RawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // replaces invalid bytes with U+FFFD
	}
	out, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	return out
}

// NewIDGenerator returns a request id generator: 8 random hex digits that
// tell this run apart, a dash and a sequence number ("3f9a0c1e-0007").
// It is safe for concurrent use.
func NewIDGenerator() func() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	prefix := fmt.Sprintf("%08x-", binary.BigEndian.Uint32(b[:]))
	var seq atomic.Uint64
	return func() string {
		n := seq.Add(1)
		var room [32]byte // on the stack: the id is the one allocation
		buf := append(room[:0], prefix...)
		for m := uint64(1000); n < m && m > 1; m /= 10 {
			buf = append(buf, '0')
		}
		buf = strconv.AppendUint(buf, n, 10)
		return string(buf)
	}
}
