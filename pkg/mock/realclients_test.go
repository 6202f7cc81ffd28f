package mock

import (
	"bufio"
	"bytes"
	"fmt"
	"mime/multipart"
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// Message objects as Cloud API clients (official and community SDKs) send
// them: every one is a valid request Meta accepts.
func TestParseCloudMessageRealClients(t *testing.T) {
	tests := []struct {
		name, body string
		want       cloudMessage
	}{
		{"text with preview_url and recipient_type",
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"+1 (555) 123-4567","type":"text","text":{"preview_url":true,"body":"see https://example.com"}}`,
			cloudMessage{To: "+1 (555) 123-4567", Digits: "15551234567", Type: "text"}},
		{"contacts: an array of cards",
			`{"messaging_product":"whatsapp","to":"15551234567","type":"contacts","contacts":[{"name":{"formatted_name":"Ana Ruiz","first_name":"Ana"},"phones":[{"phone":"+52 55 1234 5678","type":"CELL","wa_id":"5215512345678"}]}]}`,
			cloudMessage{To: "15551234567", Digits: "15551234567", Type: "contacts"}},
		{"contacts replying to a message",
			`{"messaging_product":"whatsapp","to":"15551234567","context":{"message_id":"wamid.IN7"},"type":"contacts","contacts":[{"name":{"formatted_name":"A"}}]}`,
			cloudMessage{To: "15551234567", Digits: "15551234567", Type: "contacts", Context: "wamid.IN7"}},
		{"to as a JSON number",
			`{"messaging_product":"whatsapp","to":15551234567,"type":"text","text":{"body":"built from integers"}}`,
			cloudMessage{To: "15551234567", Digits: "15551234567", Type: "text"}},
		{"template with components and biz_opaque_callback_data",
			`{"messaging_product":"whatsapp","to":"15551234567","type":"template","template":{"name":"order_update","language":{"code":"en_US","policy":"deterministic"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"}]},{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"YES"}]}]},"biz_opaque_callback_data":"trk-1"}`,
			cloudMessage{To: "15551234567", Digits: "15551234567", Type: "template", Opaque: "trk-1"}},
		{"image by id", `{"messaging_product":"whatsapp","to":"15551234567","type":"image","image":{"id":"1234567890"}}`,
			cloudMessage{To: "15551234567", Digits: "15551234567", Type: "image", MediaID: "1234567890"}},
		{"document by a numeric id", `{"messaging_product":"whatsapp","to":"15551234567","type":"document","document":{"id":1234567890,"filename":"a.pdf"}}`,
			cloudMessage{To: "15551234567", Digits: "15551234567", Type: "document", MediaID: "1234567890"}},
		{"reaction in context", `{"messaging_product":"whatsapp","to":"15551234567","context":{"message_id":"wamid.IN1"},"type":"reaction","reaction":{"message_id":"wamid.IN1","emoji":"👍"}}`,
			cloudMessage{To: "15551234567", Digits: "15551234567", Type: "reaction", Context: "wamid.IN1"}},
		{"location with coordinates as strings", `{"messaging_product":"whatsapp","to":"15551234567","type":"location","location":{"latitude":"19.43","longitude":"-99.13"}}`,
			cloudMessage{To: "15551234567", Digits: "15551234567", Type: "location"}},
		{"mark as read with a typing indicator", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1","typing_indicator":{"type":"text"}}`,
			cloudMessage{MarkRead: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, e := parseCloudMessage([]byte(tt.body))
			if e != nil {
				t.Fatalf("refused: %d %d %s", e.status, e.code, e.reason)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Meta's limits real apps run into: a text body of more than 4096
// characters, an interactive message without its type or action.
func TestParseCloudMessageRefusesWhatMetaRefuses(t *testing.T) {
	text := func(n int) string {
		return `{"messaging_product":"whatsapp","to":"15551234567","type":"text","text":{"body":"` + strings.Repeat("é", n) + `"}}`
	}
	if _, e := parseCloudMessage([]byte(text(4096))); e != nil {
		t.Errorf("4096 characters refused: %+v", e)
	}
	tests := []struct {
		name, body string
		code       int
	}{
		{"text of 4097 characters", text(4097), 100},
		{"interactive without type", `{"messaging_product":"whatsapp","to":"15551234567","type":"interactive","interactive":{"action":{"buttons":[]}}}`, 131008},
		{"interactive without action", `{"messaging_product":"whatsapp","to":"15551234567","type":"interactive","interactive":{"type":"list","body":{"text":"x"}}}`, 131008},
	}
	for _, tt := range tests {
		if _, e := parseCloudMessage([]byte(tt.body)); e == nil || e.code != tt.code || e.status != 400 {
			t.Errorf("%s: %+v, want 400 with code %d", tt.name, e, tt.code)
		}
	}
}

func TestParseCloudMessageRefusesBadContacts(t *testing.T) {
	for _, body := range []string{
		`{"messaging_product":"whatsapp","to":"15551234567","type":"contacts"}`,
		`{"messaging_product":"whatsapp","to":"15551234567","type":"contacts","contacts":[]}`,
		`{"messaging_product":"whatsapp","to":"15551234567","type":"contacts","contacts":{"name":{"formatted_name":"A"}}}`,
	} {
		if _, e := parseCloudMessage([]byte(body)); e == nil || e.code != 131008 || e.field != "contacts" {
			t.Errorf("%s: %+v, want 131008 on contacts", body, e)
		}
	}
}

// A Kaleyra v1 client that posts a form with api-key and channel=WhatsApp
// as fields, and media as a multipart file part, reads "id" of the answer
// and gets its statuses with that id.
func TestKaleyraV1FormClient(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{APIKey: "123456"})
	cb := a.srv.URL + "/c/kwa/8eb23e93/status"
	v := url.Values{"api-key": {"123456"}, "channel": {"WhatsApp"}, "from": {"250788383383"}, "to": {"14133881111"},
		"type": {"text"}, "body": {"foo https://foo.bar bar"}, "preview_url": {"true"}, "callback_url": {cb}}
	code, ans := h.do("POST", "/v1/SID/messages", form, v.Encode())
	if code != 200 {
		t.Fatalf("text: %d %v", code, ans)
	}
	textID, _ := ans["id"].(string)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("media", "image.jpg")
	fw.Write([]byte("image bytes"))
	for _, kv := range [][2]string{{"api-key", "123456"}, {"channel", "WhatsApp"}, {"from", "250788383383"}, {"to", "14133881111"},
		{"type", "media"}, {"caption", "Medias"}, {"callback_url", cb}} {
		mw.WriteField(kv[0], kv[1])
	}
	mw.Close()
	code, ans = h.do("POST", "/v1/SID/messages", mw.FormDataContentType(), body.String())
	if code != 200 {
		t.Fatalf("media: %d %v", code, ans)
	}
	mediaID, _ := ans["id"].(string)
	if textID == "" || mediaID == "" || textID == mediaID {
		t.Fatalf("ids %q %q", textID, mediaID)
	}
	h.clk.Advance(3 * time.Second)
	got := map[string]int{}
	for range 6 {
		rec := h.next(KindCallback)
		if rec.Answer != 200 || !strings.HasPrefix(rec.URL, cb+"?id=") {
			t.Errorf("callback %+v", rec)
		}
		got[rec.ID]++
	}
	if got[textID] != 3 || got[mediaID] != 3 {
		t.Errorf("callbacks per id %v", got)
	}
}

// A client that asks before sending a body larger than the limit gets the
// 413 at once, never a 100 Continue.
func TestExpectContinueOverLimit(t *testing.T) {
	h := newHarness(t, Config{})
	srv := httptest.NewServer(h.m)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/v1/SID/messages", "/v21.0/106540352242922/messages", "/v2/SID/whatsapp/918012340128/messages"} {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", path, 9<<20)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || !strings.HasPrefix(line, "HTTP/1.1 413 ") {
			t.Errorf("%s: first answer %q (%v), want 413", path, line, err)
		}
	}
}

// biz_opaque_callback_data given with a message comes back in each of its
// status webhooks, as Meta returns it (Cloud, and Kaleyra v2's Cloud
// message object), and every status names the same conversation.
func TestStatusWebhooksCarryTheMessagesFacts(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{WebhookURL: a.srv.URL + "/webhook", CallbackProfile: a.srv.URL + "/profile"})
	calls := []struct{ path, body string }{
		{"/v21.0/106540352242922/messages", `{"messaging_product":"whatsapp","to":"15551234567","type":"text","text":{"body":"x"},"biz_opaque_callback_data":"order=77;step=2"}`},
		{"/v2/SID/whatsapp/918012340128/messages", `{"messaging_object":{"messaging_product":"whatsapp","to":"919812345678","type":"text","text":{"body":"x"},"biz_opaque_callback_data":"order=77;step=2"}}`},
	}
	for _, c := range calls {
		if code, ans := h.do("POST", c.path, "application/json", c.body); code/100 != 2 {
			t.Fatalf("%s: %d %v", c.path, code, ans)
		}
	}
	h.clk.Advance(3 * time.Second)
	for range 6 {
		h.next(KindCallback)
	}
	got := a.requests()
	if len(got) != 6 {
		t.Fatalf("%d webhooks, want 6", len(got))
	}
	conversations := map[string]map[string]bool{}
	for _, r := range got {
		ev := callback.Decode(r)[0]
		if ev.Kind != "status" || ev.Extra["biz_opaque_callback_data"] != "order=77;step=2" || ev.DecodeError != "" {
			t.Errorf("%s %s: %+v", r.Path, ev.Status, ev)
		}
		if ev.Pricing == nil || len(ev.Pricing.Conversation) != 32 {
			t.Errorf("%s %s: no conversation id: %+v", r.Path, ev.Status, ev.Pricing)
			continue
		}
		if conversations[ev.ID] == nil {
			conversations[ev.ID] = map[string]bool{}
		}
		conversations[ev.ID][ev.Pricing.Conversation] = true
	}
	// one conversation for all the statuses of a message, as Meta sends it
	for id, cs := range conversations {
		if len(cs) != 1 {
			t.Errorf("message %s: statuses name %d conversations", id, len(cs))
		}
	}
}

// Cloud API clients call more than /messages and the media endpoints (a
// template list): what the mock does not serve, or not so, is answered in
// Meta's error shape, which they parse; other paths keep the plain answer.
func TestUnservedGraphPathsAnswerInMetasShape(t *testing.T) {
	h := newHarness(t, Config{})
	for _, path := range []string{"/v21.0/106540352242922/media", "/v19.0/1234567890", "/v23.0/106540352242922/message_templates"} {
		code, ans := h.do("POST", path, "application/json", `{}`)
		e, _ := ans["error"].(map[string]any)
		if code != 400 || e == nil || e["code"] != float64(100) || e["fbtrace_id"] == "" || !strings.HasPrefix(e["message"].(string), "(#100) ") {
			t.Errorf("%s: %d %v", path, code, ans)
		}
	}
	if code, ans := h.do("GET", "/favicon.ico", "", ""); code != 404 || ans["error"].(map[string]any)["path"] == nil {
		t.Errorf("plain path: %d %v", code, ans)
	}
}

// A Kaleyra v1 client following Kaleyra's current documentation names a
// callback_profile_id instead of a callback_url: its statuses go to the
// Callback Profile URL, in v1 shape; without one configured the log says
// why none is made.
func TestKaleyraV1CallbackProfileID(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{CallbackProfile: a.srv.URL + "/profile"})
	code, ans := h.do("POST", "/v1/SID/messages", form, v1Form("919812345678", "", "callback_profile_id", "CP1234"))
	if code != 200 {
		t.Fatalf("%d %v", code, ans)
	}
	h.clk.Advance(3 * time.Second)
	for range 3 {
		if rec := h.next(KindCallback); rec.ID != ans["id"] || rec.Answer != 200 || !strings.HasPrefix(rec.URL, a.srv.URL+"/profile?id=") {
			t.Errorf("callback %+v", rec)
		}
	}
	for _, r := range a.requests() {
		if ev := callback.Decode(r)[0]; ev.Source != "kaleyra-v1" || ev.Kind != "status" || ev.ID != ans["id"] {
			t.Errorf("profile callback decodes to %+v", ev)
		}
	}

	h2 := newHarness(t, Config{})
	h2.do("POST", "/v1/SID/messages", form, v1Form("919812345678", "", "callback_profile_id", "CP1234"))
	if rec := h2.next(KindCallbackSkipped); rec.Rule != RuleNoTarget || !strings.Contains(rec.Reason, `callback_profile_id "CP1234"`) {
		t.Errorf("skip %+v", rec)
	}
}

// A message to a group (Groups API) names the group by its id: accepted,
// and its statuses name the group with recipient_type "group", as Meta
// sends them.
func TestCloudGroupMessage(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{WebhookURL: a.srv.URL + "/webhook", Window: true})
	const group = "Y2FwaV9ncm91cDoxNTU1MDAwMDAwMToxMjAzNjMwMDAwMDAwMDAw"
	code, ans := h.do("POST", "/v21.0/106540352242922/messages", "application/json",
		`{"messaging_product":"whatsapp","recipient_type":"group","to":"`+group+`","type":"text","text":{"body":"Meeting at 5"}}`)
	if code != 200 {
		t.Fatalf("%d %v", code, ans)
	}
	if c := ans["contacts"].([]any)[0].(map[string]any); c["input"] != group || c["wa_id"] != nil {
		t.Errorf("contacts %v", c)
	}
	h.clk.Advance(3 * time.Second)
	for range 3 {
		h.next(KindCallback)
	}
	for _, r := range a.requests() {
		ev := callback.Decode(r)[0]
		if ev.Kind != "status" || ev.To != group || ev.Extra["recipient_type"] != "group" || ev.DecodeError != "" {
			t.Errorf("webhook decodes to %+v", ev)
		}
	}
	// an individual recipient still needs a phone number
	if code, _ := h.do("POST", "/v21.0/106540352242922/messages", "application/json",
		`{"messaging_product":"whatsapp","to":"`+group+`","type":"template","template":{"name":"x","language":{"code":"en"}}}`); code != 400 {
		t.Errorf("a group id as an individual's number: %d", code)
	}
}
