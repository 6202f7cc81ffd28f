package redact

import (
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
			name:     "numbers stay exact",
			in:       `{"location":{"latitude":38.9806263495,"longitude":-131.9428612257,"name":"Beach"},"big":123456789012345678901234567890}`,
			mustNot:  []string{"Beach"},
			mustKeep: []string{"38.9806263495", "123456789012345678901234567890"},
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
			for _, s := range tt.mustNot {
				if strings.Contains(string(out), s) {
					t.Errorf("%q still in %s", s, out)
				}
			}
			for _, s := range tt.mustKeep {
				if !strings.Contains(string(out), s) {
					t.Errorf("%q lost from %s", s, out)
				}
			}
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
