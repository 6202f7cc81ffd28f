package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wa-cb/wa-cb/pkg/callback"
	"github.com/wa-cb/wa-cb/pkg/cmdutil"
	"github.com/wa-cb/wa-cb/pkg/iostreams"
	"github.com/wa-cb/wa-cb/pkg/record"
)

// got is what the target received.
type got struct {
	method, uri string
	header      http.Header
	body        []byte
}

type target struct {
	mu     sync.Mutex
	reqs   []got
	status int
	srv    *httptest.Server
}

func newTarget(t *testing.T, status int) *target {
	tg := &target{status: status}
	tg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.reqs = append(tg.reqs, got{r.Method, r.RequestURI, r.Header.Clone(), b})
		tg.mu.Unlock()
		w.WriteHeader(tg.status)
		_, _ = io.WriteString(w, "answer")
	}))
	t.Cleanup(tg.srv.Close)
	return tg
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// writeRecording writes records to a file and returns its path.
func writeRecording(t *testing.T, recs []*record.Record, extra string) string {
	t.Helper()
	var buf bytes.Buffer
	for _, r := range recs {
		line, err := record.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	buf.WriteString(extra)
	path := filepath.Join(t.TempDir(), "rec.ndjson")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sampleRecords() []*record.Record {
	return []*record.Record{
		{RequestID: "r-1", ReceivedAt: t0, Request: record.Request{Method: "POST", Path: "/wa", RawQuery: "k=1",
			Header: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"99"}, "Connection": {"close"},
				"X-Hub-Signature-256": {"sha256=abc"}, "Host": {"old"}},
			Body: []byte("{\"a\":\"\u00e9\"}\n")},
			Events: []callback.Event{{Kind: "message", Type: "text"}}, Response: record.Response{Status: 200}},
		{RequestID: "r-2", ReceivedAt: t0.Add(2 * time.Second), Request: record.Request{Method: "POST", Path: "/",
			Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: []byte{0xff, 0x00, 0xfe}},
			Events: []callback.Event{{Kind: "status", Status: "failed"}}, Response: record.Response{Status: 200}},
		{RequestID: "r-3", ReceivedAt: t0.Add(3 * time.Second), Request: record.Request{Method: "POST", Path: "/big",
			Header: http.Header{"Content-Length": {"9999999"}}},
			Events: []callback.Event{{Kind: "unknown"}}, Response: record.Response{Status: 413}, Error: "request refused with 413"},
		{RequestID: "r-4", ReceivedAt: t0.Add(7 * time.Second), Request: record.Request{Method: "GET", Path: "/kaleyra", RawQuery: "status=read&id=x%3A0"},
			Events: []callback.Event{{Kind: "status", Status: "read"}}, Response: record.Response{Status: 200}},
	}
}

func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" }, AppVersion: "test"}
	var sleeps []time.Duration
	cmd := NewCmdReplay(f, func(ctx context.Context, o *Options) error {
		o.Sleep = func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }
		err := replayRun(ctx, o)
		if len(sleeps) > 0 {
			for _, d := range sleeps {
				errOut.WriteString("slept " + d.String() + "\n")
			}
		}
		return err
	})
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestReplayByteForByte(t *testing.T) {
	tg := newTarget(t, 200)
	path := writeRecording(t, sampleRecords(), "")
	out, errOut, err := run(t, path, "--to", tg.srv.URL+"/app?t=1", "--json")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	if !strings.Contains(errOut, "request r-3 not replayed: its body was not recorded") {
		t.Errorf("stderr %q", errOut)
	}
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if len(tg.reqs) != 3 {
		t.Fatalf("%d requests", len(tg.reqs))
	}
	r := tg.reqs[0]
	if r.method != "POST" || r.uri != "/app/wa?t=1&k=1" || string(r.body) != "{\"a\":\"\u00e9\"}\n" {
		t.Errorf("first: %s %s %q", r.method, r.uri, r.body)
	}
	if r.header.Get("X-Hub-Signature-256") != "sha256=abc" || r.header.Get("Content-Length") != "11" || r.header.Get("Connection") != "" {
		t.Errorf("headers %v", r.header)
	}
	if _, ok := r.header["User-Agent"]; ok {
		t.Errorf("User-Agent added: %v", r.header)
	}
	if _, ok := r.header["Accept-Encoding"]; ok {
		t.Errorf("Accept-Encoding added: %v", r.header)
	}
	if !bytes.Equal(tg.reqs[1].body, []byte{0xff, 0x00, 0xfe}) {
		t.Errorf("binary body %q", tg.reqs[1].body)
	}
	if tg.reqs[2].method != "GET" || tg.reqs[2].uri != "/app/kaleyra?t=1&status=read&id=x%3A0" {
		t.Errorf("third: %s %s", tg.reqs[2].method, tg.reqs[2].uri)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("output %q", out)
	}
	var res Result
	if err := json.Unmarshal([]byte(lines[0]), &res); err != nil {
		t.Fatal(err)
	}
	if res.RequestID != "r-1" || res.Status != 200 || !res.OK || res.Name != "" || res.Response != "answer" {
		t.Errorf("result %+v", res)
	}
}

