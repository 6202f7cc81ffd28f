package listener

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/callback"
)

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func compressWith(t testing.TB, b []byte, newWriter func(io.Writer) io.WriteCloser) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := newWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A body sent with a Content-Encoding is decoded decompressed, bounded by
// MaxBody after decompression; the exchange keeps the bytes as received
// (recording, forward), and what cannot be undone is said.
func TestHandlerContentEncoding(t *testing.T) {
	payload := []byte(cloudText)
	zlibbed := compressWith(t, payload, func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) })
	rawDeflate := compressWith(t, payload, func(w io.Writer) io.WriteCloser {
		zw, _ := flate.NewWriter(w, flate.DefaultCompression)
		return zw
	})
	gz := gzipped(t, payload)
	bomb := gzipped(t, bytes.Repeat([]byte(" "), 1<<20))
	tests := []struct {
		name     string
		encoding string
		body     []byte
		maxBody  int64
		status   int
		kind     string
		decodeEr string // a substring of the first event's decode_error; "" for none
	}{
		{"gzip", "gzip", gz, 0, 200, "message", ""},
		{"x-gzip upper case", "X-GZIP", gz, 0, 200, "message", ""},
		{"deflate (zlib)", "deflate", zlibbed, 0, 200, "message", ""},
		{"deflate (raw)", "deflate", rawDeflate, 0, 200, "message", ""},
		{"gzip then deflate", "gzip, deflate", compressWith(t, gz, func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) }), 0, 200, "message", ""},
		{"identity", "identity", payload, 0, 200, "message", ""},
		{"decompressed exactly at the limit", "gzip", gz, int64(len(payload)), 200, "message", ""},
		{"gzip bomb", "gzip", bomb, 64 << 10, 413, "unknown", "request refused with 413: body exceeds the limit of 65536 bytes once decompressed (Content-Encoding gzip)"},
		{"one byte over once decompressed", "gzip", gz, int64(len(payload)) - 1, 413, "unknown", "once decompressed"},
		{"truncated gzip", "gzip", gz[:len(gz)-12], 0, 200, "message", "Content-Encoding gzip: the body is cut short after"},
		{"not gzip at all", "gzip", payload, 0, 200, "message", "Content-Encoding gzip: the body does not decompress (gzip: invalid header); it is decoded as received"},
		{"brotli", "br", []byte("\x1b\x03\x00"), 0, 200, "unknown", `Content-Encoding br: "br" is not undone (wa-cb undoes gzip and deflate); the body is decoded as received`},
		{"unknown among known", "gzip, zstd", gz, 0, 200, "unknown", `Content-Encoding gzip, zstd: "zstd" is not undone`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ex := serve(t, Config{MaxBody: tt.maxBody}, reqSpec{method: "POST", target: "/hook", body: string(tt.body),
				header: map[string]string{"Content-Type": "application/json", "Content-Encoding": tt.encoding}})
			if w.Code != tt.status || ex.Answer.Status != tt.status {
				t.Fatalf("answered %d (%d), want %d", w.Code, ex.Answer.Status, tt.status)
			}
			if !bytes.Equal(ex.Body, tt.body) {
				t.Errorf("exchange body is not the bytes received")
			}
			if got := RecordOf(ex).Request.Body; !bytes.Equal(got, tt.body) {
				t.Errorf("record body is not the bytes received")
			}
			if ex.Header.Get("Content-Encoding") != tt.encoding {
				t.Errorf("Content-Encoding header %q not kept", ex.Header.Get("Content-Encoding"))
			}
			ev := ex.Events[0]
			if ev.Kind != tt.kind {
				t.Errorf("kind %q, want %q (decode_error %q)", ev.Kind, tt.kind, ev.DecodeError)
			}
			if tt.kind == "message" && ev.Text != "Body Text" {
				t.Errorf("text %q, want the decompressed message's", ev.Text)
			}
			switch {
			case tt.decodeEr == "" && ev.DecodeError != "":
				t.Errorf("decode_error %q, want none", ev.DecodeError)
			case !strings.Contains(ev.DecodeError, tt.decodeEr):
				t.Errorf("decode_error %q, want it to hold %q", ev.DecodeError, tt.decodeEr)
			}
			if tt.status == 413 != ex.TooLarge {
				t.Errorf("TooLarge %v", ex.TooLarge)
			}
		})
	}
}

// The signature of a compressed body is checked over the payload, and over
// the bytes as received.
func TestHandlerContentEncodingSignature(t *testing.T) {
	gz := gzipped(t, []byte(cloudText))
	for name, signed := range map[string]string{"payload": cloudText, "compressed bytes": string(gz)} {
		t.Run(name, func(t *testing.T) {
			_, ex := serve(t, Config{AppSecret: "s3cret", RequireSignature: true}, reqSpec{method: "POST", target: "/hook", body: string(gz),
				header: map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip", callback.SignatureHeader: sign("s3cret", signed)}})
			if ex.Signature != callback.SignatureValid || ex.Answer.Status != http.StatusOK {
				t.Errorf("signature %q, answer %d", ex.Signature, ex.Answer.Status)
			}
		})
	}
	_, ex := serve(t, Config{AppSecret: "s3cret"}, reqSpec{method: "POST", target: "/hook", body: string(gz),
		header: map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip", callback.SignatureHeader: sign("other", cloudText)}})
	if ex.Signature != callback.SignatureInvalid {
		t.Errorf("wrong secret: signature %q", ex.Signature)
	}
}

// FuzzInflate: whatever the body and codings, inflate stays within max and
// says why when it gives nothing back.
func FuzzInflate(f *testing.F) {
	f.Add(gzipped(f, []byte(cloudText)), "gzip")
	f.Add(compressWith(f, []byte(`{"a":1}`), func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) }), "deflate")
	f.Add([]byte("\x1f\x8b\x08\x00garbage"), "gzip, gzip")
	f.Add([]byte(`{"a":1}`), "br")
	f.Fuzz(func(t *testing.T, body []byte, encoding string) {
		const max = 1 << 16
		codings := contentCodings(http.Header{"Content-Encoding": {encoding}})
		out, note, err := inflate(body, codings, max)
		if err != nil {
			if err != ErrInflatedTooLarge || out != nil {
				t.Fatalf("inflate: %v (%d bytes)", err, len(out))
			}
			return
		}
		if len(out) > max {
			t.Fatalf("inflated %d bytes past the limit %d", len(out), max)
		}
		if out == nil && note == "" && len(body) > 0 && len(codings) > 0 {
			t.Fatalf("nothing inflated and nothing said for %q", codings)
		}
	})
}
