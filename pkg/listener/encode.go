package listener

import (
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
	size := 0
	for i := range ex.Events {
		size += 512 + len(ex.Events[i].Raw)*5/4
	}
	buf := make([]byte, 0, size)
	lines := make([][]byte, len(ex.Events))
	for i := range ex.Events {
		start := len(buf)
		buf = appendEvent(buf, &ex.Events[i])
		lines[i] = buf[start:len(buf):len(buf)]
	}
	ex.EventsJSON = lines
}

// appendEvent appends one event, falling back as EncodeEvents says.
func appendEvent(b []byte, ev *callback.Event) []byte {
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