func TestReplayFilterLimitRealtime(t *testing.T) {
	tg := newTarget(t, 200)
	path := writeRecording(t, sampleRecords(), "")
	out, _, err := run(t, path, "--to", tg.srv.URL, "--filter", `.events[].kind == "status"`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "\n") != 2 || !strings.Contains(out, "r-2\t") || !strings.Contains(out, "r-4\t") {
		t.Errorf("filtered output %q", out)
	}
	out, _, err = run(t, path, "--to", tg.srv.URL, "--limit", "1")
	if err != nil || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "r-1\tPOST\t") {
		t.Errorf("limited output %q (%v)", out, err)
	}
	// recorded spacing: 2s then 5s (r-3 is skipped), at speed 2
	_, errOut, err := run(t, path, "--to", tg.srv.URL, "--speed", "2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "slept 1s\nslept 2.5s\n") {
		t.Errorf("sleeps %q", errOut)
	}
	_, errOut, _ = run(t, path, "--to", tg.srv.URL)
	if strings.Contains(errOut, "slept") {
		t.Errorf("slept without --realtime: %q", errOut)
	}
}

func TestReplayFailures(t *testing.T) {
	path := writeRecording(t, sampleRecords(), "")
	tg := newTarget(t, 500)
	_, errOut, err := run(t, path, "--to", tg.srv.URL)
	if !errors.Is(err, cmdutil.ErrCheckFailed) || !strings.Contains(errOut, "3 of 3 deliveries got an unexpected status (want 2xx)") {
		t.Errorf("500s: %v %q", err, errOut)
	}
	_, _, err = run(t, path, "--to", tg.srv.URL, "--expect-status", "5xx")
	if err != nil {
		t.Errorf("--expect-status 5xx: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/"
	ln.Close()
	_, errOut, err = run(t, path, "--to", down)
	if cmdutil.ExitCode(err) != cmdutil.ExitCheckFailed || strings.Count(errOut, "connection refused") != 1 ||
		!strings.Contains(errOut, "stopped after 0 of 3 deliveries") {
		t.Errorf("down: %v %q", err, errOut)
	}
}

func TestReplayBadLines(t *testing.T) {
	tg := newTarget(t, 200)
	path := writeRecording(t, sampleRecords()[:1], "not a record\n")
	_, _, err := run(t, path, "--to", tg.srv.URL)
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitError || !strings.Contains(err.Error(), "line 2: not a wa-cb recording line") {
		t.Fatalf("err %v", err)
	}
	tg.mu.Lock()
	n := len(tg.reqs)
	tg.mu.Unlock()
	if n != 0 {
		t.Errorf("%d requests sent before the bad line was found", n)
	}
	out, errOut, err := run(t, path, "--to", tg.srv.URL, "--skip-bad")
	if err != nil || !strings.Contains(errOut, "line 2: not a wa-cb recording line") || strings.Count(out, "\n") != 1 {
		t.Errorf("--skip-bad: %v %q %q", err, out, errOut)
	}
	_, _, err = run(t, filepath.Join(t.TempDir(), "missing.ndjson"))
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("missing file: %v", err)
	}
}

func TestReplaySignsAnewAndNotesRedaction(t *testing.T) {
	tg := newTarget(t, 200)
	recs := sampleRecords()[:1]
	recs[0].Redacted = true
	path := writeRecording(t, recs, "")
	_, errOut, err := run(t, path, "--to", tg.srv.URL)
	if err != nil || !strings.Contains(errOut, "recorded with --redact") {
		t.Errorf("%v %q", err, errOut)
	}
	_, errOut, err = run(t, path, "--to", tg.srv.URL, "--app-secret", "k")
	if err != nil || strings.Contains(errOut, "recorded with --redact") {
		t.Errorf("%v %q", err, errOut)
	}
	tg.mu.Lock()
	defer tg.mu.Unlock()
	last := tg.reqs[len(tg.reqs)-1]
	if want := callback.Sign("k", last.body); last.header.Get("X-Hub-Signature-256") != want {
		t.Errorf("signature %q, want %q", last.header.Get("X-Hub-Signature-256"), want)
	}
}

func TestNewCmdReplayFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"f", "--speed", "0"}, "invalid --speed"},
		{[]string{"f", "--limit", "-1"}, "invalid --limit"},
		{[]string{"f", "--filter", ".a =="}, "invalid jq expression"},
		{[]string{"f", "--to", "ftp://x"}, "--to"},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		cmd := NewCmdReplay(&cmdutil.Factory{IOStreams: ios}, func(context.Context, *Options) error { return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: err %v, want %q (exit 2)", tt.args, err, tt.wantErr)
		}
	}
	ios, _, _, _ := iostreams.Test()
	var got *Options
	cmd := NewCmdReplay(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"rec.ndjson", "--speed", "4", "--limit", "2"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.Realtime || got.Speed != 4 || got.Limit != 2 || got.Delivery.To != "http://127.0.0.1:4280/" {
		t.Errorf("opts %+v", got)
	}
	if !strings.HasPrefix(cmd.Example, "  $ wa-cb replay") || cmd.Long == "" || cmd.Short == "" {
		t.Error("help is incomplete")
	}
}
