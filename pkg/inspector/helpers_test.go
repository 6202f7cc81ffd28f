package inspector

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/record"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeClock ticks a millisecond per reading.
func fakeClock() func() time.Time {
	now := t0
	return func() time.Time {
		now = now.Add(time.Millisecond)
		return now
	}
}

// rec builds a record of a request with the given events.
func rec(id, method, path, query, body string, evs ...callback.Event) *record.Record {
	r := &record.Record{
		Schema:     record.Schema,
		RequestID:  id,
		ReceivedAt: t0,
		Request: record.Request{
			Method:   method,
			Path:     path,
			RawQuery: query,
			Host:     "127.0.0.1:4280",
			Header:   http.Header{"Content-Type": {"application/json"}},
		},
		Events:   evs,
		Response: record.Response{Status: 200, LatencyMS: 0.5},
	}
	if body != "" {
		r.Request.Body = []byte(body)
	}
	for i := range r.Events {
		r.Events[i].Schema = callback.Schema
		r.Events[i].RequestID = id
	}
	return r
}

func statusEvent(id, status, to string) callback.Event {
	return callback.Event{Source: "cloud", Kind: callback.KindStatus, Status: status, ID: id, To: to}
}

func textEvent(from, text string) callback.Event {
	return callback.Event{Source: "cloud", Kind: callback.KindMessage, Type: "text", ID: "wamid.in-" + from, From: from, Text: text}
}

// served serves in on a loopback port, checking Host as the real server
// does; the URL ends without a slash.
func served(t *testing.T, in *Inspector) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(in, ln, "127.0.0.1")
	go srv.Serve()
	t.Cleanup(func() { srv.Close() })
	return strings.TrimSuffix(srv.URL(), "/")
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	code, body := get(t, url)
	if code != 200 {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
}

func post(t *testing.T, url, body string, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// captured is an app that keeps the requests it gets.
type captured struct {
	srv  *httptest.Server
	reqs chan capturedReq
}

type capturedReq struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

func newCaptured(t *testing.T) *captured {
	c := &captured{reqs: make(chan capturedReq, 16)}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.reqs <- capturedReq{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), b}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(202)
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *captured) next(t *testing.T) capturedReq {
	t.Helper()
	select {
	case r := <-c.reqs:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the app got no request")
		return capturedReq{}
	}
}
