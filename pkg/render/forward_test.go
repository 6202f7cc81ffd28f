package render

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/listener"
)

func TestForwardViewOf(t *testing.T) {
	if _, ok := ForwardViewOf(&listener.Exchange{ID: "x"}); ok {
		t.Fatal("a view for an exchange that was not forwarded")
	}
	big := bytes.Repeat([]byte("é"), 400) // 800 bytes
	ex := &listener.Exchange{ID: "req-1", Method: "POST", Answer: listener.Answer{Status: 202},
		Forward: &listener.ForwardResult{URL: "http://127.0.0.1:3000/h", Status: 500, Header: http.Header{}, Body: big, Latency: 1500 * time.Microsecond}}
	v, ok := ForwardViewOf(ex)
	if !ok || v.Schema != ForwardSchema || v.Kind != "forward" || v.RequestID != "req-1" || v.Status != 500 || v.Answered != 202 ||
		v.LatencyMS != 1.5 || v.BodyBytes != 800 || !v.BodyTruncated || len(v.Body) != 512 {
		t.Errorf("view %+v (body %d bytes)", v, len(v.Body))
	}
	if strings.ContainsRune(v.Body, '\uFFFD') {
		t.Error("the cut split a character")
	}
}

func TestForwardRendering(t *testing.T) {
	ok := ForwardView{Schema: ForwardSchema, Kind: "forward", RequestID: "3f9a-0001", Method: "POST",
		URL: "http://127.0.0.1:3000/hooks/wa?x=1", Status: 200, LatencyMS: 3.14, Body: `{"ok":true}`, BodyBytes: 11, Answered: 200}
	down := ForwardView{Schema: ForwardSchema, Kind: "forward", RequestID: "3f9a-0002", Method: "GET",
		URL: "http://127.0.0.1:1/", Status: 0, LatencyMS: 0.2, Error: "connection refused", Answered: 502}
	overridden := ok
	overridden.Status, overridden.Answered, overridden.Body = 500, 200, "boom\x1b[31m"

	plain := NewEventPrinterFor(build(io.Discard, false, 80), false)
	for _, tt := range []struct {
		v    ForwardView
		want string
	}{
		{ok, "forward 200 (app)\n  url: POST http://127.0.0.1:3000/hooks/wa?x=1\n  latency: 3.1ms\n  body: {\"ok\":true}\n  request: 3f9a-0001\n\n"},
		{down, "forward 0 (app) !\n  url: GET http://127.0.0.1:1/\n  latency: 0.2ms\n  error: connection refused\n  answered: 502\n  request: 3f9a-0002\n\n"},
	} {
		if got := plain.Forward(tt.v); got != tt.want {
			t.Errorf("plain:\n%q\nwant\n%q", got, tt.want)
		}
	}
	if got := plain.Forward(overridden); strings.Contains(got, "\x1b") || !strings.Contains(got, "  answered: 200\n") {
		t.Errorf("plain with control characters: %q", got)
	}

	cards := NewEventPrinterFor(build(io.Discard, true, 80), true)
	got := cards.Forward(ok)
	for _, want := range []string{"↳ app ", "\x1b[32m200 OK\x1b[0m", "3.1ms", "POST", "http://127.0.0.1:3000/hooks/wa?x=1", `{"ok":true}`, "3f9a-0001"} {
		if !strings.Contains(got, want) {
			t.Errorf("card line lacks %q: %q", want, got)
		}
	}
	got = cards.Forward(down)
	for _, want := range []string{"no answer", "connection refused", "answered ", "502"} {
		if !strings.Contains(got, want) {
			t.Errorf("down line lacks %q: %q", want, got)
		}
	}
	if got := cards.Forward(overridden); strings.Contains(got, "\x1b[31m") {
		t.Errorf("control characters from the app reached the terminal: %q", got)
	}
}
