package callback

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/internal/jsonspan"
)

// tokenMarker is a verify token the fuzzers add to inputs; it must never
// appear in an event.
const tokenMarker = "Tq7Marker9VerifyTok"

// checkFuzzEvents asserts the decoder's contract on any input.
func checkFuzzEvents(t *testing.T, evs []Event) {
	t.Helper()
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	for i, ev := range evs {
		if ev.Schema != Schema || ev.Source == "" || ev.Kind == "" {
			t.Fatalf("event %d lacks schema/source/kind: %+v", i, ev)
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("event %d does not marshal: %v (raw %q)", i, err, ev.Raw)
		}
		if strings.Contains(string(b), tokenMarker) {
			t.Fatalf("event %d leaks the verify token: %s", i, b)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"w","type":"text","text":{"body":"hi"}}]}}]}]}`))
	f.Add([]byte(`{"messages":[{"from":"1","id":"m","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"b","title":"t"},}}]}`))
	f.Add([]byte(`{"meta_object":{"value":{"statuses":[{"id":"s","status":"sent"}]},"field":"messages"},"extra_info":{"ref":"r"},"status":"sent",}`))
	f.Add([]byte(`{"id":"a:0","status":"delivered","timestamp":"1700000000","mobile":"91"}`))
	f.Add([]byte(`[{"a":1]`))
	f.Add([]byte("{\"a\":\"\xff\"}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := Request{Method: "POST", Body: body, Header: http.Header{"Content-Type": {"application/json"}}}
		evs := decode(req)
		checkFuzzEvents(t, evs)
		// Whatever decodes strictly must keep raw as exact sub-slices.
		if _, err := jsonspan.Parse(body); err == nil && json.Valid(body) {
			for _, ev := range evs {
				if len(ev.Raw) > 0 && ev.Kind != KindVerification && ev.DecodeError == "" &&
					ev.Source != SourceKaleyraV1 && !strings.Contains(string(body), string(ev.Raw)) {
					t.Fatalf("raw %q is not part of the body", ev.Raw)
				}
			}
		}
	})
}

func FuzzDecodeQuery(f *testing.F) {
	f.Add("id=a2d4ef99-fa14-4487-ab3a-d245b65611a4%3A2&phone_number=%20%20+1202XXXXXXX&status=delivered&timestamp=1580972783")
	f.Add(`from=91&type=image&message=[{"from":"9","profile":{"name":"t "}]&media_url=https://x/y.jpg&wanumber=1`)
	f.Add("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock")
	f.Add("display_phone_number=16505551111&event=FLAGGED&current_limit=TIER_10K")
	f.Add("id=%22x%22&event=%22APPROVED%22&message_template_id=%221%22")
	f.Add("a=%zz&b=%&c=%4")
	f.Fuzz(func(t *testing.T, q string) {
		checkFuzzEvents(t, decode(Request{Method: "GET", RawQuery: q}))
		if !strings.Contains(q, "Marker") {
			checkFuzzEvents(t, decode(Request{Method: "GET", RawQuery: q + "&hub.verify_token=" + tokenMarker}))
			checkFuzzEvents(t, decode(Request{Method: "GET", RawQuery: "hub.verify_token=" + tokenMarker + "&" + q}))
		}
	})
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add("GET", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=x", "", []byte(nil))
	f.Add("POST", "", "application/json", []byte(`{"statuses":[{"id":"a","status":"read"}]}`))
	f.Add("POST", "", "application/x-www-form-urlencoded", []byte("id=1&status=sent&mobile=%2B1"))
	f.Add("POST", "id=1&status=sent", "text/xml", []byte("<a/>"))
	f.Add("PUT", "", "", []byte("id=1&status=sent"))
	f.Add("POST", "", "application/json; charset=utf-8", []byte(`{"hub.verify_token":"t","hub.mode":"subscribe"}`))
	f.Fuzz(func(t *testing.T, method, query, ct string, body []byte) {
		h := http.Header{}
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		req := Request{Method: method, RawQuery: query, Header: h, Body: body}
		checkFuzzEvents(t, decode(req))
		if !strings.Contains(query, "Marker") && !strings.Contains(string(body), "Marker") {
			req.RawQuery = "hub.verify_token=" + tokenMarker + "&" + query
			checkFuzzEvents(t, decode(req))
		}
	})
}

// FuzzRepairJSON checks the repair: what it makes of invalid JSON is valid
// when the parser accepts it, and it leaves valid JSON unchanged.
func FuzzRepairJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2,{"a":"b"}]`, `{"a":1,}`, `[{"a":1]`, `"\ud83d\ude2e"`, `-0.5e+1`, `{"a":"x`, `01`, ` null `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) {
			return
		}
		out, what, ok := repairJSON(b)
		if _, err := jsonspan.Parse(b); err != nil {
			if ok {
				if _, err2 := jsonspan.Parse(out); err2 == nil && !json.Valid(out) {
					t.Fatalf("repair output accepted but invalid: %q", out)
				}
			}
			return
		}
		if !ok || string(out) != string(b) || what != "" {
			t.Fatalf("repair changed valid JSON %q into %q (%s, %v)", b, out, what, ok)
		}
	})
}

// FuzzUnixTime checks the timestamp reader: it gives either an RFC 3339
// time or a reason, never both and never neither.
func FuzzUnixTime(f *testing.F) {
	for _, s := range []string{"1580972783", "1580972783123", "1580972783123456", "1580972783.25", "1.5e9", "-5", "abc", "", "1e999", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, problem := unixTime(s)
		if (ts == "") == (problem == "") {
			t.Fatalf("unixTime(%q) = %q, %q: want exactly one", s, ts, problem)
		}
		if ts != "" {
			if _, err := time.Parse(time.RFC3339, ts); err != nil {
				t.Fatalf("unixTime(%q) = %q: %v", s, ts, err)
			}
		} else if !strings.HasPrefix(problem, "timestamp ") {
			t.Fatalf("unixTime(%q) problem %q does not name the timestamp", s, problem)
		}
	})
}
