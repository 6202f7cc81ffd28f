package record

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// reference is what Marshal must write: encoding/json without HTML
// escaping, the body as text when it is UTF-8 and as base64 otherwise.
func reference(t *testing.T, r *Record) []byte {
	t.Helper()
	type plainRequest struct {
		Method     string      `json:"method"`
		Path       string      `json:"path"`
		RawQuery   string      `json:"query,omitempty"`
		Host       string      `json:"host,omitempty"`
		RemoteAddr string      `json:"remote_addr,omitempty"`
		Header     http.Header `json:"headers,omitempty"`
		Body       *string     `json:"body,omitempty"`
		BodyBase64 string      `json:"body_base64,omitempty"`
	}
	req := plainRequest{Method: r.Request.Method, Path: r.Request.Path, RawQuery: r.Request.RawQuery, Host: r.Request.Host,
		RemoteAddr: r.Request.RemoteAddr, Header: r.Request.Header}
	if len(r.Request.Body) > 0 {
		if utf8.Valid(r.Request.Body) {
			s := string(r.Request.Body)
			req.Body = &s
		} else {
			req.BodyBase64 = base64.StdEncoding.EncodeToString(r.Request.Body)
		}
	}
	mirror := struct {
		Schema     string           `json:"schema"`
		RequestID  string           `json:"request_id"`
		ReceivedAt time.Time        `json:"received_at"`
		Request    plainRequest     `json:"request"`
		Events     []callback.Event `json:"events"`
		Response   Response         `json:"response"`
		Forward    *Forward         `json:"forward,omitempty"`
		Error      string           `json:"error,omitempty"`
		Redacted   bool             `json:"redacted,omitempty"`
	}{r.Schema, r.RequestID, r.ReceivedAt, req, r.Events, r.Response, r.Forward, r.Error, r.Redacted}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&mirror); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Marshal must write exactly what encoding/json writes without HTML
// escaping, whichever optional parts a record has, with or without the
// events already encoded.
func TestMarshalMatchesEncodingJSON(t *testing.T) {
	base := func() *Record {
		return &Record{
			Schema:     Schema,
			RequestID:  "3f9a0c1e-0001",
			ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC),
			Request: Request{Method: "POST", Path: "/wa", RawQuery: "x=<1>&y=\u2028", Host: "127.0.0.1:4280", RemoteAddr: "127.0.0.1:5000",
				Header: http.Header{"Content-Type": {"application/json"}, "X-Multi": {"a", "b"}}, Body: []byte(`{"t":"<b>&amp;</b> \u00e9"}`)},
			Events:   []callback.Event{{Schema: callback.Schema, Source: callback.SourceCloud, Kind: callback.KindMessage, Text: "<&>", Raw: json.RawMessage(`{"a": 1}`)}},
			Response: Response{Status: 200, Body: "ok", Reason: "app's answer", LatencyMS: 1.5},
		}
	}
	tests := map[string]func(r *Record){
		"plain":       func(r *Record) {},
		"no schema":   func(r *Record) { r.Schema = "" },
		"binary body": func(r *Record) { r.Request.Body = []byte{0xff, 0, 'a'} },
		"no body":     func(r *Record) { r.Request.Body = nil; r.Request.Header = nil },
		"forward": func(r *Record) {
			r.Forward = &Forward{URL: "http://127.0.0.1:3000/h", Status: 502, Error: "connection refused", LatencyMS: 0.2,
				Header: http.Header{"Content-Type": {"text/plain"}}, Body: "<down>", Truncated: true}
		},
		"error and redacted": func(r *Record) { r.Error = "request refused with 413: \"big\""; r.Redacted = true },
		"no events":          func(r *Record) { r.Events = nil },
		"empty events":       func(r *Record) { r.Events = []callback.Event{} },
		"header without values": func(r *Record) {
			r.Request.Header = http.Header{"X-Nil": nil, "X-Empty": {}, "B": {"<1>"}}
		},
		"a few headers": func(r *Record) {
			r.Request.Header = http.Header{"X-C": {"3"}, "X-A": {"1"}, "X-B": {"2"}, "Accept": {"*/*"}, "X-Aa": {"4"}}
		},
		"many headers": func(r *Record) { r.Request.Header = manyHeaders(13) },
		"more headers than the room on the stack": func(r *Record) {
			r.Request.Header = manyHeaders(40)
			r.Forward = &Forward{URL: "u", Header: manyHeaders(17)}
		},
		"float latencies": func(r *Record) {
			r.Response.LatencyMS = 1e-7
			r.Forward = &Forward{URL: "u", LatencyMS: 123456.789}
		},
	}
	for name, mod := range tests {
		t.Run(name, func(t *testing.T) {
			r := base()
			mod(r)
			got, err := Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if r.Schema == "" {
				r.Schema = Schema
			}
			want := reference(t, r)
			if !bytes.Equal(got, want) {
				t.Errorf("Marshal:\n%s\nencoding/json:\n%s", got, want)
			}
			// The same events, already encoded, give the same line.
			if r.Events != nil {
				r.EventsJSON = [][]byte{}
				for i := range r.Events {
					e, err := callback.AppendJSON(nil, &r.Events[i])
					if err != nil {
						t.Fatal(err)
					}
					r.EventsJSON = append(r.EventsJSON, e)
				}
				if got, _ := Marshal(r); !bytes.Equal(got, want) {
					t.Errorf("Marshal with EventsJSON:\n%s\nencoding/json:\n%s", got, want)
				}
			}
		})
	}
}

