package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
	"github.com/wa-cb/wa-cb/pkg/listener"
)

// EventView is one event as `listen` and `decode` show it, with what the
// card needs beyond the event itself.
type EventView struct {
	Event callback.Event
	// Index and Total place the event in its request ("event 2 of 3");
	// Total <= 1 hides it.
	Index, Total int
	// Line is the input line of the callback (decode), 0 when not known.
	Line int
	// Answer is the HTTP status the listener answered (0: not a listener
	// event) and AnswerReason why, when it is not the configured answer.
	Answer       int
	AnswerReason string
	// Handshake is the outcome of Meta's subscription handshake, if any.
	Handshake       string
	HandshakeReason string
	// RawBody and RawQuery are the payload as received: shown when the event
	// could not be decoded.
	RawBody  []byte
	RawQuery string
	// Failure is a recovered panic of the decoder or the listener.
	Failure string
}

// ViewsOf turns a listener exchange into one view per event.
func ViewsOf(ex *listener.Exchange) []EventView {
	views := make([]EventView, len(ex.Events))
	raw := ex.Body
	if ex.Inflated != nil {
		raw = ex.Inflated // what was decoded: compressed bytes say nothing on a card
	}
	for i := range ex.Events {
		v := EventView{
			Event:        ex.Events[i],
			Index:        i + 1,
			Total:        len(ex.Events),
			Answer:       ex.Answer.Status,
			AnswerReason: ex.Answer.Reason,
			RawBody:      raw,
			RawQuery:     ex.RawQuery,
			Failure:      evFirstNonEmpty(ex.DecodePanic, ex.InternalError),
		}
		if ex.Handshake != nil {
			v.Handshake, v.HandshakeReason = ex.Handshake.Outcome, ex.Handshake.Reason
		}
		views[i] = v
	}
	return views
}

// Limits on what a card shows; --json always carries everything.
const (
	evCardValueMax = 4 << 10  // characters of one value in a card
	evCardRawMax   = 2 << 10  // bytes of an undecodable payload in a card
	evPlainRawMax  = 64 << 10 // bytes of an undecodable payload in plain text

	evCardValueLines = 24 // lines of one value in a card
	evCardRawLines   = 16 // lines of an undecodable payload in a card
)

// EventPrinter renders events for a stream: bordered, coloured cards for a
// terminal (or when colour is forced on), stable plain text otherwise.
type EventPrinter struct {
	s     *Styles
	cards bool
	// compact: one line per event (see Compact).
	compact bool
	// Location is the zone of the card's clock (plain text is always UTC).
	Location *time.Location
	// restyle, when set, is asked before each card for the current terminal
	// width and rebuilds the styles when it changed (a resized window).
	restyle func(width int) *Styles
	width   func() int
}

// NewEventPrinter builds the printer for ios.Out. Cards follow the
// terminal's width as it is resized.
func NewEventPrinter(ios *iostreams.IOStreams) *EventPrinter {
	p := NewEventPrinterFor(New(ios), ios.IsStdoutTTY() || ios.ColorEnabled())
	color := ios.ColorEnabled()
	p.width = ios.TerminalWidth
	p.restyle = func(w int) *Styles { return build(ios.Out, color, w) }
	return p
}

// NewEventPrinterFor builds a printer from styles; cards selects the
// terminal form.
func NewEventPrinterFor(s *Styles, cards bool) *EventPrinter {
	return &EventPrinter{s: s, cards: cards, Location: time.Local}
}

// Cards reports whether the printer draws cards.
func (p *EventPrinter) Cards() bool { return p.cards }

// Event renders one event, ending in a newline.
func (p *EventPrinter) Event(v EventView) string {
	if p.compact {
		return p.compactLine(v)
	}
	if p.cards {
		if p.width != nil && p.restyle != nil {
			if w := p.width(); w > 0 && w != p.s.Width {
				p.s = p.restyle(w)
			}
		}
		return p.card(v)
	}
	return evPlain(v)
}

// evTone says how a value is coloured.
type evTone int

const (
	evToneNormal evTone = iota
	evToneGood
	evToneBad
	evToneWarn
	evToneDim
	evToneInfo
)

type evField struct {
	key   string
	value string
	tone  evTone
	// breaks: a word too long for the card may be cut across lines (free
	// text). Otherwise words (ids, URLs, numbers) are never cut: one too
	// long runs past the frame, so a copy of the line holds all of it.
	breaks bool
}

