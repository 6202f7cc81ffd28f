package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

// Marshal must write exactly what json.Marshal writes, whichever optional
// parts a record has.
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
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Marshal:\n%s\njson.Marshal:\n%s", got, want)
			}
		})
	}
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
