package callback

import "net/http"

// Request is one raw callback request as the listener received it.
type Request struct {
	Method   string
	Path     string
	RawQuery string // without the leading '?'
	Header   http.Header
	Body     []byte
}

// Decode turns one request into its events, in document order. It never
// fails and never panics: it always returns at least one event, and what
// cannot be read is said in the event's DecodeError.
func Decode(r Request) []Event {
	// Placeholder until the family decoders land.
	return []Event{{Schema: Schema, Source: SourceUnknown, Kind: KindUnknown, DecodeError: "not decoded"}}
}