// evBad reports whether the event is flagged (red border, ✗ or ! mark).
func evBad(v EventView) bool {
	ev := &v.Event
	failed := ev.Status == "failed" || ev.Kind == callback.KindStatus && ev.Status == "not-sent"
	return ev.DecodeError != "" || failed || ev.Kind == callback.KindError ||
		ev.Signature == callback.SignatureInvalid || v.Handshake == listener.HandshakeRejected ||
		v.Failure != "" || (v.Answer >= 400)
}

func evTitle(ev *callback.Event) (kind, sub string) {
	kind = evOrDash(ev.Kind)
	switch {
	case ev.Status != "":
		sub = ev.Status
	case ev.Type != "":
		sub = ev.Type
	}
	return kind, sub
}

// evFields lists what the event says, in display order. Values are
// sanitised: control characters are shown escaped, never sent to the
// terminal.
func evFields(v EventView) []evField {
	ev := &v.Event
	var fs []evField
	add := func(k, val string, t evTone) {
		if val != "" {
			fs = append(fs, evField{key: k, value: evClean(val), tone: t})
		}
	}
	addText := func(k, val string, t evTone) {
		if val != "" {
			fs = append(fs, evField{key: k, value: evClean(val), tone: t, breaks: true})
		}
	}
	add("id", ev.ID, evToneNormal)
	add("from", ev.From, evToneNormal)
	// Business-scoped user ids: beside the number, or instead of it when a
	// user is known only by them.
	add("from user", evJoinDot(ev.FromUserID, evPrefixed("parent ", ev.FromParentUserID)), evToneNormal)
	addText("name", ev.Name, evToneNormal)
	add("to", ev.To, evToneNormal)
	add("to user", evJoinDot(ev.ToUserID, evPrefixed("parent ", ev.ToParentUserID)), evToneNormal)
	add("business", ev.BusinessNumber, evToneNormal)
	add(evTimeLabel(ev), ev.Timestamp, evToneDim)
	if n := ev.Lifecycle; n != nil && n.Seq > 0 {
		t := evToneDim
		if n.Anomalous() {
			t = evToneWarn
		}
		add("lifecycle", evLifecycle(n), t)
	}
	addText("text", ev.Text, evToneNormal)
	for i, c := range ev.Contacts {
		add(evNth("contact", i, len(ev.Contacts)), evJoinDot(c.Name, strings.Join(c.Phones, ", ")), evToneNormal)
	}
	if m := ev.Media; m != nil {
		add("media", evJoinDot(m.MimeType, evPrefixed("id ", m.ID), m.Filename, evFlag(m.Voice, "voice"), evFlag(m.Animated, "animated")), evToneNormal)
		if m.Caption != "" && m.Caption != ev.Text {
			addText("caption", m.Caption, evToneNormal)
		}
		add("media url", m.URL, evToneInfo)
		add("sha256", m.SHA256, evToneDim)
	}
	if l := ev.Location; l != nil {
		coords := ""
		if l.Latitude != nil || l.Longitude != nil {
			coords = evNum(l.Latitude) + ", " + evNum(l.Longitude)
		}
		add("location", evJoinDot(coords, l.Name, l.Address), evToneNormal)
		add("map url", l.URL, evToneInfo)
	}
	if r := ev.Reply; r != nil {
		payload := r.Payload
		if payload == r.ID {
			payload = "" // a template button's id is its payload: said once
		}
		add("reply", evJoinDot(r.Kind, evPrefixed("id ", r.ID), evQuoted(r.Title), r.Description, evPrefixed("payload ", payload)), evToneInfo)
	}
	if r := ev.Reaction; r != nil {
		emoji := r.Emoji
		if emoji == "" {
			emoji = "(removed)"
		}
		add("reaction", evJoinDot(emoji, evPrefixed("on ", r.MessageID)), evToneNormal)
	}
	if c := ev.Context; c != nil {
		add("context", evJoinDot(
			evPrefixed("reply to ", c.ID), evPrefixed("from ", c.From),
			evFlag(c.Forwarded, "forwarded"), evFlag(c.FrequentlyForwarded, "frequently forwarded"),
			evPrefixed("mentions ", strings.Join(c.Mentions, ", "))), evToneNormal)
	}
	if ev.Error != nil {
		addText("error", evErrText(*ev.Error), evToneBad)
	}
	if len(ev.Errors) > 1 {
		for i, e := range ev.Errors {
			if i == 0 && ev.Error != nil && e == *ev.Error {
				continue
			}
			addText(fmt.Sprintf("error %d", i+1), evErrText(e), evToneBad)
		}
	}
	if pr := ev.Pricing; pr != nil {
		billable := ""
		if pr.Billable != nil {
			billable = map[bool]string{true: "billable", false: "not billable"}[*pr.Billable]
		}
		add("pricing", evJoinDot(evPrefixed("model ", pr.Model), evPrefixed("category ", pr.Category), billable,
			evPrefixed("origin ", pr.Origin), evPrefixed("price ", pr.Price), evPrefixed("conversation ", pr.Conversation)), evToneDim)
	}
	promoted := evPromote(ev, add, addText)
	if vf := ev.Verification; vf != nil {
		token := "no verify token sent"
		if vf.TokenPresent {
			token = "verify token sent"
		}
		add("handshake", evJoinDot(evPrefixed("mode ", vf.Mode), evPrefixed("challenge ", vf.Challenge), token), evToneInfo)
	}
	if v.Handshake != "" {
		t := evToneGood
		switch v.Handshake {
		case listener.HandshakeRejected:
			t = evToneBad
		case listener.HandshakeUnchecked:
			t = evToneWarn
		}
		add("token", evJoinDot(v.Handshake, v.HandshakeReason), t)
	}
	if len(ev.Referral) > 0 {
		evReferral(ev.Referral, add, addText)
	}
	if len(ev.Extra) > 0 {
		keys := make([]string, 0, len(ev.Extra))
		for k := range ev.Extra {
			if k == "handshake" && v.Handshake != "" || promoted[k] {
				continue // shown as "token", or in a row of its own
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+"="+ev.Extra[k])
		}
		add("extra", strings.Join(parts, " · "), evToneDim)
	}
	if v.Failure != "" {
		addText("failure", v.Failure, evToneBad)
	}
	addText("decode error", ev.DecodeError, evToneBad)
	if ev.Kind == callback.KindUnknown && ev.DecodeError == "" && v.Failure == "" && len(ev.Raw) > 0 {
		// Decoded but of no kind wa-cb knows (a Meta array such as calls,
		// a form of unknown fields): what it holds is all there is to see.
		addText("raw", evCompactJSON(ev.Raw, evCardRawMax), evToneDim)
	}
	return fs
}

