package listener

import (
	"sync"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/internal/jsonstr"
)

// EncodeEvents encodes ex.Events into ex.EventsJSON, one compact JSON
// object per event, unless that was done already. The Handler calls it
// after the Answered hook, so every emitted exchange carries the bytes; a
// hook that changes the events (redaction) and then needs the bytes
// (recording, --until) calls it itself after its last change.
//
// An event that does not encode (a raw field that is not JSON) is encoded
// with its raw payload as a JSON string and the reason in decode_error, so
// no event is ever left out.
func (ex *Exchange) EncodeEvents() {
	if ex.EventsJSON != nil {
		return
	}
	scratch := scratchPool.Get().(*[]byte)
	buf := (*scratch)[:0]
	var ends [8]int
	end := ends[:0]
	for i := range ex.Events {
		buf = AppendEvent(buf, &ex.Events[i])
		end = append(end, len(buf))
	}
	// One allocation of the exact size holds every line; the slice of
	// lines of a one-event exchange lives in the exchange itself.
	all := append([]byte(nil), buf...)
	lines := ex.oneLine[:0]
	if len(end) > 1 {
		lines = make([][]byte, 0, len(end))
	}
	start := 0
	for _, e := range end {
		lines = append(lines, all[start:e:e])
		start = e
	}
	ex.EventsJSON = lines
	if cap(buf) <= maxScratch {
		*scratch = buf
		scratchPool.Put(scratch)
	}
}

// scratchPool holds the buffers events are encoded in before they are
// copied out at their exact size.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxScratch is the largest encoding buffer kept for reuse.
const maxScratch = 1 << 20

// AppendEvent appends one event encoded as listen writes it, falling back
// as EncodeEvents says, so every command prints events the same way.
func AppendEvent(b []byte, ev *callback.Event) []byte {
	out, err := callback.AppendJSON(b, ev)
	if err == nil {
		return out
	}
	fallback := *ev
	fallback.Raw = jsonstr.Append(nil, string(ev.Raw)) // a JSON string holding the bytes
	note := "the decoded event could not be encoded: " + err.Error()
	if fallback.DecodeError != "" {
		note = fallback.DecodeError + "; " + note
	}
	fallback.DecodeError = note
	if out, err = callback.AppendJSON(b, &fallback); err == nil {
		return out
	}
	// Only what always encodes: the event's identity, facts and reason.
	last := callback.Event{
		Schema: fallback.Schema, Source: fallback.Source, Kind: fallback.Kind, Type: fallback.Type,
		DecodeError: fallback.DecodeError + "; " + err.Error(), Raw: fallback.Raw,
		RequestID: ev.RequestID, ReceivedAt: ev.ReceivedAt, Method: ev.Method, Path: ev.Path, Signature: ev.Signature,
	}
	out, _ = callback.AppendJSON(b, &last)
	return out
}
