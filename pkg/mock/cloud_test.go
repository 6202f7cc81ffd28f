package mock

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/fixture"
	"github.com/wa-cb/wa-cb/pkg/sender"
)

func cloudText(to string) string {
	return `{"messaging_product":"whatsapp","recipient_type":"individual","to":"` + to + `","type":"text","text":{"body":"Your order shipped"}}`
}

func TestCloudSignedWebhooks(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{Token: "T0KEN", WebhookURL: a.srv.URL + "/webhook", AppSecret: "s3cret", VerifyToken: "vt"})
	path := "/v21.0/106540352242922/messages"
	if code, ans := h.do("POST", path, "application/json", cloudText("+15551234567")); code != 401 || ans["error"].(map[string]any)["code"].(float64) != 190 {
		t.Fatalf("no token: %d %v", code, ans)
	}
	code, ans := h.do("POST", path, "application/json", cloudText("+15551234567"), "Authorization", "Bearer T0KEN")
	if code != 200 {
		t.Fatalf("%d %v", code, ans)
	}
	id := ans["messages"].([]any)[0].(map[string]any)["id"].(string)
	contact := ans["contacts"].([]any)[0].(map[string]any)
	if !strings.HasPrefix(id, "wamid.") || contact["wa_id"] != "15551234567" || contact["input"] != "+15551234567" || ans["messaging_product"] != "whatsapp" {
		t.Fatalf("answer %v", ans)
	}
	h.clk.Advance(3 * time.Second)
	if hs := h.next(KindHandshake); hs.Answer != 200 || !strings.Contains(hs.Note, "verified") || strings.Contains(hs.URL, "vt") {
		t.Fatalf("handshake %+v", hs)
	}
	for range 3 {
		h.next(KindCallback)
	}
	got := a.requests()
	if len(got) != 4 || got[0].Method != "GET" || !strings.Contains(got[0].RawQuery, "hub.verify_token=vt") {
		t.Fatalf("requests %+v", got)
	}
	seen := map[string]bool{}
	for _, r := range got[1:] {
		if !callback.VerifySignature("s3cret", r.Body, r.Header.Get(callback.SignatureHeader)) {
			t.Errorf("bad signature on %s", r.Body)
		}
		ev := callback.Decode(r)[0]
		if ev.Source != "cloud" || ev.ID != id || ev.To != "15551234567" || ev.DecodeError != "" {
			t.Errorf("webhook decodes to %+v", ev)
		}
		if !strings.Contains(string(r.Body), `"phone_number_id":"106540352242922"`) {
			t.Errorf("phone number id not set: %s", r.Body)
		}
		seen[ev.Status] = true
	}
	if len(seen) != 3 {
		t.Errorf("statuses %v", seen)
	}
}

func TestCloudRefusals(t *testing.T) {
	h := newHarness(t, Config{Window: true})
	path := "/v17.0/106540352242922/messages"
	tests := []struct {
		name, path, body string
		status, code     int
	}{
		{"malformed JSON", path, `{"to":`, 400, 100},
		{"no messaging_product", path, `{"to":"15551234567","type":"text","text":{"body":"x"}}`, 400, 100},
		{"no to", path, `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`, 400, 131008},
		{"bad to", path, `{"messaging_product":"whatsapp","to":"abc","type":"text","text":{"body":"x"}}`, 400, 100},
		{"unknown type", path, `{"messaging_product":"whatsapp","to":"15551234567","type":"hologram","hologram":{}}`, 400, 131051},
		{"text without body", path, `{"messaging_product":"whatsapp","to":"15551234567","type":"text","text":{}}`, 400, 131008},
		{"image without link", path, `{"messaging_product":"whatsapp","to":"15551234567","type":"image","image":{"caption":"x"}}`, 400, 131008},
		{"template without language", path, `{"messaging_product":"whatsapp","to":"15551234567","type":"template","template":{"name":"hello_world"}}`, 400, 131008},
		{"magic 4007", path, `{"messaging_product":"whatsapp","to":"15550004007","type":"template","template":{"name":"x","language":{"code":"en"}}}`, 400, 100},
		{"window", path, cloudText("15551234567"), 400, 131047},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, ans := h.do("POST", tt.path, "application/json", tt.body)
			e, _ := ans["error"].(map[string]any)
			if code != tt.status || e == nil || int(e["code"].(float64)) != tt.code || e["type"] != "OAuthException" || e["fbtrace_id"] == "" {
				t.Fatalf("%d %v, want %d with code %d", code, ans, tt.status, tt.code)
			}
			if !strings.HasPrefix(e["message"].(string), "(#") {
				t.Errorf("message %q is not in Meta's (#code) form", e["message"])
			}
		})
	}
	// a template opens no window but is allowed outside it
	if code, ans := h.do("POST", path, "application/json", `{"messaging_product":"whatsapp","to":"15551234567","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`); code != 200 {
		t.Fatalf("template: %d %v", code, ans)
	}
}

