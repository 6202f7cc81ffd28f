package rawinput

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
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
		// callback.Decode reads an array as a list of callbacks, for listen too.
		{"array of bodies is one body", "[\n  {\"a\": 1},\n  {\"b\": 2}\n]\n", []want{{1, "POST", "/", "", "[\n  {\"a\": 1},\n  {\"b\": 2}\n]"}}},
		{"array of non-objects is one body", `[1,{"a":1}]`, []want{{1, "POST", "/", "", `[1,{"a":1}]`}}},
		{"empty array is one body", `[]`, []want{{1, "POST", "/", "", `[]`}}},
		{"bom", "\xef\xbb\xbf{\"a\":1}", []want{{1, "POST", "/", "", `{"a":1}`}}},
		{"http request LF", "POST /hook?x=1 HTTP/1.1\nHost: 127.0.0.1:4280\nContent-Length: 7\nContent-Type: application/json\n\n{\"a\":1}", []want{{1, "POST", "/hook", "x=1", `{"a":1}`}}},
		{"http request CRLF", "\r\nPOST / HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"a\":\r\n1}\r\n", []want{{2, "POST", "/", "", "{\"a\":\r\n1}"}}},
		{"http body without length runs to the end", "POST /p HTTP/1.1\nContent-Type: text/plain\n\nline one\nline two\n", []want{{1, "POST", "/p", "", "line one\nline two\n"}}},
		{"http GET without headers", "GET /cb?id=1 HTTP/1.1\n\n", []want{{1, "GET", "/cb", "id=1", ""}}},
		{"http absolute target", "GET https://h.test/cb?id=1 HTTP/1.1\nUser-Agent: x\n\n", []want{{1, "GET", "/cb", "id=1", ""}}},
		{"http requests one after the other", "POST /a HTTP/1.1\nContent-Length: 2\n\n{}\nGET /b?s=1 HTTP/1.1\nHost: h\n\nGET /c?s=2 HTTP/1.1\nHost: h\n\n",
			[]want{{1, "POST", "/a", "", "{}"}, {5, "GET", "/b", "s=1", ""}, {8, "GET", "/c", "s=2", ""}}},
		{"http chunked body", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n", []want{{1, "POST", "/", "", `{"a":1}`}}},
		{"request lines with blank lines are a log", "GET /a?x=1 HTTP/1.1\n\nGET /b?x=2 HTTP/1.1\n", []want{{1, "GET", "/a", "x=1", ""}, {3, "GET", "/b", "x=2", ""}}},
		{"request line with spaces in the target", "GET /in?name=a b HTTP/1.1", []want{{1, "GET", "/in", "name=a b", ""}}},
		{"form body", "id=1&status=sent&text=hello world", []want{{1, "GET", "/", "id=1&status=sent&text=hello world", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse([]byte(tt.in))
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
	if got := Parse([]byte(" \n\t\n")); got != nil {
		t.Errorf("blank input gave %+v", got)
	}
}

func TestParseForms(t *testing.T) {
	tests := []struct {
		in   string
		want []Form
	}{
		{"POST / HTTP/1.1\nContent-Length: 2\n\n{}", []Form{FormHTTP}},
		{`{"a":1}`, []Form{FormJSON}},
		{`{"a":`, []Form{FormJSON}},
		{"https://e.test/cb?id=1", []Form{FormURL}},
		{"/cb?id=1", []Form{FormTarget}},
		{"GET /cb?id=1", []Form{FormTarget}},
		{"?id=1", []Form{FormQuery}},
		{"id=1&s=2", []Form{FormQuery}},
		{"hello", []Form{FormText}},
		{`{"schema":"wa-cb.record/v1","request":{"method":"GET","path":"/"}}`, []Form{FormRecord}},
		{"GET /a HTTP/1.1\nGET /b HTTP/1.1", []Form{FormTarget, FormTarget}},
	}
	for _, tt := range tests {
		got := Parse([]byte(tt.in))
		var forms []Form
		for _, in := range got {
			forms = append(forms, in.Form)
		}
		if len(forms) != len(tt.want) || strings.Join(toStrings(forms), ",") != strings.Join(toStrings(tt.want), ",") {
			t.Errorf("Parse(%q) forms = %v, want %v", tt.in, forms, tt.want)
		}
	}
}

func toStrings(fs []Form) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}

// A request that is not quite right is still read, with what is wrong.
func TestParseProblems(t *testing.T) {
	tests := []struct {
		name, in  string
		body      string
		problem   string
		headerKey string
	}{
		{"short body", "POST / HTTP/1.1\nContent-Length: 50\n\n{}", "{}", "Content-Length header says 50 bytes but the body has 2", ""},
		{"bad length", "POST / HTTP/1.1\nContent-Length: x\n\n{}", "{}", `bad Content-Length "x"`, ""},
		{"not a header", "POST / HTTP/1.1\nContent-Type: application/json\n{\"a\":1}", `{"a":1}`, "line 3 is not a header line", "Content-Type"},
		{"bad target", "POST * HTTP/1.1\nX-A: b\n\n{}", "{}", `request target "*" must start with /`, "X-A"},
		{"trailing data", "POST / HTTP/1.1\nContent-Length: 2\n\n{}junk", "{}", "4 bytes after the body", ""},
		{"broken chunks", "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\nzz\n", "zz\n", "chunked body cannot be read", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse([]byte(tt.in))
			if len(got) != 1 {
				t.Fatalf("%d inputs: %+v", len(got), got)
			}
			in := got[0]
			if in.Form != FormHTTP || string(in.Request.Body) != tt.body || !strings.Contains(in.Problem, tt.problem) {
				t.Errorf("got form %s body %q problem %q; want body %q problem %q", in.Form, in.Request.Body, in.Problem, tt.body, tt.problem)
			}
			if tt.headerKey != "" && in.Request.Header.Get(tt.headerKey) == "" {
				t.Errorf("header %s lost: %v", tt.headerKey, in.Request.Header)
			}
		})
	}
}

func TestParseHeaders(t *testing.T) {
	in := Parse([]byte("POST /cb HTTP/1.1\r\nhost: h:1\r\ncontent-type: application/json\r\nX-Hub-Signature-256:  sha256=ab \r\nX-Long: a\r\n  b\r\nX-Two: 1\r\nX-Two: 2\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"))[0]
	h := in.Request.Header
	if h.Get("Content-Type") != "application/json" || h.Get("X-Hub-Signature-256") != "sha256=ab" || h.Get("X-Long") != "a b" || len(h["X-Two"]) != 2 {
		t.Errorf("headers = %v", h)
	}
	for _, k := range []string{"Host", "Content-Length", "Connection"} {
		if h.Get(k) != "" {
			t.Errorf("%s kept: %v", k, h)
		}
	}
	if in.Problem != "" || string(in.Request.Body) != "{}" {
		t.Errorf("problem %q body %q", in.Problem, in.Request.Body)
	}
}

func TestParseOne(t *testing.T) {
	tests := []struct {
		name, in        string
		form            Form
		method, path, q string
		body            string
		problem         string
	}{
		{"json keeps white space", "\xef\xbb\xbf  {\"a\":1}\n", FormJSON, "POST", "/", "", "  {\"a\":1}\n", ""},
		{"text keeps white space", "hello world\n", FormText, "POST", "/", "", "hello world\n", ""},
		{"binary that starts like UTF-16 is kept", "\xff\xfebin\x00ary\r\n", FormText, "POST", "/", "", "\xff\xfebin\x00ary\r\n", ""},
		{"utf-16 json is read as UTF-8", "\xff\xfe{\x00}\x00", FormJSON, "POST", "/", "", "{}", ""},
		{"query", "id=1&s=2\n", FormQuery, "GET", "/", "id=1&s=2", "", ""},
		{"url keeps its path", "https://e.test/cb?id=1", FormURL, "GET", "/cb", "id=1", "", ""},
		{"http", "\nPOST /h?x=1 HTTP/1.1\nContent-Length: 2\n\n{}trailing", FormHTTP, "POST", "/h", "x=1", "{}", ""},
		{"http request line alone", "GET /?id=1 HTTP/1.1\n", FormHTTP, "GET", "/", "id=1", "", ""},
		{"ndjson is one body", "{\"a\":1}\n{\"b\":2}\n", FormJSON, "POST", "/", "", "{\"a\":1}\n{\"b\":2}\n", ""},
		{"http short body", "POST / HTTP/1.1\nContent-Length: 9\n\n{}", FormHTTP, "POST", "/", "", "{}", "says 9 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := ParseOne([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			r := in.Request
			if in.Form != tt.form || r.Method != tt.method || r.Path != tt.path || r.RawQuery != tt.q || string(r.Body) != tt.body || !strings.Contains(in.Problem, tt.problem) || (tt.problem == "" && in.Problem != "") {
				t.Errorf("got %s %s %s ?%s body %q problem %q", in.Form, r.Method, r.Path, r.RawQuery, r.Body, in.Problem)
			}
		})
	}
	if _, err := ParseOne([]byte(" \r\n")); err != ErrEmpty {
		t.Errorf("blank input: err = %v", err)
	}
}

// TestParseRecordingCredentials: a recording line's masked credentials are
// left out of its request (send file would send "[redacted]" as a token);
// its other headers are kept.
func TestParseRecordingCredentials(t *testing.T) {
	line := `{"schema":"wa-cb.record/v1","request_id":"a-1","received_at":"2026-01-02T03:04:05Z","request":{"method":"POST","path":"/",` +
		`"headers":{"Authorization":["[redacted]"],"Cookie":["[redacted]"],"X-Api-Key":["clear-from-an-older-recording"],"Content-Type":["application/json"]},` +
		`"body":"{}"},"events":[],"response":{"status":200,"latency_ms":0.1}}`
	in := Parse([]byte(line))
	if len(in) != 1 || in[0].Form != FormRecord {
		t.Fatalf("inputs %+v", in)
	}
	h := in[0].Request.Header
	if _, ok := h["Authorization"]; ok {
		t.Errorf("Authorization kept: %v", h)
	}
	if _, ok := h["Cookie"]; ok {
		t.Errorf("Cookie kept: %v", h)
	}
	if h.Get("X-Api-Key") != "clear-from-an-older-recording" || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", h)
	}
}
