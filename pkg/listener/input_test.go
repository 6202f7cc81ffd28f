package listener

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseInput(t *testing.T) {
	type want struct {
		line         int
		method, path string
		query, body  string
	}
	tests := []struct {
		name string
		in   string
		want []want
	}{
		{"json body", `{"a":1}`, []want{{1, "POST", "/", "", `{"a":1}`}}},
		{"pretty json over lines", "\n\n{\n  \"a\": 1,\n  \"b\": 2\n}\n", []want{{3, "POST", "/", "", "{\n  \"a\": 1,\n  \"b\": 2\n}"}}},
		{"ndjson", "{\"a\":1}\n\n{\"b\":2}\r\n", []want{{1, "POST", "/", "", `{"a":1}`}, {3, "POST", "/", "", `{"b":2}`}}},
		{"query with ?", "?id=1&status=sent\n", []want{{1, "GET", "/", "id=1&status=sent", ""}}},
		{"query without ?", "id=1&status=sent", []want{{1, "GET", "/", "id=1&status=sent", ""}}},
		{"full URL", "https://example.com/cb/x?id=1%3A0&phone_number=%20%20+1202", []want{{1, "GET", "/cb/x", "id=1%3A0&phone_number=%20%20+1202", ""}}},
		{"URL without path", "HTTP://example.com?id=1", []want{{1, "GET", "/", "id=1", ""}}},
		{"URL without query", "https://example.com", []want{{1, "GET", "/", "", ""}}},
		{"path", "/in?type=text&body=Hi", []want{{1, "GET", "/in", "type=text&body=Hi", ""}}},
		{"request line", "GET /cb?id=a2d4ef99%3A2&status=delivered HTTP/1.1", []want{{1, "GET", "/cb", "id=a2d4ef99%3A2&status=delivered", ""}}},
		{"request line no version", "POST /hook?x=1", []want{{1, "POST", "/hook", "x=1", ""}}},
		{"unencoded json in query kept", `/in?message=[{"from":"91","type":"image"]&type=image`, []want{{1, "GET", "/in", `message=[{"from":"91","type":"image"]&type=image`, ""}}},
		{"lines of URLs with comments", "# status callbacks\nhttps://a.test/cb?id=1&status=sent\n\nhttps://a.test/cb?id=1&status=read\n", []want{{2, "GET", "/cb", "id=1&status=sent", ""}, {4, "GET", "/cb", "id=1&status=read", ""}}},
		{"mixed lines are one payload", "hello world\n{\"a\":1}", []want{{1, "POST", "/", "", "hello world\n{\"a\":1}"}}},
		{"malformed json one line", `{"a":`, []want{{1, "POST", "/", "", `{"a":`}}},
		{"malformed ndjson lines", "{\"a\":\n{\"b\":2}", []want{{1, "POST", "/", "", `{"a":`}, {2, "POST", "/", "", `{"b":2}`}}},
		{"plain text", "just some text", []want{{1, "POST", "/", "", "just some text"}}},
		{"recording lines", `{"schema":"wa-cb.record/v1","request_id":"a-1","received_at":"2026-01-02T03:04:05Z","request":{"method":"GET","path":"/cb","query":"id=1&status=sent"},"events":[],"response":{"status":200,"latency_ms":0.1}}` + "\n" +
			`{"schema":"wa-cb.record/v1","request_id":"a-2","received_at":"2026-01-02T03:04:05Z","request":{"method":"POST","path":"/hook","headers":{"Content-Type":["application/json"]},"body":"{\"a\":1}"},"events":[],"response":{"status":200,"latency_ms":0.1}}`,
			[]want{{1, "GET", "/cb", "id=1&status=sent", ""}, {2, "POST", "/hook", "", `{"a":1}`}}},
		{"recording with binary body", `{"schema":"wa-cb.record/v1","request":{"method":"PUT","path":"/b","body_base64":"AP8="}}`, []want{{1, "PUT", "/b", "", "\x00\xff"}}},
		{"not a recording", `{"schema":"wa-cb.record/v2","request":{"method":"PUT"}}`, []want{{1, "POST", "/", "", `{"schema":"wa-cb.record/v2","request":{"method":"PUT"}}`}}},
		{"utf-16le with bom", "\xff\xfe{\x00\"\x00a\x00\"\x00:\x00\"\x00\xe9\x00\"\x00}\x00\r\x00\n\x00", []want{{1, "POST", "/", "", `{"a":"é"}`}}},
		{"utf-16be with bom", "\xfe\xff\x00?\x00a\x00=\x00b", []want{{1, "GET", "/", "a=b", ""}}},
		{"array of bodies", "[\n  {\"a\": 1},\n  {\"b\": 2}\n]\n", []want{{2, "POST", "/", "", `{"a": 1}`}, {3, "POST", "/", "", `{"b": 2}`}}},
		{"array of non-objects is one body", `[1,{"a":1}]`, []want{{1, "POST", "/", "", `[1,{"a":1}]`}}},
		{"empty array is one body", `[]`, []want{{1, "POST", "/", "", `[]`}}},
		{"bom", "\xef\xbb\xbf{\"a\":1}", []want{{1, "POST", "/", "", `{"a":1}`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseInput([]byte(tt.in))
			if len(got) != len(tt.want) {
				t.Fatalf("%d inputs, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Line != w.line || g.Request.Method != w.method || g.Request.Path != w.path || g.Request.RawQuery != w.query || string(g.Request.Body) != w.body {
					t.Errorf("input %d = line %d %s %s ?%s body %q; want line %d %s %s ?%s body %q", i,
						g.Line, g.Request.Method, g.Request.Path, g.Request.RawQuery, g.Request.Body,
						w.line, w.method, w.path, w.query, w.body)
				}
			}
		})
	}
	if got := ParseInput([]byte(" \n\t\n")); got != nil {
		t.Errorf("blank input gave %+v", got)
	}
}

func TestRawJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{`not json`, `"not json"`},
		{"bad \xff utf8", `"bad ` + "\ufffd" + ` utf8"`},
		{"", ""},
		{`<html>`, `"\u003chtml\u003e"`},
	}
	for _, tt := range tests {
		if got := string(RawJSON([]byte(tt.in))); got != tt.want {
			t.Errorf("RawJSON(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestNewIDGenerator(t *testing.T) {
	gen := NewIDGenerator()
	a, b := gen(), gen()
	if a == b || len(a) != 13 || !strings.HasSuffix(a, "-0001") || !strings.HasSuffix(b, "-0002") {
		t.Fatalf("ids %q %q", a, b)
	}
	if other := NewIDGenerator()(); other[:8] == a[:8] && fmt.Sprint(other) == a {
		t.Errorf("two generators made the same id %q", a)
	}
}

// FuzzParseInput: any input gives well-formed requests without panicking,
// and nothing larger than what was given.
func FuzzParseInput(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range ParseInput(data) {
			r := in.Request
			if r.Method == "" || r.Path == "" || r.Path[0] != '/' || in.Line < 1 {
				t.Fatalf("bad request %+v from %q", in, data)
			}
			// UTF-16 input may grow by half when read as UTF-8, nothing more.
			if limit := len(data) * 3 / 2; len(r.Body) > limit || len(r.RawQuery) > limit {
				t.Fatalf("input grew: %q", data)
			}
		}
	})
}

// FuzzSafeDecode: the listener's decode path never panics and always
// yields at least one event that encodes as JSON.
func FuzzSafeDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range ParseInput(data) {
			events, _ := SafeDecode(nil, in.Request)
			if len(events) == 0 {
				t.Fatal("no events")
			}
			for _, ev := range events {
				line, err := json.Marshal(ev)
				if err != nil {
					t.Fatalf("event does not encode: %v", err)
				}
				if !utf8.Valid(line) {
					t.Fatalf("invalid UTF-8 in %q", line)
				}
			}
		}
	})
}
