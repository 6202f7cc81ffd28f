package render

import (
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/listener"
)

// TestCompactGolden: every golden case as one line, in colour and plain.
func TestCompactGolden(t *testing.T) {
	cases := evGoldenCases()
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	sort.Strings(names)
	fwd := ForwardView{Schema: ForwardSchema, Kind: "forward", RequestID: "9f86d081-0007", Method: "POST", URL: "http://127.0.0.1:3000/hooks", Status: 500, LatencyMS: 3.14, Body: `{"ok":false}`, Answered: 502, Error: "app answered 500"}
	for _, m := range []struct {
		name  string
		color bool
		cards bool
	}{{"tty-color", true, true}, {"plain", false, false}} {
		p := NewEventPrinterFor(build(io.Discard, m.color, 80), m.cards)
		p.Location = time.FixedZone("UTC+1", 3600)
		p.Compact()
		var b strings.Builder
		for _, name := range names {
			line := p.Event(cases[name])
			if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
				t.Errorf("%s %s: not one line: %q", m.name, name, line)
			}
			if !m.color && strings.Contains(line, "\x1b") {
				t.Errorf("%s %s: escape sequence in plain output", m.name, name)
			}
			if id := cases[name].Event.ID; id != "" && !strings.Contains(line, id) {
				t.Errorf("%s %s: id %q shortened or missing: %q", m.name, name, id, line)
			}
			b.WriteString(line)
		}
		b.WriteString(p.Forward(fwd))
		evGolden(t, "compact."+m.name, b.String())
	}
}

func TestCompactLine(t *testing.T) {
	cases := evGoldenCases()
	cases["forwarded"] = EventView{Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "text", ID: "wamid.fwd", From: "15551234567"}, ""),
		Answer: 500, AnswerReason: listener.ReasonAppAnswer}
	p := NewEventPrinterFor(build(io.Discard, false, 80), false)
	p.Compact()
	tests := []struct {
		name string
		want []string
		not  []string
	}{
		// Statuses name their recipient and their story's anomalies.
		{"status-delivered-late", []string{"03:04:05.678  kaleyra-v1  status delivered  ", "→ +12025550143", "a2d4ef99-fa14-4487-ab3a-d245b65611a4:0  200  out of order · duplicate"}, []string{"signature"}},
		// The start of the text, on one line.
		{"message-referral-multiline", []string{"“first line ↵ second line, a rat…”"}, nil},
		// Why the answer was not the usual one.
		{"unknown-malformed", []string{"401  signature invalid · decode error: invalid JSON"}, []string{"invalid · signature invalid"}},
		// Template and quality events quote the template and the limit.
		{"template-rejected", []string{"“festive_offer”  1229054618214840"}, nil},
		{"quality", []string{"16505551111       “TIER_10K”"}, nil},
		{"hostile-text", []string{`\x1b[2J`}, []string{"\x1b"}},
		// A forwarded request's answer is the app's: its own line says so.
		{"forwarded", []string{"wamid.fwd  500\n"}, []string{"app's answer"}},
		// A user known only by a business-scoped user id is named by it.
		{"message-user-id", []string{"message text              US.13491208655302741918  “Is my order on its way?”"}, nil},
		// Account-level events quote their main fact.
		{"account-alert", []string{"“The phone number is not yet eli…”"}, nil},
		{"template-quality", []string{"“welcome_template”  806312974732579"}, nil},
	}
	for _, tt := range tests {
		line := p.Event(cases[tt.name])
		for _, w := range tt.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q lacks %q", tt.name, line, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(line, n) {
				t.Errorf("%s: %q holds %q", tt.name, line, n)
			}
		}
	}
}
