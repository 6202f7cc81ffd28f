package render

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/listener"
)

// Compact makes the printer write one line per event (and per forward
// result) instead of cards or blocks: for long sessions.
func (p *EventPrinter) Compact() { p.compact = true }

// Widths of the compact line's aligned columns.
const (
	cpSourceWidth = 10 // "kaleyra-v1"
	cpWhatWidth   = 24 // "template-status rejected"
	cpPartyWidth  = 16 // "→ +12025550143"
	cpTextWidth   = 32
)

// compactLine: time, family, kind and type or status, from (or → to), the
// start of the text, id, answer, and what is wrong:
//
//	03:04:05.678  cloud       status read               → 15551234567     wamid.HBgL…  200  out of order · missing delivered
//
// Ids are never shortened. Colour only when the styles have it.
func (p *EventPrinter) compactLine(v EventView) string {
	s := p.s
	ev := &v.Event
	var b strings.Builder

	b.WriteString(s.Dim.Sprint(cpPad(p.compactTime(ev), 12)))
	b.WriteString("  ")
	b.WriteString(s.Dim.Sprint(cpPad(evClean(evOrDash(ev.Source)), cpSourceWidth)))
	b.WriteString("  ")
	kind, sub := evTitle(ev)
	what := cpPad(strings.TrimSpace(kind+" "+cpOneLine(sub)), cpWhatWidth)
	if sub != "" {
		what = s.Bold.Sprint(kind) + " " + p.colorFor(ev, strings.TrimPrefix(what, kind+" "))
	} else {
		what = s.Bold.Sprint(what)
	}
	b.WriteString(what)
	b.WriteString("  ")
	party := cpOneLine(evFirstNonEmpty(ev.From, ev.FromUserID))
	if to := evFirstNonEmpty(ev.To, ev.ToUserID); party == "" && to != "" {
		party = "→ " + cpOneLine(to)
	}
	if party == "" {
		party = cpOneLine(ev.BusinessNumber)
	}
	b.WriteString(cpPad(evOrDash(party), cpPartyWidth))
	if text := cpOneLine(cpSubject(ev)); text != "" {
		b.WriteString("  " + evQuoted(cpCut(text, cpTextWidth)))
	}
	if ev.ID != "" {
		b.WriteString("  " + s.Info.Sprint(cpOneLine(ev.ID)))
	}
	if v.Answer != 0 {
		b.WriteString("  " + s.StatusCode(v.Answer, strconv.Itoa(v.Answer)))
	}
	if notes := cpNotes(v); len(notes) > 0 {
		paint := s.Warn.Sprint
		if evBad(v) {
			paint = s.Bad.Sprint
		}
		b.WriteString("  " + paint(cpOneLine(strings.Join(notes, " · "))))
	}
	b.WriteByte('\n')
	return b.String()
}

// cpSubject is what the line quotes: the text, or for template, quality
// and account-level events their main fact.
func cpSubject(ev *callback.Event) string {
	x := ev.Extra
	switch ev.Kind {
	case callback.KindTemplateStatus, callback.KindTemplateQuality, callback.KindTemplateCategory, callback.KindTemplateComponents:
		return evFirstNonEmpty(ev.Text, x["message_template_name"])
	case callback.KindQuality:
		return evFirstNonEmpty(ev.Text, x["current_limit"])
	case callback.KindAccountAlert:
		return evFirstNonEmpty(ev.Text, x["alert_description"])
	case callback.KindDisplayName:
		return evFirstNonEmpty(ev.Text, x["requested_verified_name"])
	case callback.KindAccountUpdate:
		return evFirstNonEmpty(ev.Text, x["restriction_info.restriction_type"], x["ban_info.waba_ban_state"], x["violation_info.violation_type"])
	case callback.KindUserPreference:
		return evFirstNonEmpty(ev.Text, x["category"])
	}
	return ev.Text
}

// compactTime is when the event arrived (else its own time), as a clock:
// in the printer's zone on a terminal, UTC in plain text.
func (p *EventPrinter) compactTime(ev *callback.Event) string {
	for _, ts := range []string{ev.ReceivedAt, ev.Timestamp} {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			continue
		}
		loc := time.UTC
		if p.cards && p.Location != nil {
			loc = p.Location
		}
		return t.In(loc).Format("15:04:05.000")
	}
	return "-"
}

// cpNotes says what a card would flag: the answer's reason, the handshake,
// the signature, the error, a decode failure and the lifecycle's
// anomalies.
func cpNotes(v EventView) []string {
	ev := &v.Event
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if n := ev.Lifecycle; n != nil {
		for _, f := range n.Flags {
			add(strings.ReplaceAll(f, "_", " "))
		}
		add(evPrefixed("missing ", strings.Join(n.Missing, ", ")))
	}
	if ev.Error != nil {
		add(cpCut(evErrText(*ev.Error), 60))
	}
	switch {
	case v.Handshake != "":
		add("handshake " + v.Handshake)
	case v.AnswerReason != listener.ReasonAppAnswer: // the forward's own line says it
		add(v.AnswerReason)
	}
	if ev.Signature == callback.SignatureInvalid || ev.Signature == callback.SignatureMissing && !evUnsignedFamily(ev) {
		add("signature " + ev.Signature)
	}
	switch {
	case v.Failure != "":
		add("not decoded: " + cpCut(v.Failure, 60))
	case ev.DecodeError != "":
		add("decode error: " + cpCut(ev.DecodeError, 60))
	}
	if v.Handshake == listener.HandshakeRejected && v.HandshakeReason != "" {
		add(v.HandshakeReason)
	}
	return out
}

// compactForward is a forward result on one line under its event's:
//
//	↳ app 200 OK  3.1ms  POST http://127.0.0.1:3000/hooks  9f86d081-0007
func (p *EventPrinter) compactForward(v ForwardView) string {
	s := p.s
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", 14))
	b.WriteString(s.Dim.Sprint("↳ app ") + s.StatusCode(v.Status, forwardStatusText(v)))
	b.WriteString("  " + s.Dim.Sprint(formatLatency(v.LatencyMS)))
	b.WriteString("  " + cpOneLine(v.Method) + " " + cpOneLine(v.URL))
	if v.Answered != 0 && v.Answered != v.Status {
		b.WriteString("  " + s.Dim.Sprint("answered ") + s.StatusCode(v.Answered, strconv.Itoa(v.Answered)))
	}
	if v.Error != "" {
		b.WriteString("  " + s.Bad.Sprint(cpCut(cpOneLine(v.Error), 80)))
	}
	b.WriteString("  " + s.Dim.Sprint(cpOneLine(v.RequestID)) + "\n")
	return b.String()
}

// cpOneLine makes a wire value safe and single-line.
func cpOneLine(s string) string {
	if strings.ContainsAny(s, "\n\t") {
		s = strings.NewReplacer("\n", " ↵ ", "\t", " ").Replace(s)
	}
	return evClean(s)
}

// cpCut keeps the start of s, at most width columns, marking a cut with
// "…".
func cpCut(s string, width int) string {
	if r := []rune(s); len(r) > 2*width {
		s = string(r[:2*width]) // bound the width search below
	}
	return fxTruncate(s, width)
}

// cpPad pads s with spaces to width columns (longer values stay whole).
func cpPad(s string, width int) string {
	if w := lipgloss.Width(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}
