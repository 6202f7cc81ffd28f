package listener

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/record"
)

// TestReplayRequestCredentials: a credential the recording masked is not
// sent as "[redacted]"; one given with -H is; one recorded in clear (an
// older recording) is sent as recorded.
func TestReplayRequestCredentials(t *testing.T) {
	target, _ := url.Parse("http://127.0.0.1:3000/hooks")
	rec := &record.Record{Request: record.Request{Method: "POST", Path: "/wa", Header: http.Header{
		"Authorization": {record.Masked}, "Cookie": {record.Masked, record.Masked}, "X-Api-Key": {"old-clear-key"},
		"Content-Type": {"application/json"}, "Content-Length": {"2"},
	}, Body: []byte("{}")}}
	if got := record.MaskedHeaders(rec.Request.Header); len(got) != 2 || !got["Authorization"] || !got["Cookie"] {
		t.Errorf("MaskedHeaders = %v", got)
	}
	req := ReplayRequest(rec, target, nil)
	for _, k := range []string{"Authorization", "Cookie", "Content-Length"} {
		if v, ok := req.Header[k]; ok {
			t.Errorf("%s sent: %q", k, v)
		}
	}
	if req.Header.Get("X-Api-Key") != "old-clear-key" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", req.Header)
	}
	req = ReplayRequest(rec, target, http.Header{"Authorization": {"Bearer given"}})
	if got := req.Header.Get("Authorization"); got != "Bearer given" {
		t.Errorf("Authorization %q, want the -H value", got)
	}
}
