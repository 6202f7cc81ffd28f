package redact

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

var key = []byte("test-key")

func TestConsistentTokens(t *testing.T) {
	r := New(key)
	if a, b := r.Phone("+1 (631) 555-1234"), r.Phone("16315551234"); a != b {
		t.Errorf("same number masks differently: %s vs %s", a, b)
	}
	if a, b := r.Phone("16315551234"), r.Phone("16315551235"); a == b {
		t.Errorf("different numbers mask alike: %s", a)
	}
	if got := r.Phone("16315551234"); !strings.HasPrefix(got, "phone:") || strings.Contains(got, "1234") {
		t.Errorf("Phone = %q", got)
	}
	if got := r.Text("hello"); !strings.HasSuffix(got, "(5 chars)") || strings.Contains(got, "hello") {
		t.Errorf("Text = %q", got)
	}
	a, b := New(key), New(key)
	if a.Name("Kerry") != b.Name("Kerry") {
		t.Error("same key, different tokens")
	}
	c, d := New(nil), New(nil)
	if c.Name("Kerry") == d.Name("Kerry") {
		t.Error("random keys should give different tokens")
	}
	if r.Phone("") != "" || r.Name("") != "" || r.Text("") != "" {
		t.Error("empty values should stay empty")
	}
}

func TestJSON(t *testing.T) {
	r := New(key)
	tests := []struct {
		name     string
		in       string
		mustNot  []string // personal data that must be gone
		mustKeep []string // structure and ids that must stay
	}{
		{
			name:     "cloud message",
			in:       `{"object":"whatsapp_business_account","entry":[{"id":"123","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"1122"},"contacts":[{"profile":{"name":"Kerry Fisher"},"wa_id":"16315551234"}],"messages":[{"from":"16315551234","id":"wamid.ABC","timestamp":"1697043223","text":{"body":"my card is 4111"},"type":"text"}]},"field":"messages"}]}]}`,
			mustNot:  []string{"Kerry", "16315551234", "15550001111", "my card"},
			mustKeep: []string{`"id":"wamid.ABC"`, `"phone_number_id":"1122"`, `"type":"text"`, `"timestamp":"1697043223"`, `{"object":"whatsapp_business_account","entry":[`},
		},
		{
			name:     "status with recipient and errors",
			in:       `{"statuses":[{"id":"gBGG","recipient_id":"12015551797","status":"failed","errors":[{"code":470,"title":"window"}]}]}`,
			mustNot:  []string{"12015551797"},
			mustKeep: []string{`"code":470`, `"title":"window"`, `"status":"failed"`},
		},
		{
			name:     "mentions and contacts card",
			in:       `{"messages":[{"context":{"mentions":["16315551000"]},"contacts":[{"name":{"first_name":"Kerry","formatted_name":"Kerry Fisher"},"phones":[{"phone":"+1 (940) 555-1234","wa_id":"19405551234"}],"emails":[{"email":"k@example.com"}]}]}]}`,
			mustNot:  []string{"16315551000", "Kerry", "555-1234", "19405551234", "k@example.com"},
			mustKeep: []string{`"mentions":["phone:`},
		},
		{
			name:     "numbers stay exact but coordinates are rounded",
			in:       `{"location":{"latitude":38.9806263495,"longitude":-131.9428612257,"name":"Beach"},"big":123456789012345678901234567890}`,
			mustNot:  []string{"Beach", "38.9806263495", "131.9428612257"},
			mustKeep: []string{`"latitude":38.98,"longitude":-131.94`, "123456789012345678901234567890"},
		},
		{
			name:     "group status names the participant who read it",
			in:       `{"statuses":[{"id":"wamid.GS","status":"read","recipient_id":"120363000000000001","recipient_type":"group","recipient_participant_id":"5215500000009"}]}`,
			mustNot:  []string{"5215500000009", "120363000000000001"},
			mustKeep: []string{`"recipient_type":"group"`, `"status":"read"`},
		},
		{
			name:     "kaleyra flat profile",
			in:       `{"id":"ad97e:0","status":"delivered","mobile":"919812345683","phone_number":"919812345683","message":"Message delivered"}`,
			mustNot:  []string{"919812345683"},
			mustKeep: []string{`"id":"ad97e:0"`, `"message":"Message delivered"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := r.JSON([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(out) {
				t.Fatalf("invalid JSON out: %s", out)
			}
			checkMasked(t, string(out), tt.mustNot, tt.mustKeep)
		})
	}
}

// Output is compact and keeps key order, duplicate keys, numbers as
// written and untouched strings' meaning; strings are written as
// encoding/json writes them without HTML escaping.
func TestJSONKeepsTheRest(t *testing.T) {
	r := New(key)
	in := ` { "z" : [ 1.50 , -0 , true , false , null , { } , [ ] ] , "a" : "<b> & \u00e9\u2028" , "a" : "x" , "id":"wamid\/1" } `
	want := `{"z":[1.50,-0,true,false,null,{},[]],"a":"<b> & é\u2028","a":"x","id":"wamid/1"}`
	out, err := r.JSON([]byte(in))
	if err != nil || string(out) != want {
		t.Errorf("JSON = %s (%v), want %s", out, err, want)
	}
}

func TestJSONErrors(t *testing.T) {
	r := New(key)
	for _, in := range []string{`{"a":`, `{"a":1} x`, strings.Repeat("[", 500) + strings.Repeat("]", 500)} {
		if _, err := r.JSON([]byte(in)); err == nil {
			t.Errorf("JSON(%.20q) succeeded", in)
		}
	}
}

func TestQueryAndBody(t *testing.T) {
	r := New(key)
	q := `id=a2d4%3A0&phone_number=%20%20+12025550143&status=delivered&from=919901819819&name=test&body=hi+there&message=%5B%7B%22from%22%3A%22919901819819%22%2C%22profile%22%3A%7B%22name%22%3A%22test%22%7D%7D%5D`
	out, ok := r.Query(q)
	if !ok {
		t.Fatal("query did not parse")
	}
	vals, _ := url.ParseQuery(out)
	if vals.Get("status") != "delivered" || vals.Get("id") != "a2d4:0" {
		t.Errorf("kept values changed: %v", vals)
	}
	if vals.Get("phone_number") != r.Phone("12025550143") {
		t.Errorf("phone_number = %q", vals.Get("phone_number"))
	}
	for _, s := range []string{"919901819819", "hi there", "12025550143"} {
		if strings.Contains(out, url.QueryEscape(s)) || strings.Contains(out, s) {
			t.Errorf("%q still in %s", s, out)
		}
	}
	if strings.Contains(vals.Get("message"), "test") {
		t.Errorf("name inside message JSON not masked: %s", vals.Get("message"))
	}

	// Malformed JSON falls back to masking digit runs.
	body := r.Body([]byte(`{"from":"919901819819","text":{"body":"x"`), "application/json")
	if strings.Contains(string(body), "919901819819") {
		t.Errorf("digits not masked in malformed body: %s", body)
	}
	// Form bodies are masked like queries.
	form := r.Body([]byte("mobile=919812345678&status=read"), "application/x-www-form-urlencoded")
	if strings.Contains(string(form), "919812345678") || !strings.Contains(string(form), "status=read") {
		t.Errorf("form = %s", form)
	}
	// A key is known without the white space around it: an app that
	// echoes a form after a line break still has its words masked.
	echoed := r.Body([]byte("\nbody=Yes+please&status=read"), "application/x-www-form-urlencoded")
	if strings.Contains(string(echoed), "Yes") || !strings.Contains(string(echoed), "status=read") {
		t.Errorf("echoed form = %s", echoed)
	}
}

func TestEvent(t *testing.T) {
	r := New(key)
	lat := 1.5
	e := callback.Event{
		From: "16315551234", To: "12015551797", Name: "Kerry", Text: "secret",
		Media:    &callback.Media{Caption: "photo of me", ID: "m1"},
		Location: &callback.Location{Latitude: &lat, Name: "Home", Address: "1 Main St"},
		Context:  &callback.Context{From: "16315558011", ID: "wamid.X", Mentions: []string{"16315551000"}},
		Extra:    map[string]string{"phone_number": "12025550143", "ref": "order-42"},
		Raw:      json.RawMessage(`{"from":"16315551234","text":{"body":"secret"}}`),
		ID:       "wamid.KEEP",
	}
	orig := e.Media
	r.Event(&e)
	b, _ := json.Marshal(e)
	for _, s := range []string{"16315551234", "12015551797", "Kerry", "secret", "photo of me", "Home", "1 Main St", "16315558011", "16315551000", "12025550143"} {
		if strings.Contains(string(b), s) {
			t.Errorf("%q still in %s", s, b)
		}
	}
	for _, s := range []string{"wamid.KEEP", "order-42", "wamid.X", `"id":"m1"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("%q lost from %s", s, b)
		}
	}
	if orig.Caption != "photo of me" {
		t.Error("Event changed a shared Media value")
	}
}

func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"from":"1","a":[{"name":"x"}],"n":1.5e3}`))
	f.Add([]byte(`[[[{"message":"[{\"from\":\"123\"}]"}]]]`))
	f.Add([]byte(`{"a":`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := New(key)
		out, err := r.JSON(in)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("JSON(%q) = %q, not valid JSON", in, out)
		}
		_ = r.Body(in, "")
	})
}

// Every kind of personal value is masked wherever the decoder shows it,
// and what identifies events stays.
func TestEventMasksEveryPersonalField(t *testing.T) {
	r := New(key)
	lat, lng := 37.4611978, -122.2164385
	e := callback.Event{
		ID: "wamid.KEEP", Type: "interactive", Status: "read", Timestamp: "2025-11-24T10:26:40Z",
		From: "16505551234", To: "15550001111", BusinessNumber: "15550783881", Name: "Sheena Nelson",
		FromUserID: "US.13491208655302741918", FromParentUserID: "US.ENT.11815799212886844830",
		ToUserID: "US.99", ToParentUserID: "US.ENT.98",
		Text:     "Row title",
		Media:    &callback.Media{ID: "1234567890987654321", Caption: "my cat", Filename: "Passport scan.pdf", URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=123&ext=1&hash=ATsecret", MimeType: "application/pdf"},
		Location: &callback.Location{Latitude: &lat, Longitude: &lng, Name: "Facebook HQ", Address: "1 Hacker Way, Menlo Park", URL: "https://maps.google.com/?cid=2000000000000000000"},
		Reply:    &callback.Reply{Kind: "list_reply", ID: "row_1", Title: "Row title", Description: "Row description"},
		Contacts: []callback.SharedContact{{Name: "Chandler Bing", Phones: []string{"+1 555-555-5555", "972987654321"}}},
		Reaction: &callback.Reaction{MessageID: "wamid.TARGET", Emoji: "😮"},
		Extra:    map[string]string{"mobile": "919812345683", "user_id": "MX.0987654321", "wa_id": "972912345678", "ref": "order-42", "waba_id": "102290129340398"},
	}
	r.Event(&e)
	b, _ := json.Marshal(e)
	out := string(b)
	for _, s := range []string{"16505551234", "15550001111", "15550783881", "Sheena", "US.13491208655302741918", "US.ENT.11815799212886844830",
		"US.99", "US.ENT.98", "Row title", "my cat", "Passport scan", "mid=123", "ATsecret", "37.4611978", "122.2164385", "Facebook HQ",
		"Hacker Way", "cid=2000000000000000000", "Row description", "Chandler", "555-5555", "972987654321", "😮", "919812345683", "MX.0987654321", "972912345678"} {
		if strings.Contains(out, s) {
			t.Errorf("%q still in %s", s, out)
		}
	}
	for _, s := range []string{`"id":"wamid.KEEP"`, `"type":"interactive"`, `"status":"read"`, `"timestamp":"2025-11-24T10:26:40Z"`,
		`"id":"1234567890987654321"`, `"latitude":37.46`, `"longitude":-122.22`, `"id":"row_1"`, `"message_id":"wamid.TARGET"`,
		`"ref":"order-42"`, `"waba_id":"102290129340398"`, `"mime_type":"application/pdf"`, `https://lookaside.fbsbx.com/whatsapp_business/attachments/?query:`,
		`.pdf"`, `"url":"https://maps.google.com/?query:`} {
		if !strings.Contains(out, s) {
			t.Errorf("%q lost from %s", s, out)
		}
	}
	if e.Text != e.Reply.Title {
		t.Errorf("the same text masks differently: %q and %q", e.Text, e.Reply.Title)
	}

	// A template button's id is its payload: masked to the same token,
	// so replies can still be routed on reply.id.
	b2 := callback.Event{Reply: &callback.Reply{Kind: "button", ID: "STOP_PROMOS_919812345683", Payload: "STOP_PROMOS_919812345683", Title: "Stop"}}
	r.Event(&b2)
	if b2.Reply.ID != b2.Reply.Payload || strings.Contains(b2.Reply.ID, "STOP") {
		t.Errorf("button reply %+v", b2.Reply)
	}
}

// Payloads are masked by key and by where the key sits: a reply's title is
// the customer's, an error's title stays.
func TestJSONByContext(t *testing.T) {
	r := New(key)
	tests := []struct {
		name     string
		in       string
		mustNot  []string
		mustKeep []string
	}{
		{"reply titles and descriptions", `{"interactive":{"type":"list_reply","list_reply":{"id":"row_1","title":"Visit on Friday","description":"at my home"}},"errors":[{"code":131051,"title":"Message type unknown"}]}`,
			[]string{"Visit on Friday", "at my home"}, []string{`"id":"row_1"`, `"title":"Message type unknown"`}},
		{"button text and payload", `{"type":"button","button":{"payload":"yes-919812345683","text":"Yes please"}}`,
			[]string{"yes-919812345683", "Yes please"}, []string{`"type":"button"`}},
		{"contact card", `{"contacts":[{"name":{"formatted_name":"Chandler Bing"},"org":{"company":"Central Perk","title":"Manager"},"phones":[{"phone":"+1 555-555-5555","wa_id":"15555555555"}],"urls":[{"url":"https://example.com/p?u=chandler"}]}]}`,
			[]string{"Chandler", "Central Perk", "Manager", "555-5555", "15555555555", "u=chandler"}, []string{`"url":"https://example.com/p?query:`}},
		{"user ids", `{"contacts":[{"user_id":"US.1349","parent_user_id":"US.ENT.118"}],"messages":[{"from_user_id":"US.1349","id":"wamid.X"}],"statuses":[{"recipient_user_id":"US.77"}]}`,
			[]string{"US.1349", "US.ENT.118", "US.77"}, []string{`"id":"wamid.X"`, `"user_id":"user:`}},
		{"media", `{"document":{"id":"123456789","filename":"Lease contract.pdf","link":"https://cdn.example.com/f.pdf?sig=abc"}}`,
			[]string{"Lease contract", "sig=abc"}, []string{`"id":"123456789"`, `https://cdn.example.com/f.pdf?query:`}},
		{"history thread", `{"history":[{"threads":[{"id":"16505551234","messages":[{"id":"wamid.H","text":{"body":"old words"}}]}]}]}`,
			[]string{"16505551234", "old words"}, []string{`"id":"wamid.H"`}},
		{"kaleyra incoming profile message", `{"from":"919812345678","type":"text","message":"call me at 9am"}`,
			[]string{"919812345678", "call me"}, []string{`"type":"text"`}},
		{"reaction and flow answers", `{"reaction":{"message_id":"wamid.T","emoji":"❤️"},"nfm_reply":{"name":"address_message","response_json":"{\"city\":\"Haifa\"}"}}`,
			[]string{"❤️", "Haifa"}, []string{`"message_id":"wamid.T"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := r.JSON([]byte(tt.in))
			if err != nil || !json.Valid(out) {
				t.Fatalf("JSON: %s %v", out, err)
			}
			checkMasked(t, string(out), tt.mustNot, tt.mustKeep)
			// Broken JSON is masked alike, member by member.
			checkMasked(t, string(r.Payload([]byte(tt.in[:len(tt.in)-1]+",,"))), tt.mustNot, nil)
		})
	}
}

// Bodies and queries Kaleyra really sends: its documented seed query with
// unencoded, malformed JSON, invalid escapes, form and XML bodies.
func TestBodiesAsSent(t *testing.T) {
	r := New(key)
	tests := []struct {
		name, contentType, in string
		mustNot, mustKeep     []string
	}{
		{"seed query with unencoded malformed JSON", "",
			`body=&phone_number=%20%20+1202XXXXXXX&company_id=Z5XXXX8&from=919XXXXX9019&media_name=9019fee8.jpg&message=[{"from":"91XXXXX99819","url":"https://x/y.jpg","type":"image","profile":{"name":"test person","wa_number":"919901819819"}]&mobile=91XXXXXXX919&name=test+person&type=image&wanumber=918XXXXX0128`,
			[]string{"919XXXXX9019", "91XXXXX99819", "test person", "test+person", "919901819819", "91XXXXXXX919", "918XXXXX0128", "1202XXXXXXX", "9019fee8"},
			[]string{"company_id=Z5XXXX8", "type=image"}},
		{"invalid escape", "application/x-www-form-urlencoded", `from=919812345678&name=Ravi%zzKumar&body=hello+there&status=x`,
			[]string{"919812345678", "Ravi", "hello"}, []string{"status=x"}},
		{"verify token", "", `hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock`,
			[]string{"meatyhamhock"}, []string{"hub.challenge=1158201444"}},
		{"kaleyra status message stays", "", `id=a%3A0&status=delivered&mobile=919812345683&message=Message+delivered`,
			[]string{"919812345683"}, []string{"message=Message+delivered", "id=a%3A0"}},
		{"XML profile body", "application/xml", `<?xml version="1.0"?><callback><from>919812345678</from><name>Ravi &amp; Co</name><body>see you</body><type>text</type><id>k1:0</id></callback>`,
			[]string{"919812345678", "Ravi", "see you"}, []string{"<type>text</type>", "<id>k1:0</id>", "<?xml"}},
		{"multipart profile body", "multipart/form-data; boundary=XyZ",
			"--XyZ\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\n919812345678\r\n--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nsee you at 5\r\n--XyZ\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ntext\r\n--XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"My passport.pdf\"\r\n\r\nbytes 919812345678\r\n--XyZ--\r\n",
			[]string{"919812345678", "see you", "My passport"}, []string{"--XyZ", "name=\"type\"\r\n\r\ntext\r\n", ".pdf"}},
		{"kaleyra v2 body", "application/json", `{"meta_object":{"field":"messages","value":{"contacts":[{"profile":{"name":"Samuel"},"wa_id":"919740776505"}],"messages":[{"from":"919740776505","id":"wamid.K","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"1","title":"First row","description":"its description"}}}]}},"extra_info":{"ref":"campaign"}}`,
			[]string{"Samuel", "919740776505", "First row", "its description"}, []string{`"ref":"campaign"`, `"id":"wamid.K"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out string
			if tt.contentType == "" {
				out, _ = r.Query(tt.in)
			} else {
				out = string(r.Body([]byte(tt.in), tt.contentType))
			}
			checkMasked(t, out, tt.mustNot, tt.mustKeep)
		})
	}
}

func TestURLAndFile(t *testing.T) {
	r := New(key)
	tests := []struct{ in, prefix string }{
		{"https://example.com/a/b.jpg", "https://example.com/a/b.jpg"},
		{"https://u:p@example.com/a?x=1#f", "https://example.com/a?query:"},
		{"not a url", "text:"},
	}
	for _, tt := range tests {
		if got := r.URL(tt.in); !strings.HasPrefix(got, tt.prefix) || (tt.in != tt.prefix && strings.Contains(got, "x=1")) {
			t.Errorf("URL(%q) = %q", tt.in, got)
		}
	}
	for in, suffix := range map[string]string{"report.pdf": ".pdf", "no extension": "", "x.toolongext": "", "weird.p df": ""} {
		got := r.File(in)
		if !strings.HasPrefix(got, "file:") || !strings.HasSuffix(got, suffix) || strings.Contains(got, strings.TrimSuffix(in, suffix)) {
			t.Errorf("File(%q) = %q", in, got)
		}
	}
	if Coord(12.345) != 12.35 && Coord(12.345) != 12.34 || Coord(-122.2164385) != -122.22 {
		t.Errorf("Coord: %v %v", Coord(12.345), Coord(-122.2164385))
	}
}

func FuzzBody(f *testing.F) {
	f.Add([]byte(`{"from":"919812345678","text":{"body":"x"`), "application/json")
	f.Add([]byte(`from=919812345678&message=[{"profile":{"name":"t"}]&x=%zz`), "")
	f.Add([]byte(`<a><from>919812345678</from><b x="1"/><name>n</name></a>`), "text/xml")
	f.Add([]byte(`{"location":{"latitude":1e400,"longitude":"-"}}`), "")
	f.Add([]byte(`"\`), "")
	f.Fuzz(func(t *testing.T, in []byte, contentType string) {
		r := New(key)
		out := r.Body(in, contentType)
		if json.Valid(in) && len(bytes.TrimSpace(in)) > 0 && (bytes.TrimSpace(in)[0] == '{' || bytes.TrimSpace(in)[0] == '[') && !json.Valid(out) {
			t.Fatalf("Body(%q) = %q, not valid JSON", in, out)
		}
		_ = r.Payload(in)
		_, _ = r.Query(string(in))
	})
}

// checkMasked fails for each of mustNot found in out (as is or
// query-escaped) and each of mustKeep missing from it.
func checkMasked(t *testing.T, out string, mustNot, mustKeep []string) {
	t.Helper()
	for _, s := range mustNot {
		if strings.Contains(out, s) || strings.Contains(out, url.QueryEscape(s)) {
			t.Errorf("%q still in %s", s, out)
		}
	}
	for _, s := range mustKeep {
		if !strings.Contains(out, s) {
			t.Errorf("%q lost from %s", s, out)
		}
	}
}
