package callback

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func jsonReq(body string) Request {
	return Request{Method: "POST", Body: []byte(body), Header: http.Header{"Content-Type": {"application/json"}}}
}

// Hostile and unusual requests: never a panic, always an event that says
// what went wrong.
func TestDecodeEdgeCases(t *testing.T) {
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	deepObj := `{"messages":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}`
	tests := []struct {
		name string
		req  Request
		want []string
	}{
		{"empty request", Request{Method: "POST"},
			[]string{`{"source":"unknown","kind":"unknown","decode_error":"empty request: no query string and no body","raw":null}`}},
		{"whitespace body", Request{Method: "POST", Body: []byte(" \n\t ")},
			[]string{`{"source":"unknown","kind":"unknown","decode_error":"empty request: no query string and no body"}`}},
		{"empty json body", jsonReq(""),
			[]string{`{"kind":"unknown","decode_error":"empty request: no query string and no body"}`}},
		{"json content type, not json", jsonReq("hello"),
			[]string{`{"source":"unknown","kind":"unknown","decode_error":"invalid JSON at byte 0: unexpected character 'h'; could not be repaired","raw":"hello"}`}},
		{"non-utf8 json body", jsonReq("{\"messages\":[{\"from\":\"1\",\"id\":\"x\",\"type\":\"text\",\"text\":{\"body\":\"caf\xe9\"}}]}"),
			[]string{`{"source":"onprem","kind":"message","type":"text","text":"caf\ufffd","decode_error":"body is not valid UTF-8 (first invalid byte at offset 67); invalid bytes replaced with U+FFFD"}`}},
		{"binary garbage", Request{Method: "POST", Body: []byte{0xff, 0xfe, 0x00, 0x01}, Header: http.Header{"Content-Type": {"application/octet-stream"}}},
			[]string{`{"source":"unknown","kind":"unknown","decode_error":"unrecognised body (content type application/octet-stream): neither JSON nor form data","raw":"\ufffd\ufffd\u0000\u0001"}`}},
		{"xml body", Request{Method: "POST", Body: []byte(`<status id="1">sent</status>`), Header: http.Header{"Content-Type": {"text/xml"}}},
			[]string{`{"source":"unknown","kind":"unknown","decode_error":null,"raw":"<status id=\"1\">sent</status>"}`}},
		{"xml K1 status", Request{Method: "POST", Body: []byte("<?xml version=\"1.0\"?>\n<callback>\n  <id>ad97e1b2:0</id>\n  <status>Delivered</status>\n  <timestamp>1700000000</timestamp>\n  <mobile>919812345683</mobile>\n  <meta><ref>r1</ref></meta>\n</callback>"), Header: http.Header{"Content-Type": {"application/xml"}}},
			[]string{`{"source":"kaleyra-v1","kind":"status","status":"delivered","id":"ad97e1b2:0","to":"919812345683","timestamp":"2023-11-14T22:13:20Z","extra":{"ref":"r1"},"raw":"<?xml version=\"1.0\"?>\n<callback>\n  <id>ad97e1b2:0</id>\n  <status>Delivered</status>\n  <timestamp>1700000000</timestamp>\n  <mobile>919812345683</mobile>\n  <meta><ref>r1</ref></meta>\n</callback>","decode_error":null}`}},
		{"xml verify token masked", Request{Method: "POST", Body: []byte("<a><hub.mode>subscribe</hub.mode><hub.verify_token>xml-secret-1</hub.verify_token></a>")},
			[]string{`{"kind":"verification","raw":{"hub.verify_token":"[redacted]"}}`}},
		{"broken xml", Request{Method: "POST", Body: []byte("<a><id>1</id><status>sent</status"), Header: http.Header{"Content-Type": {"text/xml"}}},
			[]string{`{"source":"kaleyra-v1","kind":"status","id":"1","status":"sent","decode_error":"XML body: XML syntax error on line 1: unexpected EOF"}`}},
		{"xml without elements", Request{Method: "POST", Body: []byte("<!-- nothing -->"), Header: http.Header{"Content-Type": {"text/xml"}}},
			[]string{`{"source":"unknown","kind":"unknown","decode_error":"XML body: no elements"}`}},
		{"multipart K1 incoming", Request{Method: "POST", Body: []byte("--XyZ\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\n919812345678\r\n--XyZ\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ntext\r\n--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nHello & welcome\r\n--XyZ\r\nContent-Disposition: form-data; name=\"wanumber\"\r\n\r\n918012340128\r\n--XyZ--\r\n"), Header: http.Header{"Content-Type": {"multipart/form-data; boundary=XyZ"}}},
			[]string{`{"source":"kaleyra-v1","kind":"message","type":"text","from":"919812345678","text":"Hello & welcome","business_number":"918012340128","decode_error":null}`}},
		{"multipart without boundary", Request{Method: "POST", Body: []byte("--a\r\n"), Header: http.Header{"Content-Type": {"multipart/form-data"}}},
			[]string{`{"source":"unknown","kind":"unknown","decode_error":"multipart body: no boundary in the content type"}`}},
		{"form body labelled JSON", Request{Method: "POST", Body: []byte("id=abc%3A0&status=read&mobile=%2B15550001"), Header: http.Header{"Content-Type": {"application/json"}}},
			[]string{`{"source":"kaleyra-v1","kind":"status","status":"read","id":"abc:0","to":"+15550001","decode_error":"content type application/json but the body is form data"}`}},
		{"xml body with K1 query", Request{Method: "POST", RawQuery: "id=k1&status=sent", Body: []byte(`<x/>`), Header: http.Header{"Content-Type": {"text/xml"}}},
			[]string{`{"source":"kaleyra-v1","kind":"status","status":"sent","id":"k1","decode_error":null}`}},
		{"deep array", jsonReq(deep),
			[]string{`{"source":"unknown","kind":"unknown","decode_error":"invalid JSON at byte 128: nesting deeper than 128 levels; could not be repaired"}`}},
		{"deep messages", jsonReq(deepObj),
			[]string{`{"source":"onprem","kind":"message","type":"unknown"}`}},
		{"huge numbers", jsonReq(`{"messages":[{"from":1e999999,"id":123456789012345678901234567890,"timestamp":99999999999999999999,"type":"location","location":{"latitude":1e400,"longitude":-1e400}}]}`),
			[]string{`{"source":"onprem","kind":"message","type":"location","from":"1e999999","id":"123456789012345678901234567890","timestamp":null,"location":{"latitude":null,"longitude":null},"decode_error":"timestamp 99999999999999999999 is out of range; location latitude 1e400 is out of range; location longitude -1e400 is out of range"}`}},
		{"huge numbers after a repair", jsonReq(`{"statuses":[{"id":"a","status":"sent","timestamp":"123456789012345678901234567890123456789012345"},]}`),
			[]string{`{"kind":"status","timestamp":null,"decode_error":"invalid JSON at byte 100: trailing comma before ']'; repaired: dropped a trailing comma; timestamp 1234567890123456789012345678901234567... is out of range"}`}},
		{"string coordinates", jsonReq(`{"messages":[{"from":"1","id":"2","type":"location","location":{"latitude":"12.5","longitude":"x"}}]}`),
			[]string{`{"type":"location","location":{"latitude":12.5,"longitude":null}}`}},
		{"byte order mark", jsonReq("\xef\xbb\xbf" + `{"statuses":[{"id":"a","status":"sent"}]}`),
			[]string{`{"source":"onprem","kind":"status","id":"a","decode_error":null,"raw":{"id":"a"}}`}},
		{"unrelated JSON body with K1 query", Request{Method: "POST", RawQuery: "id=q1&status=delivered&mobile=%2B1", Body: []byte(`{"ping":true}`), Header: http.Header{"Content-Type": {"application/json"}}},
			[]string{`{"source":"kaleyra-v1","kind":"status","id":"q1","status":"delivered","decode_error":null}`}},
		{"top-level array", jsonReq(`[1,2,3]`),
			[]string{`{"source":"unknown","kind":"unknown","raw":[1,2,3],"decode_error":"JSON array, but element 1 is a number: not a list of callback objects"}`}},
		{"top-level string", jsonReq(`"hi"`),
			[]string{`{"source":"unknown","kind":"unknown","raw":"hi","decode_error":"JSON, but a string: not a callback object"}`}},
		{"unrelated object", jsonReq(`{"hello":"world"}`),
			[]string{`{"source":"unknown","kind":"unknown","raw":{"hello":"world"},"decode_error":null}`}},
		{"truncated cloud body", jsonReq(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"15","id":"wamid.a","type":"text","text":{"body":"hel`),
			[]string{`{"source":"cloud","kind":"message","type":"text","text":"hel","decode_error":"invalid JSON at byte 170: unterminated string starting at byte 166; repaired: closed an unterminated string, 9 unterminated containers closed at end of input"}`}},
		{"trailing commas everywhere", jsonReq(`{"statuses":[{"id":"a","status":"READ","recipient_id":"1",},],}`),
			[]string{`{"source":"onprem","kind":"status","status":"read","decode_error":"invalid JSON at byte 58: trailing comma before '}'; repaired: 3 trailing commas dropped"}`}},
		{"missing comma and colon", jsonReq(`{"statuses":[{"id":"a" "status":"sent" "recipient_id" "1"}]}`),
			[]string{`{"kind":"status","status":"sent","to":"1","decode_error":"invalid JSON at byte 23: expected ',' or '}' after object member, found '\"'; repaired: 2 missing commas inserted, inserted a missing ':'"}`}},
		{"key without value at EOF", jsonReq(`{"statuses":[{"id":"a","status":`),
			[]string{`{"kind":"status","id":"a","status":null,"decode_error":"invalid JSON at byte 32: unexpected end of input in value; repaired: filled a missing value with null, 3 unterminated containers closed at end of input"}`}},
		{"raw control characters", jsonReq("{\"messages\":[{\"from\":\"1\",\"id\":\"2\",\"type\":\"text\",\"text\":{\"body\":\"a\tb\nc\"}}]}"),
			[]string{`{"type":"text","text":"a\tb\nc","decode_error":"invalid JSON at byte 65: control character byte 0x9 in string; repaired: 2 control characters in strings escaped"}`}},
		{"concatenated documents", jsonReq(`{"statuses":[{"id":"a","status":"sent"}]}{"statuses":[]}`),
			[]string{`{"kind":"status","id":"a","decode_error":"invalid JSON at byte 41: unexpected data after the top-level value; repaired: ignored trailing data from byte 41"}`}},
		{"unrepairable", jsonReq(`{'single':'quotes'}`),
			[]string{`{"source":"unknown","kind":"unknown","raw":"{'single':'quotes'}","decode_error":"invalid JSON at byte 1: expected a string key, found byte 0x27; could not be repaired"}`}},
		{"cloud without entries", jsonReq(`{"object":"whatsapp_business_account","entry":[]}`),
			[]string{`{"source":"cloud","kind":"unknown","extra":{"note":"no entries"}}`}},
		{"cloud change without value", jsonReq(`{"object":"whatsapp_business_account","entry":[{"id":"9","changes":[{"field":"messages"}]}]}`),
			[]string{`{"source":"cloud","kind":"unknown","extra":{"field":"messages","waba_id":"9"}}`}},
		{"cloud entry not an object", jsonReq(`{"object":"whatsapp_business_account","entry":[7]}`),
			[]string{`{"source":"cloud","kind":"unknown","raw":7}`}},
		{"cloud value alone", jsonReq(`{"messaging_product":"whatsapp","metadata":{"display_phone_number":"155"},"statuses":[{"id":"s","status":"delivered","recipient_id":"9"}]}`),
			[]string{`{"source":"cloud","kind":"status","business_number":"155","to":"9"}`}},
		{"onprem contacts only", jsonReq(`{"contacts":[{"wa_id":"1"}]}`),
			[]string{`{"source":"onprem","kind":"unknown"}`}},
		{"message without type", jsonReq(`{"messages":[{"from":"1","id":"2","image":{"id":"m"}}]}`),
			[]string{`{"type":"image","media":{"id":"m"}}`}},
		{"message not an object", jsonReq(`{"messages":["x",null]}`),
			[]string{`{"kind":"message","type":"unknown","raw":"x"}`, `{"kind":"message","type":"unknown","id":null}`}},
		{"new message type", jsonReq(`{"messages":[{"from":"1","id":"2","type":"request_welcome","request_welcome":{"body":"hi"}}]}`),
			[]string{`{"type":"request_welcome","text":"hi"}`}},
		{"edited text", jsonReq(`{"messages":[{"from":"9","id":"wamid.e","timestamp":"1697044968","type":"edit","edit":{"original_message_id":"wamid.o","message":{"type":"text","text":{"body":"Text was edited"}}}}]}`),
			[]string{`{"type":"edit","text":"Text was edited","extra":{"original_message_id":"wamid.o","message_type":"text"}}`}},
		{"edited caption", jsonReq(`{"messages":[{"from":"9","id":"wamid.e","type":"edit","edit":{"original_message_id":"wamid.o","message":{"type":"image","image":{"caption":"new","id":"65"}}}}]}`),
			[]string{`{"type":"edit","text":"new","media":{"id":"65","caption":"new"},"extra":{"message_type":"image"}}`}},
		{"revoked message", jsonReq(`{"messages":[{"from":"9","id":"wamid.r","type":"revoke","revoke":{"original_message_id":"wamid.o"}}]}`),
			[]string{`{"type":"revoke","text":null,"extra":{"original_message_id":"wamid.o"}}`}},
		{"cloud user preferences", jsonReq(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881"},"user_preferences":[{"wa_id":"1","category":"marketing_messages","value":"stop","timestamp":1731705721}]},"field":"user_preferences"}]}]}`),
			[]string{`{"source":"cloud","kind":"user-preference","status":"stop","from":"1","business_number":"15550783881","extra":{"category":"marketing_messages"}}`}},
		{"template status with null reason", jsonReq(`{"entry":[{"id":"57438975935","time":1698268000,"changes":[{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":12345678,"message_template_name":"my_message_template","message_template_language":"pt-BR","reason":null}}]}],"object":"whatsapp_business_account"}`),
			[]string{`{"source":"cloud","kind":"template-status","status":"approved","id":"12345678","timestamp":"2023-10-25T21:06:40Z","extra":{"message_template_language":"pt-BR","reason":null}}`}},
		{"interactive without type", jsonReq(`{"messages":[{"from":"1","id":"2","type":"interactive","interactive":{"call_permission_reply":{"response":"accept"}}}]}`),
			[]string{`{"type":"interactive","reply":{"kind":"call_permission_reply"}}`}},
		{"error code as string", jsonReq(`{"errors":[{"code":"E13001","message":"Bad number"}]}`),
			[]string{`{"kind":"error","error":{"code":"E13001","title":"Bad number","detail":null}}`}},
		{"duplicate keys last wins", jsonReq(`{"statuses":[{"id":"a","status":"sent","status":"read"}]}`),
			[]string{`{"status":"read"}`}},
		{"escaped keys", jsonReq(`{"st\u0061tuses":[{"id":"a","st\u0061tus":"sent"}]}`),
			[]string{`{"source":"onprem","kind":"status","status":"sent"}`}},
		{"bad surrogate escapes", jsonReq(`{"messages":[{"from":"1","id":"2","type":"text","text":{"body":"\ud83d x \ude2e"}}]}`),
			[]string{`{"type":"text","text":"\ufffd x \ufffd"}`}},
		{"K2 without meta_object value", jsonReq(`{"meta_object":{},"extra_info":{"ref":"x"}}`),
			[]string{`{"source":"kaleyra-v2","kind":"unknown","extra":{"ref":"x"}}`}},
		{"form body unknown", Request{Method: "POST", Body: []byte("a=1&a=2&b"), Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
			[]string{`{"source":"unknown","kind":"unknown","raw":{"a":["1","2"],"b":""}}`}},
		{"form body without content type", Request{Method: "POST", Body: []byte("id=x%3A0&status=Delivered&mobile=%2B1")},
			[]string{`{"source":"kaleyra-v1","kind":"status","status":"delivered","id":"x:0","to":"+1"}`}},
		{"form body falls back to query", Request{Method: "POST", RawQuery: "id=q&status=read", Body: []byte("x=1"), Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
			[]string{`{"source":"kaleyra-v1","kind":"status","id":"q","status":"read"}`}},
		{"post with query and empty body", Request{Method: "POST", RawQuery: "display_phone_number=1&event=UNFLAGGED&current_limit=TIER_1K"},
			[]string{`{"kind":"quality","status":"unflagged"}`}},
		{"unknown query", Request{Method: "GET", RawQuery: "foo=bar&foo=baz"},
			[]string{`{"source":"unknown","kind":"unknown","raw":{"foo":["bar","baz"]},"decode_error":null}`}},
		{"bad percent escape kept", Request{Method: "GET", RawQuery: "id=a%zz&status=sent%2&mobile=%ZZ1"},
			[]string{`{"kind":"status","id":"a%zz","status":"sent%2","to":"%ZZ1","decode_error":"query: invalid percent escape at byte 4 kept as text"}`}},
		{"verification without token", Request{Method: "GET", RawQuery: "hub.mode=subscribe&hub.challenge=42"},
			[]string{`{"kind":"verification","verification":{"mode":"subscribe","challenge":"42","token_present":false}}`}},
		{"verification token in flat JSON", jsonReq(`{"hub.mode":"subscribe","hub.challenge":"7","hub.verify_token":"s3cr3t-token"}`),
			[]string{`{"kind":"verification","verification":{"token_present":true},"raw":{"hub.verify_token":"[redacted]"}}`}},
		{"verification token in form", Request{Method: "POST", Body: []byte("hub.mode=subscribe&hub.verify_token=another-secret"), Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
			[]string{`{"kind":"verification","raw":{"hub.verify_token":"[redacted]"}}`}},
		{"php-style verification", Request{Method: "GET", RawQuery: "hub_mode=subscribe&hub_challenge=9&hub_verify_token=php-secret"},
			[]string{`{"kind":"verification","verification":{"mode":"subscribe","challenge":"9","token_present":true},"raw":{"hub_verify_token":"[redacted]"}}`}},
		{"k1 unencoded JSON with separators", Request{Method: "GET", RawQuery: `from=91&type=text&body=x&message=[{"from":"91","text":"a&b=c #1 +2","profile":{"name":"N"}}]&wanumber=92`},
			[]string{`{"kind":"message","from":"91","name":"N","business_number":"92","text":"x","raw":{"message":"[{\"from\":\"91\",\"text\":\"a&b=c #1 +2\",\"profile\":{\"name\":\"N\"}}]"},"decode_error":null}`}},
		{"k1 unterminated message JSON", Request{Method: "GET", RawQuery: `from=91&type=image&message=[{"url":"https://x/y.jpg","profile":{"name":"Z"&mime_type=image/png`},
			[]string{`{"kind":"message","type":"image","name":"Z","media":{"url":"https://x/y.jpg","mime_type":"image/png"},"decode_error":"message parameter: invalid JSON at byte 47: unexpected end of input in object (unterminated object starting at byte 36); repaired: 3 unterminated containers closed at end of input"}`}},
		{"k1 message as plain text", Request{Method: "GET", RawQuery: "from=91&type=text&message=Hello+there&wanumber=1"},
			[]string{`{"kind":"message","text":"Hello there"}`}},
		{"k1 contacts single object", Request{Method: "GET", RawQuery: `from=91&type=contacts&wanumber=1&contacts={"name":{"formatted_name":"Ann"},"phones":[{"wa_id":"15"}]}`},
			[]string{`{"type":"contacts","text":"Ann","contacts":[{"name":"Ann","phones":["15"]}]}`}},
		{"k1 flat JSON with raw nested JSON", jsonReq(`{"from":"91","type":"location","created_at":1700000000,"wanumber":"1","location":{"latitude":1.5,"longitude":2.5}}`),
			[]string{`{"source":"kaleyra-v1","type":"location","timestamp":"2023-11-14T22:13:20Z","location":{"latitude":1.5,"longitude":2.5}}`}},
		{"k1 status phone and mobile differ", Request{Method: "GET", RawQuery: "id=1&status=sent&mobile=111&phone_number=222"},
			[]string{`{"to":"111","extra":{"phone_number":"222"}}`}},
		{"k1 profile message holding a Meta interactive reply", Request{Method: "GET", RawQuery: `from=919812345678&type=interactive&name=John&wanumber=918012340128&created_at=1700000000&message=[{"context":{"from":"918012340128","id":"wamid.ctx"},"from":"919812345678","id":"wamid.in1","timestamp":"1700000000","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"yes-1","title":"Yes"}}}]`},
			[]string{`{"source":"kaleyra-v1","kind":"message","type":"interactive","id":"wamid.in1","text":"Yes","reply":{"kind":"button_reply","id":"yes-1","title":"Yes"},"context":{"id":"wamid.ctx","from":"918012340128"},"decode_error":null}`}},
		{"k1 profile POST with an on-prem envelope in message", jsonReq(`{"from":"919812345678","type":"location","wanumber":"918012340128","body":"","reply_to":"k-1","message":{"contacts":[{"profile":{"name":"Asha"},"wa_id":"919812345678"}],"messages":[{"from":"919812345678","id":"ABGG1","timestamp":"1700000001","type":"location","location":{"latitude":12.9,"longitude":77.5,"name":"MG Road"}}]}}`),
			[]string{`{"source":"kaleyra-v1","kind":"message","type":"location","id":"ABGG1","name":"Asha","timestamp":"2023-11-14T22:13:21Z","location":{"latitude":12.9,"longitude":77.5,"name":"MG Road"},"context":{"id":"k-1"}}`}},
		{"k1 profile message with media details", Request{Method: "GET", RawQuery: `from=91&type=image&media_url=https%3A%2F%2Fk%2Fa.jpg&wanumber=1&message=%7B%22type%22%3A%22image%22%2C%22image%22%3A%7B%22id%22%3A%22m1%22%2C%22mime_type%22%3A%22image%2Fjpeg%22%2C%22caption%22%3A%22hi%22%7D%7D`},
			[]string{`{"type":"image","text":"hi","media":{"url":"https://k/a.jpg","id":"m1","mime_type":"image/jpeg","caption":"hi"}}`}},
		{"k1 voice via query", Request{Method: "GET", RawQuery: "from=91&type=voice&media_url=u&wanumber=1"},
			[]string{`{"type":"voice","media":{"url":"u","voice":true}}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkDecode(t, tc.req, tc.want)
		})
	}
}

// A decode error is set on every event of the request.
func TestDecodeErrorOnEveryEvent(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[{"id":"a","status":"sent"},{"id":"b","status":"read"},]}}]}]}`
	evs := Decode(jsonReq(body))
	if len(evs) != 2 {
		t.Fatalf("got %d events", len(evs))
	}
	for _, ev := range evs {
		if !strings.Contains(ev.DecodeError, "trailing comma") || !strings.Contains(ev.DecodeError, "repaired") {
			t.Errorf("event %s: decode_error %q", ev.ID, ev.DecodeError)
		}
	}
}

// Events do not share mutable state: changing one event's Extra leaves
// the others alone.
func TestEventsDoNotShareExtra(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"p"},"statuses":[{"id":"a","status":"sent"},{"id":"b","status":"read"}]}}]}]}`
	evs := Decode(jsonReq(body))
	evs[0].Extra["waba_id"] = "changed"
	if evs[1].Extra["waba_id"] != "1" {
		t.Fatalf("events share their Extra map")
	}
}

func TestUnixTime(t *testing.T) {
	tests := []struct {
		in, want, problem string
	}{
		{"1580972783", "2020-02-06T07:06:23Z", ""},
		{" 1580972783 ", "2020-02-06T07:06:23Z", ""},
		{"0", "1970-01-01T00:00:00Z", ""},
		{"1580972783.25", "2020-02-06T07:06:23Z", ""},
		{"99999999999", "5138-11-16T09:46:39Z", ""},
		// milliseconds, as some senders and the on-premises identity write them
		{"1580972783123", "2020-02-06T07:06:23Z", ""},
		{"1602532300000", "2020-10-12T19:51:40Z", ""},
		{"100000000000", "1973-03-03T09:46:40Z", ""},
		{"1580972783123.5", "2020-02-06T07:06:23Z", ""},
		// microseconds
		{"1580972783123456", "2020-02-06T07:06:23Z", ""},
		{"99999999999999999", "5138-11-16T09:46:39Z", ""},
		// JSON's exponent form
		{"1.580972783e9", "2020-02-06T07:06:23Z", ""},
		{"1.580972783123E12", "2020-02-06T07:06:23Z", ""},
		{"-0", "1970-01-01T00:00:00Z", ""},
		{"100000000000000000", "", "timestamp 100000000000000000 is out of range"},
		{"99999999999999999999999", "", "timestamp 99999999999999999999999 is out of range"},
		{"1e17", "", "timestamp 1e17 is out of range"},
		{"1e999", "", "timestamp 1e999 is out of range"},
		{"-5", "", "timestamp -5 is negative: not a Unix time"},
		{"-1.5e9", "", "timestamp -1.5e9 is negative: not a Unix time"},
		{"", "", "timestamp is empty"},
		{"   ", "", "timestamp is empty"},
		{"abc", "", `timestamp "abc" is not a Unix time`},
		{"15XXXXX186", "", `timestamp "15XXXXX186" is not a Unix time`},
		{"<timestamp>", "", `timestamp "<timestamp>" is not a Unix time`},
		{"1.2.3", "", `timestamp "1.2.3" is not a Unix time`},
		{"1580972783.", "", `timestamp "1580972783." is not a Unix time`},
		{".5", "", `timestamp ".5" is not a Unix time`},
		{"+1580972783", "", `timestamp "+1580972783" is not a Unix time`},
		{"0x5E3BBAEF", "", `timestamp "0x5E3BBAEF" is not a Unix time`},
		{"Inf", "", `timestamp "Inf" is not a Unix time`},
		{"2020-02-06T07:06:23Z", "", `timestamp "2020-02-06T07:06:23Z" is not a Unix time`},
	}
	for _, tt := range tests {
		got, problem := unixTime(tt.in)
		if got != tt.want || problem != tt.problem {
			t.Errorf("unixTime(%q) = %q, %q; want %q, %q", tt.in, got, problem, tt.want, tt.problem)
		}
	}
}

func TestNormStatus(t *testing.T) {
	tests := map[string]string{
		"sent": "sent", "SENT": "sent", "Delivered": "delivered", "not_sent": "not-sent",
		"NOT-SENT": "not-sent", "not sent": "not-sent", " read ": "read", "": "",
	}
	for in, want := range tests {
		if got := normStatus(in); got != want {
			t.Errorf("normStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanPhone(t *testing.T) {
	tests := map[string]string{
		"   1202XXXXXXX": "+1202XXXXXXX",
		" 919812345678":  "+919812345678",
		"+12025550143":   "+12025550143",
		"919812345678":   "919812345678",
		"919812345678 ":  "919812345678",
		"  ":             "",
		" abc":           "abc",
	}
	for in, want := range tests {
		if got := cleanPhone(in); got != want {
			t.Errorf("cleanPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want string // params as key=value|...
		bad  int
	}{
		{"a=1&b=2", "a=1|b=2", -1},
		{"a=x+y&b=%2B1&c", "a=x y|b=+1|c=", -1},
		{"&&a=1&&", "a=1", -1},
		{"a=%zz&b=%4", "a=%zz|b=%4", 2},
		{"a=%e2%9c%93", "a=✓", -1},
		{"k%20ey=v", "k ey=v", -1},
		{`message={"a":"x&y"}&b=1`, `message={"a":"x&y"}|b=1`, -1},
		{`message=[{"a":"x+y %41"}]tail&b=1`, `message=[{"a":"x+y A"}]tail|b=1`, -1},
		{`message=[{"a":{"b":1}]&b=2`, `message=[{"a":{"b":1}]|b=2`, -1},
		{`message=[{"a":"\"]"}]&b=2`, `message=[{"a":"\"]"}]|b=2`, -1},
		{`message=[{"a":1&b=2`, `message=[{"a":1|b=2`, -1},
		{`contacts=[1,2]&location={"x":1}`, `contacts=[1,2]|location={"x":1}`, -1},
		{`body=[not json&x=1`, `body=[not json|x=1`, -1},
		{"a==b", "a==b", -1},
	}
	for _, tc := range tests {
		ps, bad := parseQuery(tc.raw)
		var parts []string
		for _, p := range ps {
			parts = append(parts, p.key+"="+p.value)
		}
		if got := strings.Join(parts, "|"); got != tc.want || bad != tc.bad {
			t.Errorf("parseQuery(%q) = %q bad=%d, want %q bad=%d", tc.raw, got, bad, tc.want, tc.bad)
		}
	}
}

func TestParamsJSON(t *testing.T) {
	ps := params{{"a", "1"}, {"b", "x\"y\x01"}, {"a", "2"}, {"hub.verify_token", "tok"}, {"c", "\xff"}}
	got := string(paramsJSON(ps, IsVerifyToken))
	want := `{"a":["1","2"],"b":"x\"y\u0001","hub.verify_token":"[redacted]","c":"\ufffd"}`
	if got != want {
		t.Fatalf("paramsJSON = %s, want %s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Fatal("not valid JSON")
	}
}

func TestRepairJSON(t *testing.T) {
	tests := []struct {
		in, out, what string
		ok            bool
	}{
		{`{"a":1,}`, `{"a":1}`, "dropped a trailing comma", true},
		{`[1,2,]`, `[1,2]`, "dropped a trailing comma", true},
		{`{"a":[1,{"b":2`, `{"a":[1,{"b":2}]}`, "3 unterminated containers closed at end of input", true},
		{`{"a":"xy`, `{"a":"xy"}`, "closed an unterminated string, closed an unterminated container at end of input", true},
		{`{"a":"x\`, `{"a":"x"}`, "closed an unterminated string, closed an unterminated container at end of input", true},
		{`{"a":tr`, `{"a":true}`, "completed a truncated literal, closed an unterminated container at end of input", true},
		{`{"a":1.`, `{"a":1.0}`, "completed a truncated literal, closed an unterminated container at end of input", true},
		{`{"a"`, `{"a":null}`, "filled a missing value with null, closed an unterminated container at end of input", true},
		{`[{"a":1]`, `[{"a":1}]`, "closed a container left open before a mismatched bracket", true},
		{`{"a":1}]`, `{"a":1}`, "ignored trailing data from byte 7", true},
		{`[1]]`, `[1]`, "ignored trailing data from byte 3", true},
		{`{"a":1,,"b":2}`, `{"a":1,"b":2}`, "dropped a stray comma", true},
		{`{"a":"\q"}`, `{"a":"\\q"}`, "kept an invalid escape as text", true},
		{`[1,]]`, `[1]`, "dropped a trailing comma, ignored trailing data from byte 4", true},
		{`{"a":[}`, `{"a":[]}`, "closed a container left open before a mismatched bracket", true},
		{`{"a":[ `, `{"a":[ ]}`, "2 unterminated containers closed at end of input", true},
		{`[1, `, `[1 ]`, "dropped a trailing comma, closed an unterminated container at end of input", true},
		{`{'a':1}`, ``, ``, false},
		{``, ``, ``, false},
		{`,`, ``, ``, false},
		{strings.Repeat("[", 200), ``, ``, false},
	}
	for _, tc := range tests {
		out, what, ok := repairJSON([]byte(tc.in))
		if ok != tc.ok || string(out) != tc.out || what != tc.what {
			t.Errorf("repairJSON(%q) = %q, %q, %v; want %q, %q, %v", tc.in, out, what, ok, tc.out, tc.what, tc.ok)
		}
		if ok && !json.Valid(out) {
			t.Errorf("repairJSON(%q) produced invalid JSON %q", tc.in, out)
		}
	}
}

// Decode is safe for concurrent use (run with -race).
func TestDecodeConcurrent(t *testing.T) {
	reqs := []Request{
		jsonReq(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"a","type":"text","text":{"body":"x"}}]}}]}]}`),
		jsonReq(`{"statuses":[{"id":"a","status":"sent",}]}`),
		{Method: "GET", RawQuery: "id=1&status=sent&mobile=%2B1"},
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				r := reqs[i%len(reqs)]
				evs := Decode(r)
				if len(evs) != 1 || evs[0].Kind == KindUnknown {
					t.Errorf("unexpected events %+v", evs)
				}
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

// TestDecodeTimestamps: every family reads seconds, milliseconds and
// microseconds; a timestamp that is not a time is kept in raw and said in
// decode_error, and the event keeps its other fields.
func TestDecodeTimestamps(t *testing.T) {
	cloud := func(ts string) Request {
		return jsonReq(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.1","status":"read","recipient_id":"15550001111","timestamp":` + ts + `}]}}]}]}`)
	}
	onprem := func(ts string) Request {
		return jsonReq(`{"messages":[{"from":"15550001111","id":"m1","type":"text","text":{"body":"hi"},"timestamp":` + ts + `}]}`)
	}
	query := func(ts string) Request {
		return Request{Method: http.MethodGet, Path: "/cb", RawQuery: "id=k1&status=delivered&mobile=15550001111&timestamp=" + ts}
	}
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"cloud seconds", cloud(`"1580972783"`), `{"status":"read","to":"15550001111","timestamp":"2020-02-06T07:06:23Z","decode_error":null}`},
		{"cloud milliseconds", cloud(`"1580972783123"`), `{"status":"read","timestamp":"2020-02-06T07:06:23Z","decode_error":null}`},
		{"cloud microseconds", cloud(`1580972783123456`), `{"status":"read","timestamp":"2020-02-06T07:06:23Z","decode_error":null}`},
		{"cloud exponent", cloud(`1.580972783e9`), `{"status":"read","timestamp":"2020-02-06T07:06:23Z","decode_error":null}`},
		{"cloud negative", cloud(`-5`), `{"status":"read","id":"wamid.1","to":"15550001111","timestamp":null,"decode_error":"timestamp -5 is negative: not a Unix time","raw":{"timestamp":-5}}`},
		{"cloud word", cloud(`"abc"`), `{"status":"read","id":"wamid.1","timestamp":null,"decode_error":"timestamp \"abc\" is not a Unix time","raw":{"timestamp":"abc"}}`},
		{"cloud empty", cloud(`""`), `{"status":"read","id":"wamid.1","timestamp":null,"decode_error":"timestamp is empty","raw":{"timestamp":""}}`},
		{"cloud float", cloud(`-1.5`), `{"status":"read","timestamp":null,"decode_error":"timestamp -1.5 is negative: not a Unix time","raw":{"timestamp":-1.5}}`},
		{"cloud object", cloud(`{"s":1}`), `{"status":"read","timestamp":null,"decode_error":"timestamp \"{\\\"s\\\":1}\" is not a Unix time"}`},
		{"cloud null", cloud(`null`), `{"status":"read","timestamp":null,"decode_error":null}`},
		{"onprem milliseconds", onprem(`1602532300000`), `{"source":"onprem","text":"hi","timestamp":"2020-10-12T19:51:40Z","decode_error":null}`},
		{"onprem empty", onprem(`""`), `{"source":"onprem","text":"hi","from":"15550001111","timestamp":null,"decode_error":"timestamp is empty"}`},
		{"kaleyra milliseconds", query("1580972783123"), `{"source":"kaleyra-v1","status":"delivered","timestamp":"2020-02-06T07:06:23Z","decode_error":null}`},
		{"kaleyra negative", query("-5"), `{"source":"kaleyra-v1","status":"delivered","id":"k1","timestamp":null,"decode_error":"timestamp -5 is negative: not a Unix time","raw":{"timestamp":"-5"}}`},
		{"kaleyra empty", query(""), `{"source":"kaleyra-v1","status":"delivered","id":"k1","timestamp":null,"decode_error":"timestamp is empty","raw":{"timestamp":""}}`},
		{"kaleyra word", query("abc"), `{"source":"kaleyra-v1","status":"delivered","timestamp":null,"decode_error":"timestamp \"abc\" is not a Unix time"}`},
		{"kaleyra absent", Request{Method: http.MethodGet, Path: "/cb", RawQuery: "id=k1&status=delivered&mobile=15550001111"}, `{"source":"kaleyra-v1","timestamp":null,"decode_error":null}`},
		{"account field without a time of its own", jsonReq(`{"object":"whatsapp_business_account","entry":[{"id":"1","time":1700000000,"changes":[{"field":"account_update","value":{"event":"VERIFIED_ACCOUNT","timestamp":null}}]}]}`),
			`{"kind":"account-update","timestamp":"2023-11-14T22:13:20Z","decode_error":null}`},
		{"account field with an empty time", jsonReq(`{"object":"whatsapp_business_account","entry":[{"id":"1","time":1700000000000,"changes":[{"field":"account_update","value":{"event":"VERIFIED_ACCOUNT","timestamp":""}}]}]}`),
			`{"kind":"account-update","timestamp":"2023-11-14T22:13:20Z","decode_error":"timestamp is empty"}`},
		{"identity milliseconds", jsonReq(`{"messages":[{"from":"1","id":"m","type":"text","text":{"body":"x"},"timestamp":"1602532300","identity":{"acknowledged":true,"created_timestamp":1602532300000,"hash":"h"}}]}`),
			`{"timestamp":"2020-10-12T19:51:40Z","extra":{"identity_created":"2020-10-12T19:51:40Z"},"decode_error":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDecode(t, tt.req, []string{tt.want})
		})
	}
}

// TestDecodeTopLevel: a JSON array of objects is a list of callbacks, each
// giving its events in order; any other array, and a JSON scalar under any
// content type, is one unknown event that says what it is.
func TestDecodeTopLevel(t *testing.T) {
	status := func(id, st string) string {
		return `{"statuses":[{"id":"` + id + `","status":"` + st + `","recipient_id":"1","timestamp":"1700000000"}]}`
	}
	cloud := `{"object":"whatsapp_business_account","entry":[{"id":"9","changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"m1","type":"text","text":{"body":"a"}},{"from":"1","id":"m2","type":"text","text":{"body":"b"}}]}}]}]}`
	typed := func(ct, body string) Request {
		return Request{Method: http.MethodPost, Path: "/", Header: http.Header{"Content-Type": {ct}}, Body: []byte(body)}
	}
	tests := []struct {
		name  string
		req   Request
		wants []string
	}{
		{"array of callbacks", jsonReq("[" + status("s1", "sent") + ",\n " + cloud + "," + status("s1", "read") + "]"), []string{
			`{"source":"onprem","kind":"status","id":"s1","status":"sent","decode_error":null,"raw":{"id":"s1"}}`,
			`{"source":"cloud","kind":"message","id":"m1","text":"a","decode_error":null}`,
			`{"source":"cloud","kind":"message","id":"m2","text":"b","decode_error":null}`,
			`{"source":"onprem","kind":"status","id":"s1","status":"read","decode_error":null}`,
		}},
		{"array of kaleyra flat objects", jsonReq(`[{"id":"k:0","status":"sent","timestamp":"1700000000"},{"id":"k:0","status":"delivered","timestamp":"1700000005"}]`), []string{
			`{"source":"kaleyra-v1","kind":"status","status":"sent","decode_error":null}`,
			`{"source":"kaleyra-v1","kind":"status","status":"delivered","decode_error":null}`,
		}},
		{"a problem of one element stays on it", jsonReq(`[` + status("a", "sent") + `,{"statuses":[{"id":"b","status":"read","timestamp":"abc"}]}]`), []string{
			`{"id":"a","decode_error":null}`,
			`{"id":"b","decode_error":"timestamp \"abc\" is not a Unix time"}`,
		}},
		{"repaired array", jsonReq(`[` + status("a", "sent") + `,]`), []string{
			`{"id":"a","status":"sent","decode_error":"invalid JSON at byte 87: trailing comma before ']'; repaired: dropped a trailing comma"}`,
		}},
		{"array with a non-object", jsonReq(`[` + status("a", "sent") + `,"x"]`), []string{
			`{"source":"unknown","kind":"unknown","decode_error":"JSON array, but element 2 is a string: not a list of callback objects"}`,
		}},
		{"empty array", jsonReq(` [ ] `), []string{`{"source":"unknown","kind":"unknown","raw":[],"decode_error":"JSON, but an empty array: no callback objects"}`}},
		{"array of arrays", jsonReq(`[[{"a":1}]]`), []string{`{"kind":"unknown","decode_error":"JSON array, but element 1 is an array: not a list of callback objects"}`}},
		{"string", jsonReq(`"str"`), []string{`{"kind":"unknown","raw":"str","decode_error":"JSON, but a string: not a callback object"}`}},
		{"number", jsonReq(`42`), []string{`{"kind":"unknown","raw":42,"decode_error":"JSON, but a number: not a callback object"}`}},
		{"true", jsonReq(`true`), []string{`{"kind":"unknown","raw":true,"decode_error":"JSON, but a boolean: not a callback object"}`}},
		{"null", jsonReq(`null`), []string{`{"kind":"unknown","decode_error":"JSON, but null: not a callback object"}`}},
		{"number as text/plain", typed("text/plain", "42\n"), []string{`{"kind":"unknown","raw":42,"decode_error":"JSON, but a number: not a callback object"}`}},
		{"string without content type", typed("", `"str"`), []string{`{"kind":"unknown","raw":"str","decode_error":"JSON, but a string: not a callback object"}`}},
		{"false as form", typed("application/x-www-form-urlencoded", "false"), []string{`{"kind":"unknown","decode_error":"JSON, but a boolean: not a callback object"}`}},
		{"not JSON", typed("text/plain", "hello there"), []string{`{"kind":"unknown","decode_error":"unrecognised body (content type text/plain): neither JSON nor form data"}`}},
		{"scalar body, callback in the query", Request{Method: http.MethodPost, Path: "/", RawQuery: "id=q&status=read", Body: []byte("true")}, []string{
			`{"source":"kaleyra-v1","kind":"status","id":"q","decode_error":null}`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDecode(t, tt.req, tt.wants)
		})
	}
}
