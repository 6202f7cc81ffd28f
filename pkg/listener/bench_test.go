package listener

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkHandler measures one Cloud text callback through the handler
// (read, check, decode, answer, emit) with a sink that discards exchanges;
// the request is built once, so the numbers are the handler's own.
func BenchmarkHandler(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		{"plain", Config{}},
		{"signed", Config{AppSecret: "s3cret"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := NewHandler(bc.cfg, func(*Exchange) {})
			body := []byte(cloudText)
			sig := sign("s3cret", cloudText)
			w := &discardWriter{h: http.Header{}}
			r := httptest.NewRequest("POST", "/webhook", nil)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Hub-Signature-256", sig)
			r.ContentLength = int64(len(body))
			rd := bytes.NewReader(body)
			rc := io.NopCloser(rd)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				rd.Reset(body)
				r.Body = rc
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkJSONLine measures encoding one event line as listen --json does.
func BenchmarkJSONLine(b *testing.B) {
	var got []*Exchange
	h := NewHandler(Config{}, func(ex *Exchange) { got = append(got, ex) })
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", bytes.NewReader([]byte(cloudText))))
	ev := &got[0].Events[0]
	enc := json.NewEncoder(io.Discard)
	enc.SetEscapeHTML(false)
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.Encode(ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueue measures a push and its take.
func BenchmarkQueue(b *testing.B) {
	q := NewQueue()
	ex := &Exchange{}
	b.ReportAllocs()
	for b.Loop() {
		q.Push(ex)
		<-q.Ready()
		q.Take()
	}
}
