package listener

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// cloudLocation is the body scripts/bench's listen section sends.
const cloudLocation = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Maya Patel"},"wa_id":"15551234567"}],"messages":[{"from":"15551234567","id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGCAwNTZCOEJCMUNBMUIzNEVGQUI3REE0QzQyNUIxNUE0MgA=","timestamp":"1796152982","type":"location","location":{"address":"1 Hacker Way, Menlo Park, CA 94025","latitude":37.4847483,"longitude":-122.1473105,"name":"Meta HQ","url":"https://maps.google.com/?cid=2186406451413567841"}}]},"field":"messages"}]}]}`

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkHandler measures one callback through the handler (read,
// check, decode, answer, encode the events, emit) with a sink that
// discards exchanges; the request is built once, so the numbers are the
// handler's own, without net/http's.
func BenchmarkHandler(b *testing.B) {
	for _, bc := range []struct {
		name string
		body string
		cfg  Config
	}{
		{"cloud-text", cloudText, Config{}},
		{"cloud-location", cloudLocation, Config{}},
		{"cloud-location-signed", cloudLocation, Config{AppSecret: "s3cret"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := NewHandler(bc.cfg, func(*Exchange) {})
			body := []byte(bc.body)
			sig := sign("s3cret", bc.body)
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

// BenchmarkEncodeEvents measures encoding one exchange's events, once, as
// every emitted exchange carries them (the --json lines, the recording).
func BenchmarkEncodeEvents(b *testing.B) {
	var got []*Exchange
	h := NewHandler(Config{}, func(ex *Exchange) { got = append(got, ex) })
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", bytes.NewReader([]byte(cloudLocation))))
	ex := got[0]
	b.ReportAllocs()
	for b.Loop() {
		ex.EventsJSON = nil
		ex.EncodeEvents()
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

// BenchmarkQueueBurst measures pushes that arrive while the consumer is
// busy: 32 pushes (one per connection of scripts/bench) per take.
func BenchmarkQueueBurst(b *testing.B) {
	q := NewQueue()
	ex := &Exchange{}
	b.ReportAllocs()
	for b.Loop() {
		for range 32 {
			q.Push(ex)
		}
		<-q.Ready()
		q.Take()
	}
}