// evTimeLabel names the event's own time by what happened then: a
// message was sent, a status, decision or flag came ("read at", "approved
// at", "flagged at"). A score, category or preference is no verb ("yellow
// at"): those events say "at".
func evTimeLabel(ev *callback.Event) string {
	switch ev.Kind {
	case callback.KindMessage, callback.KindEcho:
		return "sent at"
	case callback.KindStatus, callback.KindTemplateStatus, callback.KindQuality, callback.KindAccountReview, callback.KindDisplayName:
	default:
		return "at"
	}
	st := ev.Status
	if st == "" || len(st) > evKeyWidth-4 || strings.Trim(st, "abcdefghijklmnopqrstuvwxyz_-") != "" {
		return "at"
	}
	return strings.ReplaceAll(st, "_", " ") + " at"
}

// evLifecycle tells a status's place in its message's story:
// "#2 · after sent +812ms · out of order · missing delivered".
func evLifecycle(n *lifecycle.Note) string {
	after := ""
	if n.Previous != "" {
		after = "after " + n.Previous
		if n.SincePreviousMS != nil {
			after += " " + evSince(*n.SincePreviousMS)
		}
	}
	flags := make([]string, len(n.Flags))
	for i, f := range n.Flags {
		flags[i] = strings.ReplaceAll(f, "_", " ")
	}
	return evJoinDot("#"+strconv.Itoa(n.Seq), after, strings.Join(flags, " · "), evPrefixed("missing ", strings.Join(n.Missing, ", ")))
}

// evSince formats a signed gap between two statuses: +812ms, +4.2s,
// +3m12s, -1s.
func evSince(ms int64) string {
	sign := "+"
	if ms < 0 {
		sign, ms = "-", -ms
	}
	d := time.Duration(ms) * time.Millisecond
	switch {
	case d < time.Second:
		return sign + strconv.FormatInt(ms, 10) + "ms"
	case d < time.Minute:
		return sign + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	}
	return sign + d.Round(time.Second).String()
}

