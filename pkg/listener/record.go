package listener

import (
	"encoding/base64"
	"time"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/record"
)

// RecordOf builds the record of one exchange the listener answered: what
// --record writes and the web inspector shows.
// The record shares the exchange's body, headers and events; it must not
// be changed.
func RecordOf(ex *Exchange) *record.Record {
	rec := &record.Record{
		Schema:     record.Schema,
		RequestID:  ex.ID,
		ReceivedAt: ex.ReceivedAt.UTC(),
		Request: record.Request{
			Method:     ex.Method,
			Path:       ex.Path,
			RawQuery:   ex.RawQuery,
			Host:       ex.Host,
			RemoteAddr: ex.RemoteAddr,
			Header:     ex.Header,
			Body:       ex.Body,
		},
		Events:     ex.Events,
		EventsJSON: ex.EventsJSON,
		Response: record.Response{
			Status:    ex.Answer.Status,
			Body:      string(ex.Answer.Body),
			Reason:    ex.Answer.Reason,
			LatencyMS: millis(ex.Latency),
		},
		Redacted: ex.Redacted,
	}
	switch {
	case ex.TooLarge:
		rec.Error = ex.Events[0].DecodeError
	case ex.ReadError != "":
		rec.Error = "request body could not be read: " + ex.ReadError
	case ex.InternalError != "":
		rec.Error = "listener failure: " + ex.InternalError
	case ex.DecodePanic != "":
		rec.Error = "decoder failure: " + ex.DecodePanic
	}
	if fr := ex.Forward; fr != nil {
		f := &record.Forward{
			URL:       fr.URL,
			Status:    fr.Status,
			Header:    fr.Header,
			Truncated: fr.Truncated,
			Error:     fr.Error,
			LatencyMS: millis(fr.Latency),
		}
		if utf8.Valid(fr.Body) {
			f.Body = string(fr.Body)
		} else {
			f.BodyBase64 = base64.StdEncoding.EncodeToString(fr.Body)
		}
		rec.Forward = f
	}
	return rec
}

func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