func TestWindowInboundAndClock(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{Window: true, WebhookURL: a.srv.URL})
	path := "/v21.0/106540352242922/messages"
	code, ans := h.do("POST", path, "application/json", `{"messaging_product":"whatsapp","to":"15551234567","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`)
	if code != 200 {
		t.Fatal(code, ans)
	}
	tmplID := ans["messages"].([]any)[0].(map[string]any)["id"].(string)
	// the customer answers the template: context set, window open
	code, ans = h.do("POST", "/_mock/inbound", "application/json", `{"reply_to":"`+tmplID+`","text":"Yes please"}`)
	if code != 202 || ans["api"] != "cloud" {
		t.Fatalf("inbound %d %v", code, ans)
	}
	in := h.next(KindInbound)
	if in.Context != tmplID || in.To != "15551234567" {
		t.Errorf("inbound record %+v", in)
	}
	h.next(KindCallback)
	var incoming callback.Event
	for _, r := range a.requests() {
		if ev := callback.Decode(r)[0]; ev.Kind == "message" {
			incoming = ev
		}
	}
	if incoming.Context == nil || incoming.Context.ID != tmplID || incoming.Text != "Yes please" || incoming.From != "15551234567" {
		t.Fatalf("incoming message %+v", incoming)
	}
	if code, ans := h.do("POST", path, "application/json", cloudText("15551234567")); code != 200 {
		t.Fatalf("inside the window: %d %v", code, ans)
	}
	// 25 hours later the window is closed
	if code, ans := h.do("POST", "/_mock/clock", "application/json", `{"advance":"25h"}`); code != 200 || ans["offset"] != "25h0m0s" {
		t.Fatalf("clock %d %v", code, ans)
	}
	if code, ans := h.do("POST", path, "application/json", cloudText("15551234567")); code != 400 || int(ans["error"].(map[string]any)["code"].(float64)) != 131047 {
		t.Fatalf("outside the window: %d %v", code, ans)
	}
}

func TestKaleyraV2(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{CallbackProfile: a.srv.URL + "/profile", AppSecret: "s3cret"})
	body := `{"messaging_object":{"messaging_product":"whatsapp","to":"919800004001","type":"text","text":{"body":"hi"}},"extra_info":{"ref":"order-4821","ref1":"c"}}`
	code, ans := h.do("POST", "/v2/HXIN1716747969IN/whatsapp/%2B918012340128/messages", "application/json", body)
	if code != 202 || ans["code"] != "WA202" {
		t.Fatalf("%d %v", code, ans)
	}
	id := ans["data"].(map[string]any)["message_id"].(string)
	h.clk.Advance(200 * time.Millisecond)
	h.next(KindCallback)
	h.clk.Advance(time.Second)
	h.next(KindCallback)
	got := a.requests()
	if len(got) != 2 {
		t.Fatalf("%d callbacks", len(got))
	}
	for i, want := range []string{"sent", "failed"} {
		ev := callback.Decode(got[i])[0]
		if ev.Source != "kaleyra-v2" || ev.Status != want || ev.ID != id || ev.Extra["ref"] != "order-4821" || ev.BusinessNumber != "918012340128" {
			t.Errorf("callback %d: %+v", i, ev)
		}
		if want == "failed" && (ev.Error == nil || ev.Error.Code != "131026") {
			t.Errorf("failed callback error %+v", ev.Error)
		}
	}
	for _, bad := range []struct{ body, want string }{
		{`{"extra_info":{}}`, "messaging_object"},
		{`{"messaging_object":{"messaging_product":"whatsapp","to":"x"}}`, "messaging_object.to"},
		{`{`, "body"},
	} {
		code, ans := h.do("POST", "/v2/SID/whatsapp/918012340128/messages", "application/json", bad.body)
		if code != 400 || ans["code"] != "WA400" || ans["error"].(map[string]any)[bad.want] == nil {
			t.Errorf("%s: %d %v", bad.body, code, ans)
		}
	}
}