// evPromote adds rows for the extra facts that matter most to template,
// quality and account-level events, and reports which extra keys they (or
// other rows, or the title) show, so the extra row does not repeat them.
func evPromote(ev *callback.Event, add func(k, val string, t evTone), addText func(k, val string, t evTone)) map[string]bool {
	x := ev.Extra
	if len(x) == 0 {
		return nil
	}
	shown := map[string]bool{}
	take := func(k string) string {
		v, ok := x[k]
		if ok {
			shown[k] = true
		}
		return v
	}
	// change says "OLD → NEW" (or the one that is known).
	change := func(old, new string) string {
		if old != "" && new != "" {
			return old + " → " + new
		}
		return old + new
	}
	template := func() {
		name, lang := take("message_template_name"), take("message_template_language")
		if lang != "" {
			lang = "(" + lang + ")"
		}
		add("template", strings.TrimSpace(name+" "+lang), evToneNormal)
		if id := x["message_template_id"]; id == ev.ID {
			shown["message_template_id"] = true // the id row shows it
		}
	}
	switch ev.Kind {
	case callback.KindTemplateStatus:
		template()
		add("reason", take("reason"), evToneWarn)
		addText("detail", evJoinDot(take("other_info.title"), take("other_info.description")), evToneNormal)
		add("disabled on", take("disable_info.disable_date"), evToneWarn)
	case callback.KindTemplateQuality:
		template()
		add("quality", change(take("previous_quality_score"), take("new_quality_score")), evToneWarn)
	case callback.KindTemplateCategory:
		template()
		add("category", evJoinDot(change(take("previous_category"), take("new_category")), evPrefixed("correct ", take("correct_category"))), evToneWarn)
	case callback.KindTemplateComponents:
		template()
		addText("title", take("message_template_title"), evToneNormal)
		addText("body", take("message_template_element"), evToneNormal)
		addText("footer", take("message_template_footer"), evToneNormal)
		types, texts := take("message_template_buttons.message_template_button_type"), take("message_template_buttons.message_template_button_text")
		urls := strings.Split(take("message_template_buttons.message_template_button_url"), ", ")
		bs := evZip(types, texts)
		for i, b := range bs {
			u := ""
			if len(urls) == len(bs) {
				u = urls[i]
			}
			add(evNth("button", i, len(bs)), evJoinDot(b[0], evQuoted(b[1]), u), evToneNormal)
		}
	case callback.KindQuality:
		limit, old := take("current_limit"), take("old_limit")
		add("limit", evJoinDot(limit, evPrefixed("was ", old)), evToneWarn)
	case callback.KindAccountUpdate:
		// Each restriction with its own expiry (Unix seconds, as Meta sends).
		rs := evZip(take("restriction_info.restriction_type"), evUnixTimes(take("restriction_info.expiration")))
		for i, r := range rs {
			add(evNth("restriction", i, len(rs)), evJoinDot(r[0], evPrefixed("until ", r[1])), evToneWarn)
		}
		add("ban", evJoinDot(take("ban_info.waba_ban_state"), evPrefixed("on ", take("ban_info.waba_ban_date"))), evToneBad)
		add("violation", take("violation_info.violation_type"), evToneBad)
	case callback.KindAccountAlert:
		add("alert", evJoinDot(take("alert_severity"), take("alert_status"), strings.TrimSpace(take("entity_type")+" "+take("entity_id"))), evToneWarn)
		addText("description", take("alert_description"), evToneNormal)
	case callback.KindDisplayName:
		addText("name", take("requested_verified_name"), evToneNormal)
		addText("reason", take("rejection_reason"), evToneWarn)
	case callback.KindSecurity:
		add("requester", take("requester"), evToneNormal)
	case callback.KindUserPreference:
		addText("preference", evJoinDot(take("category"), take("detail")), evToneNormal)
	case callback.KindHistory:
		progress := take("progress")
		if progress != "" {
			progress += "%"
		}
		add("history", evJoinDot(evPrefixed("phase ", take("phase")), evPrefixed("chunk ", take("chunk_order")), progress,
			evPrefixed("threads ", take("threads")), evPrefixed("messages ", take("messages"))), evToneNormal)
	case callback.KindCapability:
		keys := make([]string, 0, len(x))
		for k := range x {
			if strings.HasPrefix(k, "max_") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		limits := make([]string, len(keys))
		for i, k := range keys {
			limits[i] = strings.TrimPrefix(k, "max_") + " " + take(k)
		}
		add("limits", strings.Join(limits, " · "), evToneNormal)
	}
	// Facts the title or another row shows already.
	for _, k := range []string{"event", "decision", "alert_type"} {
		if v, ok := x[k]; ok && strings.EqualFold(v, ev.Status) {
			shown[k] = true
		}
	}
	for k, v := range map[string]string{
		"display_phone_number": ev.BusinessNumber, "phone_number": ev.BusinessNumber,
		"from_user_id": ev.FromUserID, "from_parent_user_id": ev.FromParentUserID,
		"to_user_id": ev.ToUserID, "to_parent_user_id": ev.ToParentUserID,
	} {
		if x[k] != "" && x[k] == v {
			shown[k] = true
		}
	}
	// Kaleyra's mobile is the customer's number: the from or to row has it.
	if m := x["mobile"]; m != "" && (m == ev.From || m == ev.To) {
		shown["mobile"] = true
	}
	if p, ok := x["price"]; ok && ev.Pricing != nil && p == ev.Pricing.Price {
		shown["price"] = true
	}
	return shown
}

// evNth names the i-th of n rows of one kind: "contact", or "contact 2"
// when there are several.
func evNth(key string, i, n int) string {
	if n > 1 {
		return key + " " + strconv.Itoa(i+1)
	}
	return key
}

// evZip pairs the members of two lists joined with ", " (facts of one
// array of objects, member by member); a second list of another length is
// left out, the first alone kept.
func evZip(a, b string) [][2]string {
	if a == "" && b == "" {
		return nil
	}
	as, bs := strings.Split(a, ", "), strings.Split(b, ", ")
	out := make([][2]string, len(as))
	for i := range as {
		out[i][0] = as[i]
		if len(bs) == len(as) {
			out[i][1] = bs[i]
		}
	}
	if a == "" {
		out = out[:0]
		for _, v := range bs {
			out = append(out, [2]string{"", v})
		}
	}
	return out
}

// evUnixTimes turns a list of Unix seconds joined with ", " into RFC 3339
// times; values that are not Unix seconds stay as they are.
func evUnixTimes(list string) string {
	if list == "" {
		return ""
	}
	parts := strings.Split(list, ", ")
	for i, p := range parts {
		if n, err := strconv.ParseInt(p, 10, 64); err == nil && len(p) >= 9 && len(p) <= 10 {
			parts[i] = time.Unix(n, 0).UTC().Format(time.RFC3339)
		}
	}
	return strings.Join(parts, ", ")
}

func evRequestFields(v EventView, plainForm bool) []evField {
	ev := &v.Event
	var fs []evField
	if ev.Method != "" || ev.Path != "" {
		where := strings.TrimSpace(ev.Method + " " + ev.Path)
		pos := ""
		if v.Total > 1 {
			pos = fmt.Sprintf("event %d of %d", v.Index, v.Total)
		}
		fs = append(fs, evField{key: "request", value: evClean(evJoinDot(where, ev.RequestID, pos)), tone: evToneDim})
	}
	if plainForm && ev.ReceivedAt != "" {
		fs = append(fs, evField{key: "received", value: ev.ReceivedAt, tone: evToneDim})
	}
	if v.Answer != 0 && (plainForm || v.AnswerReason != "") {
		// A card's title already shows the status; its row only says why.
		t := evToneGood
		if v.Answer >= 400 {
			t = evToneBad
		} else if v.Answer >= 300 {
			t = evToneWarn
		}
		fs = append(fs, evField{key: "answered", value: evClean(evJoinDot(strconv.Itoa(v.Answer), v.AnswerReason)), tone: t})
	}
	if ev.Signature != "" && !evUnsignedFamily(ev) {
		t := evToneGood
		switch ev.Signature {
		case callback.SignatureInvalid:
			t = evToneBad
		case callback.SignatureMissing:
			t = evToneWarn
		}
		fs = append(fs, evField{key: "signature", value: ev.Signature, tone: t})
	}
	if v.Line > 0 {
		fs = append(fs, evField{key: "line", value: strconv.Itoa(v.Line), tone: evToneDim})
	}
	return fs
}

// evUnsignedFamily: a "missing" signature on an event of a family that never
// signs (Kaleyra, on-premises, the handshake) is no news and not shown.
func evUnsignedFamily(ev *callback.Event) bool {
	return ev.Signature == callback.SignatureMissing &&
		(ev.Kind == callback.KindVerification || !listener.SourceSigns(ev.Source))
}

// evRawPayload is the undecodable payload to show, or "".
func evRawPayload(v EventView, max int) string {
	if v.Event.DecodeError == "" && v.Failure == "" {
		return ""
	}
	b := v.RawBody
	if len(b) == 0 {
		b = []byte(v.RawQuery)
	}
	if len(b) == 0 {
		return ""
	}
	more := ""
	if len(b) > max {
		more = fmt.Sprintf(" … (%d more bytes)", len(b)-max)
		b = b[:max]
	}
	return evClean(string(b)) + more
}

// evPlain is the non-terminal form: a header line, then "  key: value"
// lines, then a blank line. No colour, no width, stable for scripts.
func evPlain(v EventView) string {
	var b strings.Builder
	ev := &v.Event
	kind, sub := evTitle(ev)
	b.WriteString(kind)
	if sub != "" {
		b.WriteString(" " + evClean(sub))
	}
	b.WriteString(" (" + evClean(evOrDash(ev.Source)) + ")")
	if evBad(v) {
		b.WriteString(" !")
	}
	b.WriteByte('\n')
	write := func(f evField) {
		b.WriteString("  " + f.key + ": ")
		b.WriteString(strings.ReplaceAll(f.value, "\n", "\n    "))
		b.WriteByte('\n')
	}
	for _, f := range evFields(v) {
		write(f)
	}
	if raw := evRawPayload(v, evPlainRawMax); raw != "" {
		write(evField{key: "raw", value: raw})
	}
	for _, f := range evRequestFields(v, true) {
		write(f)
	}
	b.WriteByte('\n')
	return b.String()
}

const evKeyWidth = 14

func (p *EventPrinter) card(v EventView) string {
	s := p.s
	ev := &v.Event
	width := s.Width
	if width > 100 {
		width = 100
	}
	if width < 32 {
		width = 32
	}
	inner := width - 4 // border and padding
	valWidth := inner - evKeyWidth

	kind, sub := evTitle(ev)
	head := s.Bold.Sprint(kind)
	if sub != "" {
		head += " " + p.colorFor(ev, sub)
	}
	head += "  " + s.Dim.Sprint(evClean(evOrDash(ev.Source)))
	switch {
	case ev.DecodeError != "" && v.Failure == "" && ev.Kind != "" && ev.Kind != "unknown":
		// Repaired or partly read: the fields shown are real, some are missing.
		head += "  " + s.Warn.Sprint("! partly decoded")
	case ev.DecodeError != "" || v.Failure != "":
		head += "  " + s.Bad.Sprint("✗ not decoded")
	case evBad(v):
		head = s.Bad.Sprint("✗") + " " + head // flagged without relying on colour
	}
	right := ""
	if t, err := time.Parse(time.RFC3339Nano, ev.ReceivedAt); err == nil {
		loc := p.Location
		if loc == nil {
			loc = time.Local
		}
		right = s.Dim.Sprint(t.In(loc).Format("15:04:05.000"))
	}
	if v.Answer != 0 {
		right = strings.TrimSpace(right + " " + s.StatusCode(v.Answer, strconv.Itoa(v.Answer)))
	}
	var lines []string
	if gap := inner - lipgloss.Width(head) - lipgloss.Width(right); gap >= 1 {
		lines = []string{head + strings.Repeat(" ", gap) + right}
	} else {
		// A long kind or status: the clock and the answer get a line of
		// their own rather than being cut off.
		for _, l := range evWrapWords(head, inner) {
			lines = append(lines, l+strings.Repeat(" ", max(0, inner-lipgloss.Width(l))))
		}
		lines = append(lines, strings.Repeat(" ", max(0, inner-lipgloss.Width(right)))+right)
	}

	keyStyle := s.Key.Width(evKeyWidth)
	valStyle := s.NewStyle().Width(valWidth)
	row := func(f evField) {
		val := f.value
		if utf8.RuneCountInString(val) > evCardValueMax {
			val = string([]rune(val)[:evCardValueMax]) + "…"
		}
		val = evLimitLines(val, evCardValueLines)
		key := keyStyle.Render(f.key)
		if w := lipgloss.Width(val); w <= valWidth && !strings.ContainsAny(val, "\n\t") {
			// One line that fits: no wrapping to do.
			lines = append(lines, key+p.paint(f.tone, val)+strings.Repeat(" ", valWidth-w))
			return
		}
		if f.breaks {
			val = p.paint(f.tone, val)
			lines = append(lines, lipgloss.JoinHorizontal(lipgloss.Top, key, valStyle.Render(val)))
			return
		}
		for i, l := range evWrapWords(val, valWidth) {
			if i > 0 {
				key = strings.Repeat(" ", evKeyWidth)
			}
			lines = append(lines, key+p.paint(f.tone, l)+strings.Repeat(" ", max(0, valWidth-lipgloss.Width(l))))
		}
	}
	for _, f := range evFields(v) {
		row(f)
	}
	if raw := evRawPayload(v, evCardRawMax); raw != "" {
		lines = append(lines, s.Key.Render("raw payload")+strings.Repeat(" ", max(0, inner-len("raw payload"))))
		lines = append(lines, s.Faint.Width(inner).Render(evLimitLines(raw, evCardRawLines)))
	}
	for _, f := range evRequestFields(v, false) {
		row(f)
	}
	card := s.Card
	if evBad(v) {
		card = s.CardBad
	}
	return evFrame(s, card, lines, width)
}

// evFrame draws the card's border around lines that are each inner columns
// wide (the rows are built that way); lines that are not, and there should
// be none, go through lipgloss, which pads and wraps them.
func evFrame(s *Styles, card lipgloss.Style, lines []string, width int) string {
	inner := width - 4
	split := make([]string, 0, len(lines))
	for _, l := range lines {
		split = append(split, strings.Split(l, "\n")...)
	}
	for _, l := range split {
		if lipgloss.Width(l) < inner {
			return card.Width(width-2).Render(strings.Join(lines, "\n")) + "\n"
		}
	}
	b := card.GetBorderStyle()
	paint := s.NewStyle().Foreground(card.GetBorderTopForeground()).Render
	left, right := paint(b.Left)+" ", " "+paint(b.Right)
	var out strings.Builder
	out.Grow((width + 16) * (len(split) + 2))
	out.WriteString(paint(b.TopLeft + strings.Repeat(b.Top, width-2) + b.TopRight))
	out.WriteByte('\n')
	for _, l := range split {
		out.WriteString(left)
		out.WriteString(l)
		if lipgloss.Width(l) == inner {
			out.WriteString(right)
		} // else a word that may not be cut runs past the frame, alone
		out.WriteByte('\n')
	}
	out.WriteString(paint(b.BottomLeft + strings.Repeat(b.Bottom, width-2) + b.BottomRight))
	out.WriteByte('\n')
	return out.String()
}

func (p *EventPrinter) colorFor(ev *callback.Event, sub string) string {
	s := p.s
	sub = evClean(sub)
	switch {
	case ev.Status == "failed" || ev.Status == "not-sent":
		return s.Bad.Sprint(sub)
	case ev.Status == "delivered" || ev.Status == "read":
		return s.OK.Sprint(sub)
	case ev.Status != "":
		return s.Info.Sprint(sub)
	default:
		return s.Accent.Sprint(sub)
	}
}

func (p *EventPrinter) paint(t evTone, v string) string {
	s := p.s
	switch t {
	case evToneGood:
		return s.OK.Sprint(v)
	case evToneBad:
		return s.Bad.Sprint(v)
	case evToneWarn:
		return s.Warn.Sprint(v)
	case evToneDim:
		return s.Dim.Sprint(v)
	case evToneInfo:
		return s.Info.Sprint(v)
	}
	return v
}

// Sanitize makes text from the wire safe to print on a terminal: control
// characters, bidirectional overrides and invalid UTF-8 are shown escaped;
// newlines and tabs stay.
func Sanitize(s string) string { return evClean(s) }

// evClean makes a value from the wire safe to print: control characters,
// bidirectional overrides and invalid UTF-8 are shown escaped so a payload
// can never drive the terminal. Newlines and tabs stay.
func evClean(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || evUnsafeRune(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case evUnsafeRune(r):
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func evUnsafeRune(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
		return true
	}
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional controls
	case r == 0x2028 || r == 0x2029:
		return true
	}
	return false
}

// evWrapWords lays s out in lines of at most width columns, breaking only
// at spaces and newlines: a word wider than width gets a line of its own,
// whole, so that ids and URLs are never cut. A separator "·" that does not
// fit at the end of a line never stands alone on the next: the word after
// it joins it there. Spaces at a break are dropped. Tabs become four
// spaces.
func evWrapWords(s string, width int) []string {
	s = strings.ReplaceAll(s, "\t", "    ")
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line, lw := "", -1
		wrapped, glue := false, false
		for _, word := range strings.Split(para, " ") {
			ww := lipgloss.Width(word)
			switch {
			case wrapped && lw < 0 && word == "":
				// the spaces of a break
			case lw < 0:
				line, lw = word, ww
			case lw+1+ww <= width || glue && ww > width:
				line, lw = line+" "+word, lw+1+ww
			default:
				out = append(out, line)
				line, lw, wrapped = word, ww, true
				if word == "" {
					line, lw = "", -1
				}
			}
			// A "·" alone at a line's start keeps the next word beside it
			// when that word is too long for any line anyway.
			glue = wrapped && line == "·"
		}
		out = append(out, line)
	}
	return out
}

