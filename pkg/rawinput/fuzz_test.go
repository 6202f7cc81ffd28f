package rawinput

import (
	"bytes"
	"strconv"
	"testing"
)

// FuzzParse: any input gives well-formed requests without panicking, and
// nothing larger than what was given, from Parse and from ParseOne.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		// UTF-16 input may grow by half when read as UTF-8, nothing more.
		limit := len(data) * 3 / 2
		check := func(in Input) {
			r := in.Request
			if r.Method == "" || r.Path == "" || r.Path[0] != '/' || in.Line < 1 || in.Form == "" || r.Header == nil {
				t.Fatalf("bad request %+v from %q", in, data)
			}
			if len(r.Body) > limit || len(r.RawQuery) > limit {
				t.Fatalf("input grew: %q", data)
			}
		}
		for _, in := range Parse(data) {
			check(in)
		}
		if in, err := ParseOne(data); err == nil {
			check(in)
		} else if len(bytes.TrimSpace(normalize(data))) != 0 {
			t.Fatalf("ParseOne(%q): %v", data, err)
		}
	})
}

// FuzzHTTPBody: a body framed as `wa-cb fixtures show` frames it (LF or
// CRLF line ends, Content-Length) comes back byte for byte, whatever it
// holds, from both entry points.
func FuzzHTTPBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, crlf bool) {
		nl := "\n"
		if crlf {
			nl = "\r\n"
		}
		req := []byte("POST /cb?x=1 HTTP/1.1" + nl + "Host: 127.0.0.1:4280" + nl + "Content-Length: " + strconv.Itoa(len(body)) + nl +
			"Content-Type: application/json" + nl + "User-Agent: wa-cb/dev" + nl + nl)
		req = append(req, body...)
		one, err := ParseOne(req)
		if err != nil || one.Form != FormHTTP || one.Problem != "" || !bytes.Equal(one.Request.Body, body) {
			t.Fatalf("ParseOne: form %s problem %q body %q, want %q (%v)", one.Form, one.Problem, one.Request.Body, body, err)
		}
		all := Parse(req)
		if len(all) == 0 || all[0].Form != FormHTTP || !bytes.Equal(all[0].Request.Body, body) || all[0].Request.RawQuery != "x=1" {
			t.Fatalf("Parse: %+v, want the body %q", all, body)
		}
	})
}
