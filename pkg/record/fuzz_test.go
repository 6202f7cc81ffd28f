package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// FuzzBodyRoundTrip: whatever bytes a request carried come back unchanged.
func FuzzBodyRoundTrip(f *testing.F) {
	f.Add([]byte(`{"a":"b"}`))
	f.Add([]byte{0xff, 0x00, 0xc3})
	f.Add([]byte("\u2028<>&\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		line, err := json.Marshal(Request{Method: "POST", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		var back Request
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back.Body, body) && !(len(body) == 0 && len(back.Body) == 0) {
			t.Fatalf("body %q came back as %q", body, back.Body)
		}
	})
}

// FuzzReader: any file gives records or a clear error, never a panic.
func FuzzReader(f *testing.F) {
	f.Add([]byte("{\"request\":{\"method\":\"GET\",\"path\":\"/\"}}\n"))
	f.Add([]byte("\n\n{\"request\":{\"method\":\"POST\",\"body_base64\":\"AAE=\"}}"))
	f.Add([]byte("{\"request\":"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := NewReader(bytes.NewReader(data))
		for i := 0; i < 10000; i++ {
			rec, _, err := rd.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && err.Error() == "" {
					t.Fatal("empty error")
				}
				return
			}
			if rec.Request.Method == "" {
				t.Fatal("record without method")
			}
		}
	})
}

// FuzzMarshal: the line encoder writes what encoding/json writes (without
// HTML escaping), and the
// reader gives the request back byte for byte.
func FuzzMarshal(f *testing.F) {
	f.Add("POST", "/wa", "x=1", []byte(`{"a":"<b>"}`), "ok", "", false)
	f.Add("GET", "/", "hub.challenge=\u2028", []byte{}, "", "connection refused", true)
	f.Add("PUT", "/%ff", "", []byte{0xff, 0xfe, 0}, "\xff", "line\nbreak", false)
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte, answer, errText string, redacted bool) {
		if method == "" {
			method = "POST"
		}
		rec := &Record{
			Schema: Schema, RequestID: "r",
			Request:  Request{Method: method, Path: path, RawQuery: query, Body: body},
			Response: Response{Status: 200, Body: answer},
			Error:    errText, Redacted: redacted,
		}
		if errText != "" {
			rec.Forward = &Forward{URL: path, Error: errText, Body: answer}
		}
		got, err := Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if want := reference(t, rec); !bytes.Equal(got, want) {
			t.Fatalf("Marshal %s\nencoding/json %s", got, want)
		}
		back, _, err := NewReader(bytes.NewReader(append(got, '\n'))).Next()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back.Request.Body, body) && len(body)+len(back.Request.Body) > 0 {
			t.Fatalf("body %q came back as %q", body, back.Request.Body)
		}
	})
}
