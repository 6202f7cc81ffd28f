package mock

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/mock"
)

func TestParseDelays(t *testing.T) {
	tests := []struct {
		in      string
		want    mock.Delays
		wantErr string
	}{
		{"", mock.DefaultDelays, ""},
		{"sent=200ms,delivered=1s,read=3s", mock.Delays{Sent: 200 * time.Millisecond, Delivered: time.Second, Read: 3 * time.Second}, ""},
		{"read=10s", mock.Delays{Sent: 200 * time.Millisecond, Delivered: time.Second, Read: 10 * time.Second}, ""},
		{" Sent = 0s , delivered=0s,read=0s ", mock.Delays{}, ""},
		{"sent=2s", mock.Delays{}, "sent ≤ delivered ≤ read"},
		{"seen=1s", mock.Delays{}, "the statuses are sent, delivered and read"},
		{"sent=soon", mock.Delays{}, "want a duration"},
		{"sent=-1s", mock.Delays{}, "want a duration"},
		{"sent", mock.Delays{}, "want STATUS=DURATION"},
	}
	for _, tt := range tests {
		got, err := ParseDelays(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseDelays(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDelays(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRoutes(t *testing.T) {
	got, err := ParseRoutes([]string{"Hooks.Example.com.=http://127.0.0.1:3000/app", "api.example.org=http://localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if got["hooks.example.com"].String() != "http://127.0.0.1:3000/app" || got["api.example.org"].Host != "localhost:8080" {
		t.Errorf("routes %v", got)
	}
	for in, want := range map[string]string{
		"hooks.example.com":                          "want HOST=URL",
		"=http://127.0.0.1:1":                        "want HOST=URL",
		"hooks.example.com=https://203.0.113.9/":     "local URLs only",
		"hooks.example.com=ftp://127.0.0.1/":         "want http:// or https://",
		"*.example.com=http://127.0.0.1:1":           "is not a host name",
		"hooks.example.com=http://user@127.0.0.1:1/": "user info",
	} {
		if _, err := ParseRoutes([]string{in}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRoutes(%q) error %v, want %q", in, err, want)
		}
	}
	if _, err := ParseRoutes([]string{"a.example.com=http://127.0.0.1:1", "A.example.com=http://127.0.0.1:2"}); err == nil {
		t.Error("a host routed twice was accepted")
	}
}

func TestOutputLines(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	o := newOutput(ios, true)
	o.record(mock.Record{Kind: mock.KindCallbackSkipped, API: mock.APIKaleyraV1, ID: "x:0", URL: "https://hooks.example.com/cb?a=1&b=2",
		Rule: mock.RuleNoRoute, Reason: "hooks.example.com is not on this machine"})
	o.record(mock.Record{Kind: mock.KindCallbackSkipped, API: mock.APICloud, ID: "wamid.X", Rule: mock.RuleNoTarget, Reason: "no webhook URL is configured"})
	o.flush()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%q", out.String())
	}
	if !strings.Contains(lines[0], `"url":"https://hooks.example.com/cb?a=1&b=2"`) ||
		!strings.Contains(lines[0], `(--route hooks.example.com=http://127.0.0.1:PORT delivers its callbacks to your app)`) {
		t.Errorf("line 1: %s", lines[0])
	}
	if !strings.Contains(lines[1], `"reason":"no webhook URL is configured (--webhook-url)"`) {
		t.Errorf("line 2: %s", lines[1])
	}

	ios, _, out, _ = iostreams.Test()
	o = newOutput(ios, false)
	o.record(mock.Record{Kind: mock.KindCallback, API: mock.APIKaleyraV1, ID: "x:0", Status: "read", Method: "GET", URL: "http://127.0.0.1:3000/cb?id=x", Answer: 200, LatencyMS: 1.25})
	o.flush()
	if want := "callback  kaleyra-v1  x:0  read  GET http://127.0.0.1:3000/cb?id=x  → 200  1.2ms\n"; out.String() != want {
		t.Errorf("text line %q, want %q", out.String(), want)
	}
}

// A client that sends its headers and then trickles its body is cut once
// the read timeout passes, instead of holding its connection for ever.
func TestServerCutsASlowBody(t *testing.T) {
	defer func(d time.Duration) { readTimeout = d }(readTimeout)
	readTimeout = 200 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	go srv.Serve(ln)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "POST /v1/SID/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nto=")
	// the server closes the connection; the deadline only bounds a broken test
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("the slow body was not cut: %v", err)
	}
}

func TestFlags(t *testing.T) {
	dir := t.TempDir()
	wlFile := dir + "/whitelist.txt"
	if err := os.WriteFile(wlFile, []byte("# production\nexample.net\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WA_CB_WHITELIST": "example.org", "WA_CB_APP_SECRET": "s3cret"}
	run := func(args ...string) (*Options, error) {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios, Getenv: func(k string) string { return env[k] }}
		var got *Options
		cmd := NewCmdMock(f, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		return got, cmd.Execute()
	}
	o, err := run("--port", "0", "--whitelist", "example.com", "--whitelist-file", wlFile, "--delays", "read=5s", "--speed", "10")
	if err != nil {
		t.Fatal(err)
	}
	if o.Whitelist == nil || o.Whitelist.Len() != 3 || o.AppSecret != "s3cret" || o.Port != 0 || o.Delays.Read != 5*time.Second || o.Speed != 10 {
		t.Errorf("options %+v", o)
	}
	if o.DisplayNumber != mock.DefaultDisplayNumber {
		t.Errorf("display number %q by default", o.DisplayNumber)
	}
	if o, err := run("--display-number", "+1 (415) 555-0123"); err != nil || o.DisplayNumber != "14155550123" {
		t.Errorf("--display-number: %+v, %v", o, err)
	}
	if o.MediaBytes != mock.DefaultMediaBytes {
		t.Errorf("media kept %d by default, want %d", o.MediaBytes, mock.DefaultMediaBytes)
	}
	if o, err := run("--max-media", "200MiB"); err != nil || o.MediaBytes != 200<<20 {
		t.Errorf("--max-media 200MiB: %+v, %v", o, err)
	}
	if o.Workers != mock.DefaultWorkers {
		t.Errorf("callback workers %d by default, want %d", o.Workers, mock.DefaultWorkers)
	}
	if o, err := run("--callback-workers", "32"); err != nil || o.Workers != 32 {
		t.Errorf("--callback-workers 32: %+v, %v", o, err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--whitelist", "co.uk"}, "public suffix"},
		{[]string{"--whitelist-file", dir + "/missing"}, "cannot read whitelist file"},
		{[]string{"--keep", "0"}, "invalid --keep"},
		{[]string{"--max-media", "lots"}, "invalid --max-media"},
		{[]string{"--max-media", "2GiB"}, "at most 1GiB"},
		{[]string{"--display-number", "ACME"}, `invalid --display-number "ACME"`},
		{[]string{"--callback-workers", "0"}, "invalid --callback-workers 0: want 1 to 1024"},
		{[]string{"--callback-workers", "5000"}, "invalid --callback-workers"},
		{[]string{"--addr", "127.0.0.1:1", "--port", "2"}, "give the port once"},
		{[]string{"--route", "x"}, "want HOST=URL"},
		{[]string{"--incoming-url", "http://a b/"}, "--incoming-url"},
		{[]string{"extra"}, "unknown command"},
	} {
		if _, err := run(tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
}
