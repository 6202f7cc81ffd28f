package sender

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDetectPayload(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		opts    DetectOptions
		kind    string
		method  string
		path    string
		query   string
		ctype   string
		body    string
		wantErr string
		wantIs  error // the sentinel the error is, if any
	}{
		{name: "json object", in: "{\"a\":1}\n", kind: PayloadJSON, method: "POST", path: "/", ctype: "application/json", body: "{\"a\":1}\n"},
		{name: "json array with BOM and space", in: "\xef\xbb\xbf  [1]", kind: PayloadJSON, method: "POST", ctype: "application/json", path: "/", body: "  [1]"},
		{name: "broken json is still sent", in: `{"a":1,}`, kind: PayloadJSON, method: "POST", path: "/", ctype: "application/json", body: `{"a":1,}`},
		{name: "query", in: "id=abc%3A0&status=read\n", kind: PayloadQuery, method: "GET", path: "/", query: "id=abc%3A0&status=read"},
		{name: "query with ?", in: "?hub.mode=subscribe&hub.challenge=1", kind: PayloadQuery, method: "GET", path: "/", query: "hub.mode=subscribe&hub.challenge=1"},
		{name: "empty values", in: "a=&b=", kind: PayloadQuery, method: "GET", path: "/", query: "a=&b="},
		{name: "path and query", in: "/cb?id=1", kind: PayloadQuery, method: "GET", path: "/cb", query: "id=1"},
		{name: "url", in: "https://example.com/cb?id=1&status=sent", kind: PayloadQuery, method: "GET", path: "/", query: "id=1&status=sent"},
		{name: "query as form", in: "a=1&b=2", opts: DetectOptions{Method: "post"}, kind: PayloadQuery, method: "POST", path: "/",
			ctype: "application/x-www-form-urlencoded", body: "a=1&b=2"},
		{name: "http request", in: "POST /hook?x=1 HTTP/1.1\nHost: 127.0.0.1:4280\nContent-Length: 7\nContent-Type: application/json\nX-A: b\n\n{\"a\":1}trailing",
			kind: PayloadHTTP, method: "POST", path: "/hook", query: "x=1", ctype: "application/json", body: `{"a":1}`},
		{name: "http request CRLF", in: "GET /?id=1 HTTP/1.1\r\nHost: x\r\n\r\n", kind: PayloadHTTP, method: "GET", path: "/", query: "id=1"},
		{name: "http absolute target", in: "GET http://h/cb?id=1 HTTP/1.1\n\n", kind: PayloadHTTP, method: "GET", path: "/cb", query: "id=1"},
		{name: "http short body", in: "POST / HTTP/1.1\nContent-Length: 50\n\n{}", wantErr: "Content-Length header says 50"},
		{name: "content type override", in: "<xml/>", opts: DetectOptions{ContentType: "application/xml"}, kind: PayloadRaw, method: "POST", path: "/", ctype: "application/xml", body: "<xml/>"},
		{name: "method override", in: "{}", opts: DetectOptions{Method: "put"}, kind: PayloadJSON, method: "PUT", path: "/", ctype: "application/json", body: "{}"},
		{name: "unknown", in: "hello world", wantErr: "cannot tell what the payload is", wantIs: ErrUnknownPayload},
		{name: "empty", in: " \n", wantErr: "empty"},
		{name: "a word is not a query", in: "hello", wantErr: "cannot tell", wantIs: ErrUnknownPayload},
		{name: "query with white space", in: "id=1&text=hello world", wantErr: "holds white space", wantIs: ErrQuerySpace},
		{name: "query with white space as form", in: "id=1&text=hello world", opts: DetectOptions{Method: "POST"}, kind: PayloadQuery, method: "POST", path: "/",
			ctype: "application/x-www-form-urlencoded", body: "id=1&text=hello world"},
		{name: "request line without headers", in: "POST /hook?x=1", kind: PayloadQuery, method: "POST", path: "/hook", query: "x=1"},
		{name: "recording line", in: `{"schema":"wa-cb.record/v1","request":{"method":"POST","path":"/k","headers":{"Content-Type":["application/json"],"Content-Length":["7"]},"body":"{\"a\":1}"}}`,
			kind: PayloadRecord, method: "POST", path: "/k", ctype: "application/json", body: `{"a":1}`},
		{name: "http bad target", in: "POST * HTTP/1.1\n\n{}", wantErr: "must start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DetectPayload([]byte(tt.in), tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("error = %v, want %v", err, tt.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tt.kind || p.Method != tt.method || p.Path != tt.path || p.RawQuery != tt.query ||
				p.Header.Get("Content-Type") != tt.ctype || string(p.Body) != tt.body {
				t.Errorf("got kind=%s %s %s ?%s ct=%q body=%q", p.Kind, p.Method, p.Path, p.RawQuery, p.Header.Get("Content-Type"), p.Body)
			}
			if p.Header.Get("Host") != "" || p.Header.Get("Content-Length") != "" {
				t.Errorf("Host/Content-Length kept: %v", p.Header)
			}
		})
	}
}

func FuzzDetectPayload(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "id=1&status=read", "/cb?x=1", "https://e.com/?a=1",
		"POST / HTTP/1.1\nContent-Length: 2\n\n{}", "GET / HTTP/1.1\r\nX: y\r\n\r\n", "?", "a=b&&c"} {
		f.Add([]byte(s), "")
	}
	f.Add([]byte("a=1"), "POST")
	f.Fuzz(func(t *testing.T, data []byte, method string) {
		p, err := DetectPayload(data, DetectOptions{Method: method, ContentType: ""})
		if err != nil {
			return
		}
		if p.Method == "" || !strings.HasPrefix(p.Path, "/") || p.Header == nil {
			t.Fatalf("incomplete payload %+v", p)
		}
		// JSON is sent as given (but a UTF-8 byte order mark; UTF-16 text is
		// sent as the UTF-8 it stands for).
		utf16 := bytes.HasPrefix(data, []byte("\xff\xfe")) || bytes.HasPrefix(data, []byte("\xfe\xff"))
		if p.Kind == PayloadJSON && !utf16 && len(p.Body) != len(data) && len(p.Body) != len(data)-3 {
			t.Fatalf("JSON body changed: %q -> %q", data, p.Body)
		}
	})
}
