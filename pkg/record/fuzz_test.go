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