// evLimitLines keeps the first max lines of s and says how many were left.
func evLimitLines(s string, max int) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			n++
			if n == max {
				rest := strings.Count(s[i+1:], "\n") + 1
				word := "lines"
				if rest == 1 {
					word = "line"
				}
				return s[:i] + fmt.Sprintf("\n… (%d more %s)", rest, word)
			}
		}
	}
	return s
}

func evErrText(e callback.Error) string {
	head := strings.TrimSpace(e.Code + " " + e.Title)
	if e.Detail != "" && e.Detail != e.Title {
		if head == "" {
			return e.Detail
		}
		return head + ": " + e.Detail
	}
	return head
}

// evReferral shows a click-to-WhatsApp ad referral by its facts: where
// from, the ad's headline and text, its URL and media; other members, or a
// referral that is not an object of strings, as compact JSON.
func evReferral(raw json.RawMessage, add, addText func(k, val string, t evTone)) {
	var r map[string]any
	if json.Unmarshal(raw, &r) != nil || r == nil {
		add("referral", evCompactJSON(raw, 300), evToneDim)
		return
	}
	str := func(k string) string {
		v, ok := r[k].(string)
		if ok {
			delete(r, k)
		}
		return v
	}
	add("referral", evJoinDot(strings.TrimSpace(str("source_type")+" "+str("source_id")), evQuoted(str("headline"))), evToneNormal)
	addText("ad text", str("body"), evToneNormal)
	add("ad url", str("source_url"), evToneInfo)
	media := str("media_type")
	add("ad media", evJoinDot(media, str("image_url"), str("video_url"), evPrefixed("thumbnail ", str("thumbnail_url"))), evToneInfo)
	add("ad click id", str("ctwa_clid"), evToneDim)
	if len(r) > 0 {
		rest, _ := json.Marshal(r)
		add("ad extra", evCompactJSON(rest, 300), evToneDim)
	}
}

