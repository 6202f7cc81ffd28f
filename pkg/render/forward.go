package render

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/listener"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

// ForwardSchema names the --json line of a forward result.
const ForwardSchema = "wa-cb.forward/v1"

// forwardBodyMax is how much of the app's answer a forward line carries.
const forwardBodyMax = 512

// ForwardView is what the developer's app answered to one forwarded
// request: a line of its own after the request's events, tied to them by
// request_id. It is also the --json form of that line.
type ForwardView struct {
	Schema    string  `json:"schema"`
	Kind      string  `json:"kind"` // always "forward"
	RequestID string  `json:"request_id"`
	Method    string  `json:"method"`
	URL       string  `json:"url"`
	Status    int     `json:"status"` // the app's status, 0 when it did not answer
	LatencyMS float64 `json:"latency_ms"`
	// Body is the start of the app's answer (at most 512 bytes, on one
	// line); BodyBytes is the length kept.
	Body          string `json:"body,omitempty"`
	BodyBytes     int    `json:"body_bytes"`
	BodyTruncated bool   `json:"body_truncated,omitempty"`
	Error         string `json:"error,omitempty"`
	// Answered is the status the listener gave the caller (the app's, or
	// what --status or a simulated failure put in its place).
	Answered int `json:"answered"`
}

// ForwardViewOf is the view of ex's forward result; ok is false when the
// exchange was not forwarded.
func ForwardViewOf(ex *listener.Exchange) (ForwardView, bool) {
	fr := ex.Forward
	if fr == nil {
		return ForwardView{}, false
	}
	body := fr.Body
	cut := len(body) > forwardBodyMax || fr.Truncated
	if len(body) > forwardBodyMax {
		body = body[:forwardBodyMax]
		for len(body) > 0 && !utf8.Valid(body) && len(fr.Body)-len(body) < 4 {
			body = body[:len(body)-1]
		}
	}
	return ForwardView{
		Schema:        ForwardSchema,
		Kind:          "forward",
		RequestID:     ex.ID,
		Method:        ex.Method,
		URL:           fr.URL,
		Status:        fr.Status,
		LatencyMS:     float64(fr.Latency.Microseconds()) / 1000,
		Body:          sender.Preview(body),
		BodyBytes:     len(fr.Body),
		BodyTruncated: cut,
		Error:         fr.Error,
		Answered:      ex.Answer.Status,
	}, true
}

// Forward renders a forward result: one coloured line under the event
// cards on a terminal, a small block in plain text.
func (p *EventPrinter) Forward(v ForwardView) string {
	if p.compact {
		return p.compactForward(v)
	}
	if p.cards {
		return p.forwardLine(v)
	}
	return forwardPlain(v)
}

func forwardStatusText(v ForwardView) string {
	if v.Status == 0 {
		return "no answer"
	}
	st := strconv.Itoa(v.Status)
	if t := http.StatusText(v.Status); t != "" {
		st += " " + t
	}
	return st
}

// forwardLine: "↳ app 200 OK  3.1ms  POST http://127.0.0.1:3000/hooks  {"ok":true}".
func (p *EventPrinter) forwardLine(v ForwardView) string {
	s := p.s
	var b strings.Builder
	b.WriteString(s.Dim.Sprint("↳ app "))
	b.WriteString(s.StatusCode(v.Status, forwardStatusText(v)))
	b.WriteString("  " + s.Dim.Sprint(formatLatency(v.LatencyMS)))
	b.WriteString("  " + s.Info.Sprint(evClean(v.Method)) + " " + evClean(v.URL))
	if v.Error != "" {
		b.WriteString("  " + s.Bad.Sprint(evClean(v.Error)))
	}
	if v.Answered != 0 && v.Answered != v.Status {
		b.WriteString("  " + s.Dim.Sprint("answered ") + s.StatusCode(v.Answered, strconv.Itoa(v.Answered)))
	}
	if v.Body != "" {
		width := s.Width - 20
		if width < 20 {
			width = 20
		}
		b.WriteString("\n  " + s.Dim.Sprint(fxTruncate(evClean(v.Body), width)))
	}
	b.WriteString("  " + s.Dim.Sprint(evClean(v.RequestID)) + "\n\n")
	return b.String()
}

// forwardPlain is the non-terminal form, like an event block:
//
//	forward 200 (app)
//	  url: POST http://127.0.0.1:3000/hooks
//	  latency: 3.1ms
//	  body: {"ok":true}
//	  request: 3f9a0c1e-0001
func forwardPlain(v ForwardView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "forward %d (app)", v.Status)
	if v.Status == 0 || v.Status >= 400 || v.Error != "" {
		b.WriteString(" !")
	}
	b.WriteByte('\n')
	field := func(k, val string) {
		if val != "" {
			b.WriteString("  " + k + ": " + evClean(val) + "\n")
		}
	}
	field("url", v.Method+" "+v.URL)
	field("latency", strconv.FormatFloat(v.LatencyMS, 'f', 1, 64)+"ms")
	field("error", v.Error)
	body := v.Body
	if v.BodyTruncated && body != "" {
		body += " …"
	}
	field("body", body)
	if v.Answered != 0 && v.Answered != v.Status {
		field("answered", strconv.Itoa(v.Answered))
	}
	field("request", v.RequestID)
	b.WriteByte('\n')
	return b.String()
}
