package render

import (
	"fmt"
	"github.com/fatih/color"
	"strings"
	"time"

	"github.com/wa-cb/wa-cb/pkg/mock"
)

// MockLine is one line of `wa-cb mock`'s event log, in stable plain text:
// the record's kind first, then what a developer scans for (id, status,
// URL, answer, latency), then why.
func MockLine(r mock.Record) string { return mockLine(r, nil) }

// MockPrinter returns the event-log line renderer for a stream: MockLine,
// with the kind and the answers coloured when s has colour on.
func MockPrinter(s *Styles) func(mock.Record) string {
	if s == nil || !s.Color {
		return MockLine
	}
	return func(r mock.Record) string { return mockLine(r, s) }
}

func mockLine(r mock.Record, st *Styles) string {
	var b strings.Builder
	paint := func(c *color.Color, text string) string {
		if st == nil || c == nil {
			return text
		}
		return c.Sprint(text)
	}
	kindColor := func() *color.Color {
		if st == nil {
			return nil
		}
		switch {
		case r.Kind == mock.KindCallbackSkipped, r.GaveUp:
			return st.Warn
		case r.Kind == mock.KindAPICall && r.Answer >= 400:
			return st.Bad
		}
		return st.Info
	}
	answer := func(status int) string {
		text := fmt.Sprintf("→ %d", status)
		if st == nil {
			return text
		}
		switch {
		case status >= 200 && status < 300:
			return st.OK.Sprint(text)
		case status >= 500:
			return st.Bad.Sprint(text)
		}
		return st.Warn.Sprint(text)
	}
	b.WriteString(paint(kindColor(), r.Kind))
	field := func(s string) {
		if s != "" {
			b.WriteString("  ")
			b.WriteString(Sanitize(s))
		}
	}
	raw := func(s string) { // already sanitized and painted
		b.WriteString("  ")
		b.WriteString(s)
	}
	switch r.Kind {
	case mock.KindAPICall:
		field(r.API)
		field(r.Method + " " + r.Path)
		field(fmt.Sprint(r.Answer))
		switch {
		case len(r.IDs) > 1:
			field("ids " + strings.Join(r.IDs, ","))
		case r.ID != "":
			field("id " + r.ID)
		}
		if r.To != "" {
			field("to " + r.To)
		}
		field(r.Type)
		if r.Code != "" {
			field(r.Code)
		}
		field(r.Message)
	case mock.KindCallback:
		field(r.API)
		field(r.ID)
		field(r.Status)
		field(r.Method + " " + r.URL)
		if r.Answer != 0 {
			raw(answer(r.Answer))
		} else {
			raw(paint(stBad(st), "→ "+Sanitize(r.Error)))
		}
		field(fmt.Sprintf("%.1fms", r.LatencyMS))
		if r.Attempt > 1 {
			field(fmt.Sprintf("try %d", r.Attempt))
		}
		if r.Signed {
			field("signed")
		}
		if r.RetryInMS > 0 {
			field("retry in " + (time.Duration(r.RetryInMS * float64(time.Millisecond))).String())
		}
		if r.GaveUp {
			raw(paint(stBad(st), "gave up"))
		}
		if n := r.Lifecycle; n != nil && len(n.Flags) > 0 {
			raw(paint(stWarn(st), Sanitize(strings.Join(n.Flags, ","))))
		}
		field(r.Note)
	case mock.KindCallbackSkipped:
		field(r.API)
		field(r.ID)
		field(r.Status)
		field(r.URL)
		field(r.Rule + ": " + r.Reason)
	case mock.KindInbound:
		field(r.API)
		field(r.ID)
		field("from " + r.To)
		if r.Context != "" {
			field("reply to " + r.Context)
		}
		field(r.Type)
		field("→ " + r.URL)
	case mock.KindHandshake:
		field(r.API)
		field(r.Method + " " + r.URL)
		if r.Answer != 0 {
			field(fmt.Sprintf("→ %d", r.Answer))
		} else {
			field("→ " + r.Error)
		}
		field(r.Note)
		field(r.Reason)
	case mock.KindClock:
		field(fmt.Sprintf("+%s", time.Duration(r.AdvanceMS*float64(time.Millisecond))))
		field("now " + r.Time.UTC().Format(time.RFC3339))
	default:
		if r.Count > 0 {
			field(fmt.Sprintf("%d messages", r.Count))
		}
		field(r.ID)
		field(r.Reason)
	}
	b.WriteByte('\n')
	return b.String()
}

func stBad(st *Styles) *color.Color {
	if st == nil {
		return nil
	}
	return st.Bad
}

func stWarn(st *Styles) *color.Color {
	if st == nil {
		return nil
	}
	return st.Warn
}