func evCompactJSON(raw json.RawMessage, max int) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		b.Reset()
		b.Write(raw)
	}
	s := b.String()
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

func evJoinDot(parts ...string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}

func evPrefixed(prefix, v string) string {
	if v == "" {
		return ""
	}
	return prefix + v
}

func evQuoted(v string) string {
	if v == "" {
		return ""
	}
	return "“" + v + "”"
}

func evFlag(on bool, name string) string {
	if on {
		return name
	}
	return ""
}

func evNum(f *float64) string {
	if f == nil {
		return "?"
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func evOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func evFirstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// ListenSummary is the line `listen` prints on stderr when it stops.
func ListenSummary(st listener.Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s", evPlural(st.Requests, "request"), evPlural(st.Events, "event"))
	if len(st.Kinds) > 0 {
		kinds := evSortedKeys(st.Kinds)
		parts := make([]string, 0, len(kinds))
		for _, k := range kinds {
			part := fmt.Sprintf("%d %s", st.Kinds[k], k)
			if k == callback.KindStatus && len(st.Statuses) > 0 {
				var ss []string
				for _, s := range evSortedKeys(st.Statuses) {
					ss = append(ss, fmt.Sprintf("%d %s", st.Statuses[s], s))
				}
				part += " [" + strings.Join(ss, ", ") + "]"
			}
			parts = append(parts, part)
		}
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	fmt.Fprintf(&b, "; %s", evPlural(st.DecodeErrors, "decode error"))
	fmt.Fprintf(&b, "; %s", evPlural(st.SignatureInvalid+st.SignatureMissing, "signature failure"))
	if st.SignatureInvalid+st.SignatureMissing > 0 {
		fmt.Fprintf(&b, " (%d invalid, %d missing)", st.SignatureInvalid, st.SignatureMissing)
	}
	fmt.Fprintf(&b, "; %d too large (413)", st.TooLarge)
	if st.Unreadable > 0 {
		fmt.Fprintf(&b, "; %d unreadable", st.Unreadable)
	}
	if st.HandshakesRejected > 0 {
		fmt.Fprintf(&b, "; %s", evPlural(st.HandshakesRejected, "handshake rejected", "handshakes rejected"))
	}
	if st.Failures > 0 {
		fmt.Fprintf(&b, "; %s recovered", evPlural(st.Failures, "failure"))
	}
	if st.Forwarded > 0 {
		fmt.Fprintf(&b, "; %d forwarded", st.Forwarded)
		if st.ForwardErrors > 0 {
			fmt.Fprintf(&b, " (%d without an answer)", st.ForwardErrors)
		}
	}
	return b.String()
}

func evPlural(n int, one string, many ...string) string {
	if n == 1 {
		return "1 " + one
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, one)
}

func evSortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
