package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/sender"
)

// soakConns is how many connections the soak test keeps busy.
const soakConns = 64

// soakID is the unique id carried by soak request seq.
func soakID(seq int) string { return fmt.Sprintf("SOAK%06d", seq) }

// soakRequest builds request seq in one of four wire formats, each holding
// soakID(seq) where the decoder reads the event id from.
func soakRequest(base string, seq int) sender.Request {
	id := soakID(seq)
	ts := strconv.Itoa(1763980000 + seq%1000)
	jsonType := http.Header{"Content-Type": {"application/json"}}
	switch seq % 4 {
	case 0: // Cloud API incoming text
		return sender.Request{Method: http.MethodPost, URL: base + "cloud", Header: jsonType, Body: []byte(
			`{"object":"whatsapp_business_account","entry":[{"id":"5467539754836534","changes":[{"value":{"messaging_product":"whatsapp",` +
				`"metadata":{"display_phone_number":"15550001111","phone_number_id":"1122334455667"},"contacts":[{"profile":{"name":"Soak"},"wa_id":"972987654321"}],` +
				`"messages":[{"from":"972987654321","id":"wamid.` + id + `","timestamp":"` + ts + `","text":{"body":"soak ` + id + `"},"type":"text"}]},"field":"messages"}]}]}`)}
	case 1: // Kaleyra v1 status as a GET query string
		q := url.Values{"id": {id}, "status": {"delivered"}, "phone_number": {"+919812345678"}, "timestamp": {ts}}
		return sender.Request{Method: http.MethodGet, URL: base + "kaleyra?" + q.Encode()}
	case 2: // on-premises status
		return sender.Request{Method: http.MethodPost, URL: base + "onprem", Header: jsonType, Body: []byte(
			`{"statuses":[{"id":"` + id + `","recipient_id":"16315555555","status":"read","timestamp":"` + ts + `"}]}`)}
	default: // Kaleyra v1 status as a form body
		q := url.Values{"id": {id}, "status": {"sent"}, "phone_number": {"+919812345678"}, "timestamp": {ts}}
		return sender.Request{Method: http.MethodPost, URL: base + "form", Body: []byte(q.Encode()),
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}
	}
}

// wantEventID is the event id the decoder reports for request seq.
func wantEventID(seq int) string {
	if seq%4 == 0 {
		return "wamid." + soakID(seq)
	}
	return soakID(seq)
}

// TestSoakRecordsEveryCallbackOnce fires soakRequests callbacks over
// soakConns connections at `wa-cb listen --json --record FILE` and checks
// that none was answered 5xx (or failed otherwise), that the recording
// holds each exactly once with its own body and event, and that the JSON
// stream shows each once.
func TestSoakRecordsEveryCallbackOnce(t *testing.T) {
	n := soakRequests
	if testing.Short() {
		n = min(n, 2000)
	}
	rec := filepath.Join(t.TempDir(), "soak.ndjson")
	l := startListen(t, "--json", "--record", rec, "--max-events", strconv.Itoa(n))

	client := sender.ForConcurrency(&http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}, soakConns)
	load, err := sender.NewLoad(&sender.Sender{Client: client}, sender.LoadConfig{
		Count:       n,
		Concurrency: soakConns,
		Next: func(seq int) (sender.Job, error) {
			return sender.Job{Request: soakRequest(l.URL, seq)}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	report, err := load.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if report.Sent != n || report.Succeeded != n || report.Failed != 0 || report.Statuses["200"] != n || len(report.Statuses) != 1 {
		t.Fatalf("answers: sent %d, succeeded %d, statuses %v, failures %+v", report.Sent, report.Succeeded, report.Statuses, report.Failures)
	}
	if err := l.wait(t); err != nil {
		t.Fatalf("listen: %v\n%s", err, l.errOut)
	}
	t.Logf("%d callbacks over %d connections in %s (%.0f/s; p99 answer %.2fms), recorded", n, soakConns,
		time.Since(start).Round(time.Millisecond), report.Throughput, report.Latency.P99)

	// The recording: every request exactly once, each with its own body
	// and event, answered 200.
	recs := readRecording(t, rec)
	if len(recs) != n {
		t.Errorf("recording holds %d records for %d requests", len(recs), n)
	}
	seen := make(map[string]int, n)
	requestIDs := make(map[string]bool, n)
	for _, r := range recs {
		if len(r.Events) != 1 {
			t.Fatalf("record %s holds %d events", r.RequestID, len(r.Events))
		}
		id := r.Events[0].ID
		seen[id]++
		requestIDs[r.RequestID] = true
		seq, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(id, "wamid."), "SOAK"))
		if err != nil || wantEventID(seq) != id {
			t.Fatalf("record %s: event id %q is not one that was sent", r.RequestID, id)
		}
		if r.Response.Status != http.StatusOK || r.Events[0].DecodeError != "" {
			t.Fatalf("record of %s: answered %d, decode error %q", id, r.Response.Status, r.Events[0].DecodeError)
		}
		want := soakRequest("", seq)
		if string(r.Request.Body) != string(want.Body) || r.Request.Method != want.Method {
			t.Fatalf("record of %s holds %s %q, want %s %q", id, r.Request.Method, r.Request.Body, want.Method, want.Body)
		}
	}
	for seq := 0; seq < n; seq++ {
		if c := seen[wantEventID(seq)]; c != 1 {
			t.Errorf("request %d is in the recording %d times", seq, c)
		}
	}
	if len(requestIDs) != n {
		t.Errorf("%d distinct request ids for %d requests", len(requestIDs), n)
	}

	// The JSON stream: one event per request, each request id once.
	lines := strings.Split(strings.TrimSpace(l.out.String()), "\n")
	if len(lines) != n {
		t.Fatalf("%d event lines for %d requests", len(lines), n)
	}
	streamed := make(map[string]bool, n)
	for _, line := range lines {
		var ev struct {
			ID        string `json:"id"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("event line %q: %v", line, err)
		}
		if streamed[ev.ID] || !requestIDs[ev.RequestID] {
			t.Fatalf("event %s (request %s) streamed twice or not recorded", ev.ID, ev.RequestID)
		}
		streamed[ev.ID] = true
	}
}
