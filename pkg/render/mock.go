package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/wa-cb/wa-cb/pkg/mock"
)

// MockLine is one line of `wa-cb mock`'s event log, in stable plain text:
// the record's kind first, then what a developer scans for (id, status,
// URL, answer, latency), then why.
func MockLine(r mock.Record) string {
	var b strings.Builder
	b.WriteString(r.Kind)
	field := func(s string) {
		if s != "" {
			b.WriteString("  ")
			b.WriteString(Sanitize(s))
		}
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
			field(fmt.Sprintf("→ %d", r.Answer))
		} else {
			field("→ " + r.Error)
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
			field("gave up")
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