func TestControlAPIGuards(t *testing.T) {
	h := newHarness(t, Config{})
	h.m.Bound(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4290}, "")
	do := func(method, host, remote, origin string) int {
		r := httptest.NewRequest(method, "http://"+host+"/_mock/reset", strings.NewReader("{}"))
		r.RemoteAddr = remote
		if origin != "" {
			r.Header.Set("Origin", origin)
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		w := httptest.NewRecorder()
		h.m.ServeHTTP(w, r)
		return w.Code
	}
	if c := do("POST", "127.0.0.1:4290", "127.0.0.1:1", ""); c != 200 {
		t.Errorf("loopback reset: %d", c)
	}
	if c := do("POST", "localhost:4290", "[::1]:1", ""); c != 200 {
		t.Errorf("localhost reset: %d", c)
	}
	if c := do("POST", "127.0.0.1:4290", "192.168.1.5:1", ""); c != http.StatusForbidden {
		t.Errorf("remote client: %d", c)
	}
	if c := do("POST", "evil.example:4290", "127.0.0.1:1", ""); c != http.StatusMisdirectedRequest {
		t.Errorf("rebinding Host: %d", c)
	}
	if c := do("POST", "127.0.0.1:4291", "127.0.0.1:1", ""); c != http.StatusMisdirectedRequest {
		t.Errorf("Host naming another port: %d", c)
	}
	if c := do("POST", "127.0.0.1:4290", "127.0.0.1:1", "https://evil.example"); c != http.StatusForbidden {
		t.Errorf("cross-origin write: %d", c)
	}
}

func TestStoreKeep(t *testing.T) {
	s := NewStore(2)
	for _, id := range []string{"a", "b", "c"} {
		s.Add(&Message{ID: id})
	}
	msgs, dropped := s.List()
	if len(msgs) != 2 || msgs[0].ID != "b" || dropped != 1 {
		t.Fatalf("%v dropped %d", msgs, dropped)
	}
	if _, ok := s.Get("a"); ok {
		t.Error("a was kept")
	}
}

