package render

import (
	"strings"
	"testing"

	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/lifecycle"
	"github.com/wa-cb/wa-cb/pkg/mock"
)

func TestMockLine(t *testing.T) {
	tests := []struct {
		rec  mock.Record
		want string
	}{
		{mock.Record{Kind: mock.KindAPICall, API: mock.APIKaleyraV1, Method: "POST", Path: "/v1/SID/messages", Answer: 200, ID: "u:0", To: "919812345678", Type: "text"},
			"api-call  kaleyra-v1  POST /v1/SID/messages  200  id u:0  to 919812345678  text\n"},
		{mock.Record{Kind: mock.KindAPICall, API: mock.APIKaleyraV1, Method: "POST", Path: "/v1/SID/messages", Answer: 400, Code: "E413", Message: "The Callback URL format is invalid."},
			"api-call  kaleyra-v1  POST /v1/SID/messages  400  E413  The Callback URL format is invalid.\n"},
		{mock.Record{Kind: mock.KindCallback, API: mock.APICloud, ID: "wamid.X", Status: "delivered", Method: "POST", URL: "http://127.0.0.1:1/hook", Answer: 500, LatencyMS: 2, Attempt: 2, Signed: true, RetryInMS: 4000,
			Lifecycle: &lifecycle.Note{Seq: 3, Flags: []string{"out_of_order"}}},
			"callback  cloud  wamid.X  delivered  POST http://127.0.0.1:1/hook  → 500  2.0ms  try 2  signed  retry in 4s  out_of_order\n"},
		{mock.Record{Kind: mock.KindCallback, API: mock.APIKaleyraV1, ID: "u:0", Status: "sent", Method: "GET", URL: "http://127.0.0.1:1/cb", Error: "connection refused", Attempt: 4, GaveUp: true},
			"callback  kaleyra-v1  u:0  sent  GET http://127.0.0.1:1/cb  → connection refused  0.0ms  try 4  gave up\n"},
		{mock.Record{Kind: mock.KindCallbackSkipped, API: mock.APIKaleyraV1, ID: "u:0", URL: "https://other.org/cb", Rule: "not-whitelisted", Reason: "the host is not under any whitelist entry"},
			"callback-skipped  kaleyra-v1  u:0  https://other.org/cb  not-whitelisted: the host is not under any whitelist entry\n"},
		{mock.Record{Kind: mock.KindInbound, API: mock.APICloud, ID: "wamid.Y", To: "15551234567", Context: "wamid.X", Type: "text", URL: "http://127.0.0.1:1/hook"},
			"inbound  cloud  wamid.Y  from 15551234567  reply to wamid.X  text  → http://127.0.0.1:1/hook\n"},
		{mock.Record{Kind: mock.KindCallbackSkipped, ID: "x\x1b[2J", Rule: "r", Reason: "why"},
			"callback-skipped  x\\x1b[2J  r: why\n"},
	}
	for _, tt := range tests {
		if got := MockLine(tt.rec); got != tt.want {
			t.Errorf("MockLine(%s)\n got %q\nwant %q", tt.rec.Kind, got, tt.want)
		}
	}

	ios, _, _, _ := iostreams.Test()
	ios.SetColorMode(iostreams.ColorAlways)
	colored := MockPrinter(New(ios))(tests[2].rec)
	if !strings.Contains(colored, "\x1b[") || evANSI.ReplaceAllString(colored, "") != tests[2].want {
		t.Errorf("coloured line %q", colored)
	}
	ios.SetColorMode(iostreams.ColorNever)
	if got := MockPrinter(New(ios))(tests[2].rec); got != tests[2].want {
		t.Errorf("colourless line %q", got)
	}
}
