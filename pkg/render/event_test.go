package render

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
	"github.com/wa-cb/wa-cb/pkg/listener"
)

// -update rewrites the golden files (registered once, whichever test file
// of the package gets there first).
var _ = func() bool {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite testdata/*.golden")
	}
	return true
}()

func evUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func evGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", strings.SplitN(t.Name(), "/", 2)[0], name+".golden")
	if evUpdating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if strings.ReplaceAll(string(want), "\r\n", "\n") != got {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func evF64(v float64) *float64 { return &v }
func evYes() *bool             { b := true; return &b }

// listenFacts stamps request facts as the listener does.
func evListenFacts(ev callback.Event, sig string) callback.Event {
	ev.Schema = callback.Schema
	ev.RequestID = "9f86d081-0007"
	ev.ReceivedAt = "2026-01-02T03:04:05.678Z"
	ev.Method = "POST"
	ev.Path = "/webhook"
	ev.Signature = sig
	return ev
}

// goldenCases covers every kind and the shapes a card must handle.
func evGoldenCases() map[string]EventView {
	raw := json.RawMessage(`{"id":"x"}`)
	return map[string]EventView{
		"message-text": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "text", ID: "wamid.xyzxyz", From: "972987654321", Name: "Test Name", BusinessNumber: "15550001111", Timestamp: "2023-10-11T16:53:43Z", Text: "Body Text", Raw: raw}, "valid"), Answer: 200, Index: 1, Total: 1},
		"message-image": {Event: evListenFacts(callback.Event{Source: "kaleyra-v2", Kind: "message", Type: "image", ID: "wamid.HBgM", From: "919740776505", Name: "Samuel", Text: "This is a caption",
			Media:   &callback.Media{ID: "4621000000", MimeType: "image/jpeg", SHA256: "hYeiE5iZTCUKVSR=", Caption: "This is a caption", URL: "https://example.com/images/product123.jpg"},
			Context: &callback.Context{ID: "wamid.ctx", From: "919000000000"},
			Extra:   map[string]string{"ref": "campaign-7", "trace_id": "cb94fee2"}}, "missing"), Answer: 200},
		"message-voice": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "audio", From: "972987654321", Media: &callback.Media{ID: "1234567890987654321", MimeType: "audio/ogg; codecs=opus", Voice: true}, Context: &callback.Context{Forwarded: true}}, ""), Answer: 200},
		"message-location": {Event: evListenFacts(callback.Event{Source: "onprem", Kind: "message", Type: "location", From: "16315551234",
			Location: &callback.Location{Latitude: evF64(38.9806263495), Longitude: evF64(-131.9428612257), Name: "Main Street Beach", Address: "Main Street Beach, Santa Cruz, CA", URL: "https://foursquare.com/v/4d7031d35b5df7744"}}, ""), Answer: 200},
		"message-reply": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "interactive", From: "972987654321", Text: "Row title",
			Reply:   &callback.Reply{Kind: "list_reply", ID: "row_1", Title: "Row title", Description: "Row description"},
			Context: &callback.Context{ID: "wamid.q", From: "1122334455667", Mentions: []string{"16315551000", "16315551099"}}}, ""), Answer: 200},
		"message-button": {Event: evListenFacts(callback.Event{Source: "kaleyra-v1", Kind: "message", Type: "button", From: "16505551234", Text: "No", Reply: &callback.Reply{Kind: "button", ID: "No-Button-Payload", Title: "No", Payload: "No-Button-Payload"}}, ""), Answer: 200},
		"message-referral": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "text", ID: "wamid.ref", From: "15551234567", Text: "Hi!",
			Referral: json.RawMessage(`{"source_url":"https://fb.me/3bT9kRw2x","source_id":"120210987654321098","source_type":"ad","headline":"Spring sale: 30% off","body":"Chat with us to get your code","media_type":"image","image_url":"https://scontent.xx.fbcdn.net/v/t45.1600-4/spring-sale.jpg","ctwa_clid":"ARAkLkA8rmlFeiCktEJQ","welcome_message":{"text":"Hello"}}`)}, "valid"), Answer: 200},
		"kaleyra-v1-text": {Event: evListenFacts(callback.Event{Source: "kaleyra-v1", Kind: "message", Type: "text", From: "919812345678", Name: "Ravi Kumar", Text: "Yes please",
			Extra: map[string]string{"mobile": "919812345678", "company_id": "Z5bf5d8"}}, ""), Answer: 200},
		"unknown-array": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "unknown", ID: "wacid.X", BusinessNumber: "15550783881",
			Extra: map[string]string{"array": "calls"}, Raw: json.RawMessage(`{"id": "wacid.X", "from": "16505551234", "event": "connect", "direction": "USER_INITIATED"}`)}, "valid"), Answer: 200},
		"status-not-sent": {Event: evListenFacts(callback.Event{Source: "kaleyra-v1", Kind: "status", Status: "not-sent", ID: "e0aa50b9:0", To: "+919812345678",
			Error: &callback.Error{Code: "E1305", Title: "Template not approved"}}, ""), Answer: 200},
		"message-user-id": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "text", ID: "wamid.uid", FromUserID: "US.13491208655302741918", FromParentUserID: "US.ENT.11815799212886844830", Name: "Sheena Nelson", Text: "Is my order on its way?",
			Extra: map[string]string{"from_user_id": "US.13491208655302741918", "waba_id": "102290129340398"}}, "valid"), Answer: 200},
		"template-quality": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "template-quality", Status: "yellow", ID: "806312974732579", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"message_template_id": "806312974732579", "message_template_language": "en_US", "message_template_name": "welcome_template", "new_quality_score": "YELLOW", "previous_quality_score": "GREEN", "waba_id": "102290129340398"}}, "valid"), Answer: 200},
		"template-category": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "template-category", Status: "marketing", ID: "1229054618214839", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"message_template_id": "1229054618214839", "message_template_language": "en_US", "message_template_name": "order_shipped", "new_category": "MARKETING", "previous_category": "UTILITY"}}, "valid"), Answer: 200},
		"account-update": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "account-update", Status: "disabled_update", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"ban_info.waba_ban_date": "December 8, 2026", "ban_info.waba_ban_state": "SCHEDULE_FOR_DISABLE", "event": "DISABLED_UPDATE", "waba_id": "102290129340398"}}, "valid"), Answer: 200},
		"account-restricted": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "account-update", Status: "account_restriction", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"event": "ACCOUNT_RESTRICTION", "restriction_info.expiration": "1764584800, 1764671200",
				"restriction_info.restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING, RESTRICTED_ADD_PHONE_NUMBER_ACTION"}}, "valid"), Answer: 200},
		"template-components": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "template-components", ID: "1229054618214839", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"message_template_buttons.message_template_button_text": "Track shipment, Call us", "message_template_buttons.message_template_button_type": "URL, PHONE_NUMBER",
				"message_template_buttons.message_template_button_url": "https://www.luckyshrub.com/track/{{1}}", "message_template_element": "Hi {{1}}, order {{2}} has shipped.",
				"message_template_id": "1229054618214839", "message_template_name": "order_shipped", "message_template_language": "en_US", "message_template_title": "Your order is on its way"}}, "valid"), Answer: 200},
		"account-alert": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "account-alert", Status: "increased_capabilities_eligibility_failed", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"alert_description": "The phone number is not yet eligible for a higher messaging limit.", "alert_severity": "WARNING", "alert_status": "ACTIVE",
				"alert_type": "INCREASED_CAPABILITIES_ELIGIBILITY_FAILED", "entity_id": "106540352242922", "entity_type": "PHONE_NUMBER", "waba_id": "102290129340398"}}, "valid"), Answer: 200},
		"display-name": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "display-name", Status: "rejected", BusinessNumber: "15550783881", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"decision": "REJECTED", "display_phone_number": "15550783881", "requested_verified_name": "Lucky Shrub", "rejection_reason": "NAME_FORMAT_UNACCEPTABLE"}}, "valid"), Answer: 200},
		"history": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "history", BusinessNumber: "15550783881", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"chunk_order": "1", "messages": "2", "phase": "0", "progress": "55", "threads": "1", "phone_number_id": "106540352242922"}}, "valid"), Answer: 200},
		"user-preference": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "user-preference", Status: "stop", From: "16505551234", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"category": "marketing_messages", "detail": "User requested to stop marketing messages"}}, "valid"), Answer: 200},
		"security": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "security", Status: "pin_changed", BusinessNumber: "15550783881", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"display_phone_number": "15550783881", "event": "PIN_CHANGED", "requester": "106540352242922"}}, "valid"), Answer: 200},
		"business-capability": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "business-capability", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"max_daily_conversation_per_phone": "1000", "max_phone_numbers_per_business": "2", "waba_id": "102290129340398"}}, "valid"), Answer: 200},
		"message-reaction":   {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "reaction", From: "972987654321", Text: "😮", Reaction: &callback.Reaction{MessageID: "wamid.yzxyzx=", Emoji: "😮"}}, ""), Answer: 200},
		"message-unreaction": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "reaction", From: "972987654321", Reaction: &callback.Reaction{MessageID: "wamid.yzxyzx="}}, ""), Answer: 200},
		"message-referral-multiline": {Event: evListenFacts(callback.Event{Source: "onprem", Kind: "message", Type: "text", From: "16315551234", Text: "first line\nsecond line, a rather long one that will need wrapping inside a card of eighty columns",
			Referral: json.RawMessage(`{"source_type": "ad", "headline": "Our new product"}`)}, ""), Answer: 200},
		"status-delivered": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "status", Status: "delivered", ID: "wamid.xyzxyz", To: "972987654321", Timestamp: "2023-10-25T20:49:05Z",
			Pricing: &callback.Pricing{Billable: evYes(), Model: "CBP", Category: "service", Conversation: "7270432eae37498234f4444b35ffc5"}}, "valid"), Answer: 200, Index: 2, Total: 3},
		"status-failed": {Event: evListenFacts(callback.Event{Source: "kaleyra-v1", Kind: "status", Status: "failed", ID: "a2d4ef99-fa14-4487-ab3a-d245b65611a4:0", To: "+12025550143",
			Error:  &callback.Error{Code: "131026", Title: "Message undeliverable", Detail: "Message Undeliverable."},
			Errors: []callback.Error{{Code: "131026", Title: "Message undeliverable", Detail: "Message Undeliverable."}, {Code: "470", Title: "Outside the support window"}}}, ""), Answer: 200},
		"error": {Event: evListenFacts(callback.Event{Source: "onprem", Kind: "error", Error: &callback.Error{Code: "400", Title: "Media download error", Detail: "Failed to download the media from the sender."}}, ""), Answer: 200},
		"verification-unchecked": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "verification", Verification: &callback.Verification{Mode: "subscribe", Challenge: "1158201444", TokenPresent: true},
			Extra: map[string]string{"handshake": "unchecked"}}, ""), Answer: 200, AnswerReason: "handshake unchecked", Handshake: listener.HandshakeUnchecked, HandshakeReason: "no verify token configured"},
		"verification-rejected": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "verification", Verification: &callback.Verification{Mode: "subscribe", Challenge: "42", TokenPresent: true}}, ""),
			Answer: 403, AnswerReason: "handshake rejected: wrong hub.verify_token", Handshake: listener.HandshakeRejected, HandshakeReason: "wrong hub.verify_token"},
		"template-status": {Event: evListenFacts(callback.Event{Source: "kaleyra-v1", Kind: "template-status", ID: "123",
			Extra: map[string]string{"event": "APPROVED", "message_template_name": "order_update", "message_template_language": "en"}}, ""), Answer: 200},
		"quality": {Event: evListenFacts(callback.Event{Source: "kaleyra-v1", Kind: "quality", BusinessNumber: "16505551111", Extra: map[string]string{"event": "FLAGGED", "current_limit": "TIER_10K"}}, ""), Answer: 200},
		"unknown-malformed": {Event: evListenFacts(callback.Event{Source: "unknown", Kind: "unknown", DecodeError: "invalid JSON at byte 14: unexpected end of input"}, "invalid"),
			Answer: 401, AnswerReason: "signature invalid", RawBody: []byte(`{"messages":[{`)},
		"message-repaired": {Event: evListenFacts(callback.Event{Source: "onprem", Kind: "message", Type: "interactive", ID: "message_id", Text: "button-text",
			Reply:       &callback.Reply{Kind: "button_reply", ID: "unique-button-identifier", Title: "button-text"},
			DecodeError: "invalid JSON at byte 309: trailing comma before '}'; repaired: dropped a trailing comma"}, ""),
			Answer: 200, RawBody: []byte(`{"messages":[{"id":"message_id","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"unique-button-identifier","title":"button-text"},}}]}`)},
		"decoder-panic": {Event: evListenFacts(callback.Event{Source: "unknown", Kind: "unknown", DecodeError: "decoder failed: index out of range"}, ""),
			Answer: 200, Failure: "index out of range", RawQuery: "id=1&status=sent"},
		"hostile-text": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "text", From: "1\x1b[31m", Name: "evil\u202eeman", Text: "clear\x1b[2J screen\x07 bell \x9b csi \xff byte"}, ""), Answer: 200},
		"decode-line":  {Event: callback.Event{Schema: callback.Schema, Source: "kaleyra-v1", Kind: "status", Status: "read", ID: "x:0", To: "+12025550143"}, Line: 4},
		"status-read-lifecycle": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "status", Status: "read", ID: "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5MTRGRTlBNEIzQjIzRDM2MzIAExtraLongTail", To: "15551234567", Timestamp: "2023-10-25T20:49:05Z",
			Lifecycle: &lifecycle.Note{Seq: 2, Previous: "sent", SincePreviousMS: evMS(4200), Missing: []string{"delivered"}}}, "valid"), Answer: 200},
		"status-delivered-late": {Event: evListenFacts(callback.Event{Source: "kaleyra-v1", Kind: "status", Status: "delivered", ID: "a2d4ef99-fa14-4487-ab3a-d245b65611a4:0", To: "+12025550143", Timestamp: "2020-02-06T07:06:23Z",
			Pricing:   &callback.Pricing{Price: "0.0107"},
			Extra:     map[string]string{"price": "0.0107", "ref": "order-4821"},
			Lifecycle: &lifecycle.Note{Seq: 3, Previous: "read", SincePreviousMS: evMS(-1000), Flags: []string{lifecycle.FlagOutOfOrder, lifecycle.FlagDuplicate}}}, "missing"), Answer: 200},
		"message-contacts": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "contacts", ID: "wamid.contacts", From: "15551234567", Text: "Jordan Lee",
			Contacts: []callback.SharedContact{{Name: "Jordan Lee", Phones: []string{"+1 555 010 2000", "+1 555 010 2001"}}, {Name: "Ana", Phones: []string{"+34 600 000 000"}}}}, "valid"), Answer: 200},
		"template-rejected": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "template-status", Status: "rejected", ID: "1229054618214840", Timestamp: "2026-12-01T19:28:38Z",
			Extra: map[string]string{"event": "REJECTED", "message_template_id": "1229054618214840", "message_template_name": "festive_offer", "message_template_language": "en_US", "reason": "INVALID_FORMAT", "waba_id": "102290129340398"}}, "valid"), Answer: 200},
		"pricing-cloud": {Event: evListenFacts(callback.Event{Source: "cloud", Kind: "status", Status: "sent", ID: "wamid.p", To: "15551234567",
			Pricing: &callback.Pricing{Billable: evYes(), Model: "CBP", Category: "utility", Origin: "utility", Conversation: "8d66dabf075c0b3fb8168855091430de"}}, "valid"), Answer: 200},
		"message-url-narrow": {Event: evListenFacts(callback.Event{Source: "kaleyra-v1", Kind: "message", Type: "document", From: "919812345678",
			Media: &callback.Media{MimeType: "application/pdf", URL: "https://files.example.com/media/2026/12/01/invoice-0000000000000000000000000001.pdf?sig=abcdef0123456789"}}, ""), Answer: 401, AnswerReason: "signature not checked"},
	}
}

func evMS(n int64) *int64 { return &n }

// TestEventRows: what a card says of each kind, row by row (plain text,
// which has the same rows as a card): user ids when there is no number, a
// button's payload said once, the key facts of account-level events out of
// "extra", times labelled by what happened.
func TestEventRows(t *testing.T) {
	cases := evGoldenCases()
	tests := []struct {
		name      string
		want, not []string
	}{
		{"message-user-id", []string{"  from user: US.13491208655302741918 · parent US.ENT.11815799212886844830\n"}, []string{"from_user_id="}},
		{"message-referral", []string{"  referral: ad 120210987654321098 · “Spring sale: 30% off”\n", "  ad text: Chat with us to get your code\n", "  ad url: https://fb.me/3bT9kRw2x\n",
			"  ad media: image · https://scontent.xx.fbcdn.net/v/t45.1600-4/spring-sale.jpg\n", "  ad click id: ARAkLkA8rmlFeiCktEJQ\n", `  ad extra: {"welcome_message":{"text":"Hello"}}` + "\n"}, []string{`"headline"`}},
		{"kaleyra-v1-text", []string{"  extra: company_id=Z5bf5d8\n"}, []string{"mobile="}},
		{"unknown-array", []string{`  raw: {"id":"wacid.X","from":"16505551234","event":"connect","direction":"USER_INITIATED"}` + "\n"}, nil},
		{"message-button", []string{"  reply: button · id No-Button-Payload · “No”\n"}, []string{"payload No-Button-Payload"}},
		{"template-quality", []string{"  at: 2026-12-01T19:28:38Z\n", "  template: welcome_template (en_US)\n", "  quality: GREEN → YELLOW\n", "  extra: waba_id=102290129340398\n"}, []string{"yellow at"}},
		{"template-category", []string{"  category: UTILITY → MARKETING\n", "  template: order_shipped (en_US)\n"}, []string{"extra:", "marketing at"}},
		{"account-restricted", []string{"  restriction 1: RESTRICTED_BIZ_INITIATED_MESSAGING · until 2025-12-01T10:26:40Z\n",
			"  restriction 2: RESTRICTED_ADD_PHONE_NUMBER_ACTION · until 2025-12-02T10:26:40Z\n"}, []string{"extra:"}},
		{"template-components", []string{"  title: Your order is on its way\n", "  body: Hi {{1}}, order {{2}} has shipped.\n",
			"  button 1: URL · “Track shipment”\n", "  button 2: PHONE_NUMBER · “Call us”\n"}, []string{"extra:"}},
		{"account-update", []string{"  ban: SCHEDULE_FOR_DISABLE · on December 8, 2026\n", "  extra: waba_id=102290129340398\n"}, []string{"event="}},
		{"account-alert", []string{"  alert: WARNING · ACTIVE · PHONE_NUMBER 106540352242922\n", "  description: The phone number is not yet eligible for a higher messaging limit.\n", "  extra: waba_id=102290129340398\n"}, []string{"alert_type="}},
		{"display-name", []string{"  rejected at: 2026-12-01T19:28:38Z\n", "  name: Lucky Shrub\n", "  reason: NAME_FORMAT_UNACCEPTABLE\n"}, []string{"extra:"}},
		{"history", []string{"  history: phase 0 · chunk 1 · 55% · threads 1 · messages 2\n", "  extra: phone_number_id=106540352242922\n"}, nil},
		{"user-preference", []string{"  preference: marketing_messages · User requested to stop marketing messages\n", "  at: "}, []string{"extra:", "stop at"}},
		{"security", []string{"  requester: 106540352242922\n"}, []string{"extra:"}},
		{"business-capability", []string{"  limits: daily_conversation_per_phone 1000 · phone_numbers_per_business 2\n"}, []string{"max_"}},
		{"template-rejected", []string{"  rejected at: ", "  extra: waba_id=102290129340398\n"}, []string{"message_template_id="}},
	}
	for _, tt := range tests {
		got := evPlain(cases[tt.name])
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: no %q in\n%s", tt.name, w, got)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q should not be shown in\n%s", tt.name, n, got)
			}
		}
	}
}

// evCheckCardLines: every line of a card is exactly want columns, but for
// a word that may not be cut (an id, a URL), which runs past the frame on a
// line of its own, with no right border after it.
func evCheckCardLines(t *testing.T, what, card string, want int) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(card, "\n"), "\n") {
		w := lipgloss.Width(line)
		if w == want {
			continue
		}
		plain := evANSI.ReplaceAllString(line, "")
		rest := strings.TrimLeft(strings.TrimPrefix(plain, "│ "), " ")
		if word := rest[strings.LastIndexByte(rest, ' ')+1:]; w <= want-2 || strings.HasSuffix(plain, "│") || lipgloss.Width(word) <= want-4-evKeyWidth {
			t.Fatalf("%s: line is %d columns, want %d (or a long word alone past the frame): %q", what, w, want, line)
		}
	}
}

var evANSI = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestEventGolden(t *testing.T) {
	modes := []struct {
		name  string
		color bool
		cards bool
	}{
		{"tty-color", true, true},
		{"tty-nocolor", false, true},
		{"plain", false, false},
	}
	for name, v := range evGoldenCases() {
		t.Run(name, func(t *testing.T) {
			for _, m := range modes {
				p := NewEventPrinterFor(build(io.Discard, m.color, 80), m.cards)
				p.Location = time.UTC
				got := p.Event(v)
				evGolden(t, name+"."+m.name, got)
				if !m.color && strings.Contains(got, "\x1b") {
					t.Errorf("%s: escape sequence in colourless output", m.name)
				}
				if m.cards {
					evCheckCardLines(t, m.name, got, 80)
				}
			}
		})
	}
}

// TestCardsFitNarrowAndWideTerminals: every card line is exactly the
// terminal width (capped at 100, at least 32), whatever the content.
func TestCardsFitNarrowAndWideTerminals(t *testing.T) {
	for _, width := range []int{20, 32, 40, 60, 100, 200} {
		want := min(max(width, 32), 100)
		p := NewEventPrinterFor(build(io.Discard, true, width), true)
		for name, v := range evGoldenCases() {
			evCheckCardLines(t, fmt.Sprintf("width %d, %s", width, name), p.Event(v), want)
		}
	}
}

func TestCleanEscapesControls(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text ✓ 😮", "plain text ✓ 😮"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"bell\x07", `bell\x07`},
		{"c1 \u009b", `c1 \u009b`},
		{"rtl \u202e x", `rtl \u202e x`},
		{"bad \xff", `bad \xff`},
		{"keep\nnew\tlines", "keep\nnew\tlines"},
		{"cr\r", `cr\x0d`},
	}
	for _, tt := range tests {
		if got := evClean(tt.in); got != tt.want {
			t.Errorf("evClean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestViewsOf(t *testing.T) {
	ex := &listener.Exchange{
		Body:        []byte("{"),
		RawQuery:    "a=b",
		Events:      []callback.Event{{Kind: "message"}, {Kind: "status"}},
		Answer:      listener.Answer{Status: 401, Reason: "signature invalid"},
		Handshake:   &listener.Handshake{Outcome: listener.HandshakeRejected, Reason: "wrong token"},
		DecodePanic: "boom",
	}
	views := ViewsOf(ex)
	if len(views) != 2 || views[1].Index != 2 || views[1].Total != 2 || views[0].Answer != 401 ||
		views[0].Handshake != listener.HandshakeRejected || string(views[0].RawBody) != "{" || views[0].Failure != "boom" {
		t.Fatalf("views %+v", views)
	}
	// a compressed body is shown as the payload it held
	ex.Body, ex.Inflated = []byte("\x1f\x8b\x08"), []byte(`{"a":`)
	if got := string(ViewsOf(ex)[0].RawBody); got != `{"a":` {
		t.Errorf("raw body %q, want the decompressed payload", got)
	}
}

func TestNewEventPrinterModes(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	if NewEventPrinter(ios).Cards() {
		t.Error("cards on a non-terminal")
	}
	ios.SetStdoutTTY(true)
	if !NewEventPrinter(ios).Cards() {
		t.Error("no cards on a terminal")
	}
	ios.SetStdoutTTY(false)
	ios.SetColorMode(iostreams.ColorAlways)
	if !NewEventPrinter(ios).Cards() {
		t.Error("--color always should draw cards")
	}
}

func TestListenSummary(t *testing.T) {
	st := listener.NewStats()
	for _, ex := range []*listener.Exchange{
		{Events: []callback.Event{{Kind: "message"}, {Kind: "status", Status: "delivered"}, {Kind: "status", Status: "failed"}}, Signature: "invalid"},
		{Events: []callback.Event{{Kind: "unknown", DecodeError: "bad"}}, Signature: "missing"},
		{TooLarge: true, Events: []callback.Event{{Kind: "unknown", DecodeError: "413"}}},
	} {
		st.Add(ex)
	}
	got := ListenSummary(st)
	want := "3 requests, 5 events (1 message, 2 status [1 delivered, 1 failed], 2 unknown); 1 decode error; 2 signature failures (1 invalid, 1 missing); 1 too large (413)"
	if got != want {
		t.Errorf("summary\n got %s\nwant %s", got, want)
	}
	if got := ListenSummary(listener.NewStats()); got != "0 requests, 0 events; 0 decode errors; 0 signature failures; 0 too large (413)" {
		t.Errorf("empty summary %q", got)
	}
}

func BenchmarkEventCard(b *testing.B) {
	p := NewEventPrinterFor(build(io.Discard, true, 80), true)
	v := evGoldenCases()["message-image"]
	for b.Loop() {
		_ = p.Event(v)
	}
}

func BenchmarkEventPlain(b *testing.B) {
	p := NewEventPrinterFor(build(io.Discard, false, 80), false)
	v := evGoldenCases()["message-image"]
	for b.Loop() {
		_ = p.Event(v)
	}
}

func TestEventPrinterFollowsResize(t *testing.T) {
	width := 80
	p := NewEventPrinterFor(build(io.Discard, false, width), true)
	p.width = func() int { return width }
	p.restyle = func(w int) *Styles { return build(io.Discard, false, w) }
	v := evGoldenCases()["message-text"]
	for _, width = range []int{80, 50, 100, 40} {
		for _, line := range strings.Split(strings.TrimSuffix(p.Event(v), "\n"), "\n") {
			if got := lipgloss.Width(line); got != width {
				t.Fatalf("terminal %d columns: card line is %d: %q", width, got, line)
			}
		}
	}
}

// FuzzEventCard: whatever text an event carries, a card never panics,
// every line is exactly the card width, and colourless output carries no
// control character but newlines.
func FuzzEventCard(f *testing.F) {
	f.Add("Body Text", "972987654321", "Test Name", "decode failed", []byte(`{"a":`), 80)
	f.Add("\x1b[2J\x07\u202e", "\t\r\n", "😮‍💨 ZWJ 👩🏽‍🚀", "", []byte{0xff, 0x1b}, 33)
	f.Add(strings.Repeat("x", 5000), "", "東京 全角 ｈｅｌｌｏ", "e", []byte(strings.Repeat("{", 3000)), 200)
	f.Fuzz(func(t *testing.T, text, from, name, decodeErr string, body []byte, width int) {
		if width < 0 {
			width = -width
		}
		width %= 300
		ev := evListenFacts(callback.Event{Source: "cloud", Kind: "message", Type: "text", Text: text, From: from, Name: name,
			DecodeError: decodeErr, Media: &callback.Media{Caption: name, URL: text},
			Extra: map[string]string{from: text}}, "invalid")
		v := EventView{Event: ev, Answer: 200, RawBody: body, RawQuery: text}
		layout := width
		if layout == 0 {
			layout = 80 // an unknown width lays out at 80 columns (see build)
		}
		want := min(max(layout, 32), 100)
		for _, color := range []bool{false, true} {
			out := NewEventPrinterFor(build(io.Discard, color, width), true).Event(v)
			evCheckCardLines(t, fmt.Sprintf("color %v width %d", color, width), out, want)
			if !color {
				for _, r := range out {
					if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f {
						t.Fatalf("control character %U in %q", r, out)
					}
				}
			}
		}
		plainOut := NewEventPrinterFor(build(io.Discard, false, width), false).Event(v)
		for _, r := range plainOut {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f {
				t.Fatalf("control character %U in plain %q", r, plainOut)
			}
		}
	})
}

func TestLimitLines(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"a\nb\nc", 3, "a\nb\nc"},
		{"a\nb\nc\nd", 3, "a\nb\nc\n… (1 more line)"},
		{"a\n\n\n\n\n", 2, "a\n\n… (4 more lines)"},
		{"one", 1, "one"},
	}
	for _, tt := range tests {
		if got := evLimitLines(tt.in, tt.max); got != tt.want {
			t.Errorf("evLimitLines(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// TestCardTitleKeepsClockAndAnswer: a title too long for the card (a long
// account-level status, a narrow terminal) never cuts off the answer.
// TestFailedStatusesFlagged: a status that never reached the customer is
// flagged, in every form, without relying on colour.
func TestFailedStatusesFlagged(t *testing.T) {
	cases := evGoldenCases()
	for _, name := range []string{"status-failed", "status-not-sent"} {
		v := cases[name]
		if got := evPlain(v); !strings.HasPrefix(got, "status "+v.Event.Status+" (kaleyra-v1) !\n") {
			t.Errorf("%s: plain header %q", name, strings.SplitN(got, "\n", 2)[0])
		}
		card := NewEventPrinterFor(build(io.Discard, false, 80), true).Event(v)
		if !strings.Contains(strings.SplitN(card, "\n", 3)[1], "✗ status "+v.Event.Status) {
			t.Errorf("%s: card title without ✗:\n%s", name, card)
		}
	}
}

func TestCardTitleKeepsClockAndAnswer(t *testing.T) {
	for _, width := range []int{32, 40, 80, 100} {
		p := NewEventPrinterFor(build(io.Discard, false, width), true)
		p.Location = time.UTC
		for name, v := range evGoldenCases() {
			if v.Answer == 0 || v.Event.ReceivedAt == "" {
				continue
			}
			lines := strings.SplitN(p.Event(v), "\n", 6)
			head := strings.Join(lines[:5], "\n")
			if !strings.Contains(head, "03:04:05.678 "+strconv.Itoa(v.Answer)+" ") {
				t.Errorf("width %d, %s: no clock and answer at the top:\n%s", width, name, head)
			}
		}
	}
}

func TestWrapWords(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"a b c", 3, []string{"a b", "c"}},
		// ids are never cut; one too long has a line of its own
		{"id wamid.HBgLMTU1NTEyMzQ1NjcVAgAS · x", 10, []string{"id", "wamid.HBgLMTU1NTEyMzQ1NjcVAgAS", "· x"}},
		// a separator that does not fit never stands alone before a long word
		{"phone_number_id=106540352242922 · waba_id=102290129340398", 22, []string{"phone_number_id=106540352242922", "· waba_id=102290129340398"}},
		{"model CBP · origin utility · conversation 8d66dabf", 28, []string{"model CBP · origin utility ·", "conversation 8d66dabf"}},
		// the spaces of a break are dropped, those of a paragraph kept
		{"account-alert increased_capabilities  cloud", 20, []string{"account-alert", "increased_capabilities", "cloud"}},
		{"  indented\nnext", 20, []string{"  indented", "next"}},
	}
	for _, tt := range tests {
		got := evWrapWords(tt.in, tt.width)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("evWrapWords(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