func FuzzParseCloudMessage(f *testing.F) {
	f.Add([]byte(cloudText("+15551234567")))
	f.Add([]byte(`{"messaging_product":"whatsapp","to":"15551234567","type":"image","image":{"link":"https://x.example/a.jpg"},"context":{"message_id":"wamid.X"}}`))
	f.Add([]byte(`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cm, e := parseCloudMessage(body)
		if e == nil && !cm.MarkRead && (cm.Digits == "" || !cloudTypes[cm.Type]) {
			t.Fatalf("accepted %+v", cm)
		}
		if e != nil && (e.status < 400 || e.code == 0 || e.reason == "") {
			t.Fatalf("error %+v", e)
		}
	})
}

func TestExchangesHook(t *testing.T) {
	a := newApp(t)
	got := make(chan Exchange, 10)
	h := newHarness(t, Config{WebhookURL: a.srv.URL + "/hook", AppSecret: "s3cret", Exchanges: func(ex Exchange) { got <- ex }})
	body := cloudText("15551234567")
	code, ans := h.do("POST", "/v21.0/106540352242922/messages", "application/json", body, "Authorization", "Bearer x")
	if code != 200 {
		t.Fatal(code, ans)
	}
	api := <-got
	if api.Origin != OriginAPI || string(api.Record.Request.Body) != body || api.Record.Response.Status != 200 ||
		!strings.Contains(api.Record.Response.Body, `"messaging_product":"whatsapp"`) || api.Log.Kind != KindAPICall {
		t.Fatalf("api exchange %+v", api)
	}
	before := time.Now()
	h.clk.Advance(200 * time.Millisecond)
	sent := <-got
	r := sent.Record
	// stamped like the app's calls, by the wall clock, when it went out
	if r.ReceivedAt.Before(before.Add(-time.Second)) || r.ReceivedAt.After(time.Now()) || r.ReceivedAt.Location() != time.UTC {
		t.Errorf("callback exchange ReceivedAt %v, want the time it was sent (about %v)", r.ReceivedAt, before)
	}
	if !api.Record.ReceivedAt.IsZero() && r.ReceivedAt.Before(api.Record.ReceivedAt) {
		t.Errorf("callback stamped %v, before the call that caused it (%v)", r.ReceivedAt, api.Record.ReceivedAt)
	}
	if sent.Log.Time.IsZero() {
		t.Error("the callback's log record has no time")
	}
	if sent.Origin != OriginSent || r.Request.Method != "POST" || r.Request.Path != "/hook" || r.Response.Status != 200 ||
		len(r.Events) != 1 || r.Events[0].Status != "sent" || sent.Log.Kind != KindCallback {
		t.Fatalf("sent exchange %+v", sent)
	}
	if !callback.VerifySignature("s3cret", r.Request.Body, r.Request.Header.Get(callback.SignatureHeader)) {
		t.Error("the exchange does not show the signature sent")
	}
}

// FuzzHandler sends any request to the provider APIs: every one gets an
// answer in JSON, never a panic.
func FuzzHandler(f *testing.F) {
	f.Add("POST", "/v1/SID/messages", "application/x-www-form-urlencoded", []byte("channel=whatsapp&type=text&from=918012340128&to=919812345678&body=Hi&callback_url=https%3A%2F%2Fa.example%2F"))
	f.Add("GET", "/v1/SID/messages?channel=whatsapp&to=%2B9198&type=location&location=%7B%7D", "", []byte(nil))
	f.Add("POST", "/v2/SID/whatsapp/%2B918012340128/messages", "application/json", []byte(`{"messaging_object":{"messaging_product":"whatsapp","to":"919800004008","type":"text","text":{"body":"x"}}}`))
	f.Add("POST", "/v21.0/106540352242922/messages", "application/json", []byte(`{"messaging_product":"whatsapp","to":"15550004005","type":"reaction","reaction":{"message_id":"wamid.X","emoji":"👍"}}`))
	f.Add("PUT", "/v3/x", "text/plain", []byte("?"))
	fxs, err := fixture.Bundled()
	if err != nil {
		f.Fatal(err)
	}
	m, err := New(Config{Clock: newFakeClock(), Catalog: fixture.NewCatalog(fxs), Sender: &sender.Sender{}, Window: true, MaxBody: 1 << 16})
	if err != nil {
		f.Fatal(err)
	}
	defer m.Close()
	f.Fuzz(func(t *testing.T, method, target, ctype string, body []byte) {
		if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "/_mock") {
			return
		}
		r, err := http.NewRequest(method, "http://127.0.0.1:4290"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		r.RemoteAddr = "127.0.0.1:1"
		r.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		m.ServeHTTP(w, r)
		if w.Code < 200 || w.Code > 599 || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: answer %d %q", method, target, w.Code, w.Body)
		}
	})
}

// Meta's wamids are base64 of a record holding the other party's number:
// the mock's encode the actual recipient (and a customer's message, its
// sender), and no two messages share one.
func TestWamidsEncodeTheRecipient(t *testing.T) {
	a := newApp(t)
	h := newHarness(t, Config{WebhookURL: a.srv.URL + "/hook", CallbackProfile: a.srv.URL + "/profile"})
	seen := map[string]bool{}
	for _, to := range []string{"919812345678", "+447700900123", "919812345678"} {
		code, ans := h.do("POST", "/v21.0/106540352242922/messages", "application/json", cloudText(to))
		if code != 200 {
			t.Fatal(code, ans)
		}
		id := ans["messages"].([]any)[0].(map[string]any)["id"].(string)
		if got := fixture.WamidNumber(id); got != strings.TrimPrefix(to, "+") {
			t.Errorf("Cloud message to %s: id %s encodes %q", to, id, got)
		}
		if seen[id] {
			t.Errorf("id %s given twice", id)
		}
		seen[id] = true
	}
	code, ans := h.do("POST", "/v2/SID/whatsapp/918012340128/messages", "application/json",
		`{"messaging_object":{"messaging_product":"whatsapp","to":"919800001234","type":"text","text":{"body":"hi"}}}`)
	if code != 202 {
		t.Fatal(code, ans)
	}
	if id := ans["data"].(map[string]any)["message_id"].(string); fixture.WamidNumber(id) != "919800001234" {
		t.Errorf("v2 message id %s encodes %q", id, fixture.WamidNumber(id))
	}
	code, ans = h.do("POST", "/_mock/inbound", "application/json", `{"api":"cloud","from":"14155550100","text":"hi"}`)
	if code != 202 {
		t.Fatal(code, ans)
	}
	if id, _ := ans["id"].(string); fixture.WamidNumber(id) != "14155550100" {
		t.Errorf("customer message id %s encodes %q", id, fixture.WamidNumber(id))
	}
	h.next(KindCallback)
	for _, r := range a.requests() {
		if ev := callback.Decode(r)[0]; ev.Kind == "message" && fixture.WamidNumber(ev.ID) != "14155550100" {
			t.Errorf("the webhook's message id %s encodes %q", ev.ID, fixture.WamidNumber(ev.ID))
		}
	}
}

// metadataOf is the metadata of a Cloud webhook body.
func metadataOf(t *testing.T, body []byte) (phoneNumberID, display string) {
	t.Helper()
	var wh struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Metadata struct {
						Display string `json:"display_phone_number"`
						ID      string `json:"phone_number_id"`
					} `json:"metadata"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &wh); err != nil || len(wh.Entry) == 0 || len(wh.Entry[0].Changes) == 0 {
		t.Fatalf("webhook body %s: %v", body, err)
	}
	md := wh.Entry[0].Changes[0].Value.Metadata
	return md.ID, md.Display
}

// An app that routes webhooks by phone_number_id sees its own: the one of
// the path the message was sent on, with the configured display number.
func TestCloudWebhooksNameTheAppsNumber(t *testing.T) {
	for _, tt := range []struct {
		name, display, wantDisplay string
	}{
		{"display number configured", "14155550123", "14155550123"},
		{"none: the test number", "", DefaultDisplayNumber},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t)
			h := newHarness(t, Config{WebhookURL: a.srv.URL + "/hook", DisplayNumber: tt.display})
			code, ans := h.do("POST", "/v21.0/230000000000001/messages", "application/json", cloudText("919812345678"))
			if code != 200 {
				t.Fatal(code, ans)
			}
			h.clk.Advance(200 * time.Millisecond)
			h.next(KindCallback)
			// a customer writes unprompted: to the number the app last sent from
			if code, ans := h.do("POST", "/_mock/inbound", "application/json", `{"from":"919812345678","text":"hi"}`); code != 202 {
				t.Fatal(code, ans)
			}
			h.next(KindCallback)
			// or to the one named
			if code, ans := h.do("POST", "/_mock/inbound", "application/json", `{"from":"919812345678","text":"hi","phone_number_id":"230000000000002"}`); code != 202 {
				t.Fatal(code, ans)
			}
			h.next(KindCallback)
			got := a.requests()
			if len(got) != 3 {
				t.Fatalf("%d webhooks", len(got))
			}
			for i, want := range []string{"230000000000001", "230000000000001", "230000000000002"} {
				id, display := metadataOf(t, got[i].Body)
				if id != want || display != tt.wantDisplay {
					t.Errorf("webhook %d: phone_number_id %q, display_phone_number %q; want %s, %s", i, id, display, want, tt.wantDisplay)
				}
			}
		})
	}
	if code, ans := newHarness(t, Config{}).do("POST", "/_mock/inbound", "application/json", `{"api":"cloud","from":"919812345678","phone_number_id":"x"}`); code != 400 {
		t.Errorf("a phone_number_id that is no id: %d %v", code, ans)
	}
	if _, err := New(Config{DisplayNumber: "call me", Catalog: fixture.NewCatalog(nil), Sender: &sender.Sender{}}); err == nil {
		t.Error("a display number that is no phone number was accepted")
	}
}