// manyHeaders is n headers whose names sort otherwise than they were made.
func manyHeaders(n int) http.Header {
	h := http.Header{}
	for i := range n {
		h[fmt.Sprintf("X-%c-%d", 'z'-i%26, i)] = []string{fmt.Sprint(i), "<v>"}
	}
	return h
}

func TestReaderLineError(t *testing.T) {
	good, _ := Marshal(&Record{RequestID: "a", Request: Request{Method: "GET", Path: "/"}})
	in := string(good) + "\n{broken\n" + `{"schema":"wa-cb.record/v1"}` + "\n" + string(good) + "\n"
	rd := NewReader(strings.NewReader(in))
	if _, _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	for _, line := range []int{2, 3} {
		_, _, err := rd.Next()
		var le *LineError
		if !errors.As(err, &le) || le.Line != line {
			t.Fatalf("err %v, want a LineError for line %d", err, line)
		}
	}
	rec, _, err := rd.Next()
	if err != nil || rec.RequestID != "a" {
		t.Fatalf("reading on after bad lines: %v %v", rec, err)
	}
}

func BenchmarkMarshal(b *testing.B) {
	r := &Record{
		RequestID: "3f9a0c1e-0001", ReceivedAt: time.Now(),
		Request: Request{Method: "POST", Path: "/", Header: http.Header{"Content-Type": {"application/json"}, "User-Agent": {"x"}},
			Body: bytes.Repeat([]byte(`{"k":"value"},`), 30)},
		Events:   []callback.Event{{Schema: callback.Schema, Kind: callback.KindMessage, Raw: json.RawMessage(`{"from":"1","id":"wamid.x","type":"text","text":{"body":"hi"}}`)}},
		Response: Response{Status: 200, LatencyMS: 0.3},
	}
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = Marshal(r)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(r)
		}
	})
}

func TestCloseOnADevice(t *testing.T) {
	if _, err := os.Stat("/dev/null"); err != nil {
		t.Skip("no /dev/null here")
	}
	w, err := Create("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&Record{RequestID: "a", Request: Request{Method: "GET"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("closing a recording on a device: %v", err)
	}
}

// BenchmarkWrite measures appending one record of a Cloud callback to a
// file, as listen --record does for every request.
func BenchmarkWrite(b *testing.B) {
	w, err := Create(filepath.Join(b.TempDir(), "rec.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	r := &Record{
		RequestID: "3f9a0c1e-0001", ReceivedAt: time.Now(),
		Request: Request{Method: "POST", Path: "/", Header: http.Header{"Content-Type": {"application/json"}, "User-Agent": {"x"}},
			Body: bytes.Repeat([]byte(`{"k":"value"},`), 45)},
		EventsJSON: [][]byte{[]byte(`{"schema":"wa-cb.event/v1","source":"cloud","kind":"message","raw":{"from":"1","id":"wamid.x","type":"text","text":{"body":"hi"}}}`)},
		Response:   Response{Status: 200, LatencyMS: 0.3},
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendHeader measures the headers of a request as wrk sends
// them to listen (net/http keeps Host apart).
func BenchmarkAppendHeader(b *testing.B) {
	h := http.Header{"Content-Type": {"application/json"}, "Content-Length": {"648"}}
	buf := make([]byte, 0, 1024)
	for b.Loop() {
		buf = appendHeader(buf[:0], h)
	}
}
